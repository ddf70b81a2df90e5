//! Validation problems: what is wrong, where (file:line:column) and how to fix it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::SourceLoc;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The manifests cannot be used.
    Error,
    /// Probably a mistake, though it may be meant (e.g. an address in Modicon
    /// notation); shown at validate and plan, never changes an exit code.
    Warning,
    /// Worth knowing; does not stop anything (e.g. a skipped document of another kind).
    Note,
}

/// One problem (or note) found while loading manifests.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub loc: SourceLoc,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at a location.
    pub fn error(loc: SourceLoc, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            loc,
            message: message.into(),
            hint: None,
        }
    }

    /// A warning at a location.
    pub fn warning(loc: SourceLoc, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            loc,
            message: message.into(),
            hint: None,
        }
    }

    /// A note at a location.
    pub fn note(loc: SourceLoc, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            loc,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(f, "{}: {label}: {}", self.loc, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

/// Everything found while loading a set of manifests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Orders by file, line and column, errors and notes interleaved.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| a.loc.cmp(&b.loc));
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A location helper bound to one file.
#[derive(Clone, Debug)]
pub struct FileRef(pub Arc<std::path::PathBuf>);

impl FileRef {
    pub fn new(path: &Path) -> Self {
        FileRef(Arc::new(path.to_path_buf()))
    }

    /// A location in this file.
    pub fn at(&self, line: u64, column: u64) -> SourceLoc {
        SourceLoc {
            file: Arc::clone(&self.0),
            line: usize::try_from(line).unwrap_or(usize::MAX).max(1),
            column: usize::try_from(column).unwrap_or(usize::MAX).max(1),
        }
    }

    /// The file as a whole (no line), for problems such as an unreadable file.
    pub fn whole(&self) -> SourceLoc {
        SourceLoc {
            file: Arc::clone(&self.0),
            line: 0,
            column: 0,
        }
    }

    /// The location of a YAML node.
    pub fn loc(&self, mark: &super::node::Mark) -> SourceLoc {
        self.at(mark.line, mark.column)
    }
}

/// The closest candidate to a misspelled word, if any is close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word_lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| {
            *d <= if c.len() >= 3 {
                (c.len() / 3).max(2)
            } else {
                1
            }
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["address", "name", "kind", "wordOrder"];
        assert_eq!(did_you_mean("adress", fields), Some("address"));
        assert_eq!(did_you_mean("wordorder", fields), Some("wordOrder"));
        assert_eq!(did_you_mean("colour", fields), None);
    }

    #[test]
    fn renders_location_message_and_hint() {
        let file = FileRef::new(Path::new("m/a.yaml"));
        let d = Diagnostic::error(file.at(3, 7), "unknown field `adress`")
            .with_hint("did you mean `address`?");
        assert_eq!(
            d.to_string(),
            "m/a.yaml:3:7: error: unknown field `adress`\n  help: did you mean `address`?"
        );
    }
}
