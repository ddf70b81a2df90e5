//! Finding and reading manifest files: files and directories (recursive,
//! `*.yaml`/`*.yml`, hidden entries skipped, in a stable order), with limits on what
//! is read, so loading always ends: only regular files are opened (a FIFO would block,
//! a device such as `/dev/zero` never ends), at most [`MAX_FILE_BYTES`] are read of
//! any file, and a directory reached twice through symbolic links (a link to `.`) is
//! walked once.

use std::collections::HashSet;
use std::io::Read;
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
                if let Err(e) = walk(path, &mut files, &mut HashSet::new()) {
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

/// Appends the manifest files below `dir`. `seen` holds the real (canonical) path of
/// every directory walked: one reached again through a symbolic link is skipped, so a
/// link loop ends and no file is found twice that way.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>) -> std::io::Result<()> {
    if !seen.insert(std::fs::canonicalize(dir)?) {
        return Ok(());
    }
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
            walk(&path, out, seen)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a manifest file as UTF-8 text, refusing what is not a regular file (before
/// opening it: opening a FIFO blocks until someone writes to it), oversized files and
/// non-UTF-8 text. At most [`MAX_FILE_BYTES`] are read, whatever size the file claims.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    let file = FileRef::new(path);
    let cannot_read =
        |e: std::io::Error| Diagnostic::error(file.whole(), format!("cannot read: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    not_regular(&meta, &file)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(&file, &format!("file is {} bytes; ", meta.len())));
    }
    let opened = std::fs::File::open(path).map_err(cannot_read)?;
    // The path may have been replaced between the check and the open.
    not_regular(&opened.metadata().map_err(cannot_read)?, &file)?;
    let mut bytes = Vec::new();
    opened
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(
            &file,
            &format!("file holds more than {MAX_FILE_BYTES} bytes; "),
        ));
    }
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

/// The problem of a file past [`MAX_FILE_BYTES`]; `why` starts the message.
fn too_large(file: &FileRef, why: &str) -> Diagnostic {
    Diagnostic::error(
        file.whole(),
        format!(
            "{why}manifests larger than {} MiB are refused",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
    .with_hint("split the plant into several files")
}

/// Refuses anything but a regular file (after symbolic links): a FIFO, a device, a
/// socket.
fn not_regular(meta: &std::fs::Metadata, file: &FileRef) -> Result<(), Diagnostic> {
    if meta.is_file() {
        return Ok(());
    }
    let what = special_kind(&meta.file_type());
    Err(
        Diagnostic::error(file.whole(), format!("is {what}, not a regular file"))
            .with_hint("fabctl reads manifests from regular files only (a pipe or a device might never end); write the manifest to a file"),
    )
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}
