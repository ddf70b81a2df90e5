//! Finding and reading manifest files: files and directories (recursive,
//! `*.yaml`/`*.yml`, hidden entries skipped, in a stable order), with limits on what
//! is read.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, FileRef};

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Expands the given paths into manifest files, sorted within each directory.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = files.len();
                if let Err(e) = walk(path, &mut files) {
                    problems.push(Diagnostic::error(
                        FileRef::new(path).whole(),
                        format!("cannot read directory: {e}"),
                    ));
                } else if files.len() == before {
                    problems.push(
                        Diagnostic::error(
                            FileRef::new(path).whole(),
                            "no *.yaml or *.yml files in this directory",
                        )
                        .with_hint("point -f at a manifest file or a directory that holds some"),
                    );
                }
            }
            Ok(_) => files.push(path.clone()),
            Err(e) => problems.push(
                Diagnostic::error(FileRef::new(path).whole(), format!("cannot read: {e}"))
                    .with_hint("check the path given to -f"),
            ),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        // Hidden entries are skipped: a ConfigMap volume holds every file three times
        // (`name.yaml` -> `..data/name.yaml` -> `..<timestamp>/name.yaml`).
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a manifest file as UTF-8 text, refusing oversized and non-UTF-8 files.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    let file = FileRef::new(path);
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error(file.whole(), format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            file.whole(),
            format!(
                "file is {} bytes; manifests larger than {} MiB are refused",
                meta.len(),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .with_hint("split the plant into several files"));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(file.whole(), format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Diagnostic::error(
            file.at(line as u64, column as u64),
            "file is not valid UTF-8 text",
        )
        .with_hint("manifests must be UTF-8 encoded YAML")
    })
}
