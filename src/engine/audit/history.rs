//! Reading the audit log back: its runs (who, when, from which commit, what came of
//! each write) and each register's changes, for `fabctl history` and
//! `plan --revert`. Lines that are not audit lines (a torn fragment) are counted and
//! skipped, never guessed at.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value as Json;

/// The run id given to lines written before runs had ids.
pub const NO_RUN_ID: &str = "-";

/// One register of one run: its intent and, when the run got that far, its outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub run_id: String,
    pub time: String,
    pub user: String,
    pub plc: String,
    pub register: String,
    pub kind: Json,
    pub address: Json,
    /// Live just before writing.
    pub before: Json,
    pub desired: Json,
    /// Read back after writing (absent when the run stopped before the read-back).
    pub after: Json,
    /// `applied`, `stale`, … ; `unfinished` when there is an intent and no outcome.
    pub outcome: String,
    pub written: Option<bool>,
    #[serde(skip_serializing_if = "Json::is_null")]
    pub error: Json,
}

/// One run of apply, reconcile or the agent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Run {
    pub run_id: String,
    /// Time of its first line.
    pub time: String,
    pub user: String,
    pub host: String,
    pub git_commit: Json,
    pub plan_digest: Json,
    /// The run this one put back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverts: Option<String>,
    pub changed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Intents without an outcome: the run was stopped; these may have been written.
    pub unfinished: usize,
}

/// An audit log, read.
#[derive(Debug, Default)]
pub struct History {
    pub runs: Vec<Run>,
    /// Every register change, in log order.
    pub changes: Vec<Change>,
    /// Line numbers (1-based) of lines that are not audit lines.
    pub unreadable: Vec<usize>,
}

/// Why the log cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot read the audit log {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the audit log goes to standard error (--audit-log -); pass the file it was saved to")]
    Stderr,
    #[error("no run {run} in the audit log {}{}", path.display(),
        if known.is_empty() { String::new() } else { format!("; its latest runs: {}", known.join(", ")) })]
    UnknownRun {
        run: String,
        path: PathBuf,
        known: Vec<String>,
    },
}

/// Reads the audit log at `path`.
pub fn read(path: &Path) -> Result<History, HistoryError> {
    let failed = |source| HistoryError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(file).split(b'\n') {
        lines.push(String::from_utf8_lossy(&line.map_err(failed)?).into_owned());
    }
    Ok(parse(&lines))
}

/// The history of the lines of an audit log.
pub fn parse(lines: &[String]) -> History {
    let mut history = History::default();
    // Per run: its summary and, per register, the index of its change.
    let mut runs: BTreeMap<String, usize> = BTreeMap::new();
    let mut open: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (n, text) in lines.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        let line = match serde_json::from_str::<Json>(text) {
            Ok(line @ Json::Object(_)) if line.get("plc").is_some() => line,
            _ => {
                history.unreadable.push(n + 1);
                continue;
            }
        };
        let s = |key: &str| {
            line.get(key)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let run_id = line
            .get("run_id")
            .and_then(Json::as_str)
            .unwrap_or(NO_RUN_ID)
            .to_owned();
        let user = match line.get("service_account").and_then(Json::as_str) {
            Some(sa) => format!("serviceaccount {sa}"),
            None => s("user"),
        };
        let run = *runs.entry(run_id.clone()).or_insert_with(|| {
            history.runs.push(Run {
                run_id: run_id.clone(),
                time: s("time"),
                user: user.clone(),
                host: s("host"),
                git_commit: line.get("git_commit").cloned().unwrap_or(Json::Null),
                plan_digest: line.get("plan_digest").cloned().unwrap_or(Json::Null),
                reverts: line
                    .get("reverts")
                    .and_then(Json::as_str)
                    .map(str::to_owned),
                changed: 0,
                failed: 0,
                skipped: 0,
                unfinished: 0,
            });
            history.runs.len() - 1
        });
        let key = (run_id.clone(), s("plc"), s("register"));
        let field = |k: &str| line.get(k).cloned().unwrap_or(Json::Null);
        let intent = line.get("event").and_then(Json::as_str) == Some("intent");
        if intent {
            open.insert(key, history.changes.len());
            history.runs[run].unfinished += 1;
            history.changes.push(Change {
                run_id,
                time: s("time"),
                user,
                plc: s("plc"),
                register: s("register"),
                kind: field("kind"),
                address: field("address"),
                before: field("before"),
                desired: field("desired"),
                after: Json::Null,
                outcome: "unfinished".into(),
                written: None,
                error: Json::Null,
            });
            continue;
        }
        let outcome = s("outcome");
        let summary = &mut history.runs[run];
        match outcome.as_str() {
            "applied" => summary.changed += 1,
            "stale" | "refused" => summary.skipped += 1,
            _ => summary.failed += 1,
        }
        let change = match open.remove(&key) {
            Some(i) => {
                summary.unfinished -= 1;
                &mut history.changes[i]
            }
            None => {
                history.changes.push(Change {
                    run_id,
                    time: s("time"),
                    user,
                    plc: s("plc"),
                    register: s("register"),
                    kind: field("kind"),
                    address: field("address"),
                    before: field("before"),
                    desired: field("desired"),
                    after: Json::Null,
                    outcome: String::new(),
                    written: None,
                    error: Json::Null,
                });
                let last = history.changes.len() - 1;
                &mut history.changes[last]
            }
        };
        change.before = field("before");
        change.after = field("after");
        change.outcome = outcome;
        change.written = line.get("written").and_then(Json::as_bool);
        change.error = field("error");
    }
    history
}

impl History {
    /// The changes of one run.
    pub fn run_changes<'a>(&'a self, run: &'a str) -> impl Iterator<Item = &'a Change> + 'a {
        self.changes.iter().filter(move |c| c.run_id == run)
    }

    /// `run` if the log has it, else an error naming the latest runs.
    pub fn find_run(&self, run: &str, path: &Path) -> Result<&Run, HistoryError> {
        self.runs
            .iter()
            .find(|r| r.run_id == run)
            .ok_or_else(|| HistoryError::UnknownRun {
                run: run.to_owned(),
                path: path.to_path_buf(),
                known: self
                    .runs
                    .iter()
                    .rev()
                    .take(3)
                    .map(|r| r.run_id.clone())
                    .collect(),
            })
    }

    /// Keeps the changes of a PLC (`name` or `namespace/name`) or one of its
    /// registers (`PLC/REGISTER`); `a/b` is a PLC `a/b` when the log has one, else
    /// register `b` of PLC `a`. Runs keep only those that touched them.
    pub fn select(&mut self, target: &str) {
        let parts: Vec<&str> = target.split('/').collect();
        let is_plc = |id: &str, want: &str| id == want || id.rsplit('/').next() == Some(want);
        let has_plc = |want: &str| self.changes.iter().any(|c| c.plc == want);
        let (plc, register): (String, Option<String>) = match parts.as_slice() {
            [plc] => ((*plc).to_owned(), None),
            [a, b] if has_plc(target) => (format!("{a}/{b}"), None),
            [plc, reg] => ((*plc).to_owned(), Some((*reg).to_owned())),
            [ns, plc, reg] => (format!("{ns}/{plc}"), Some((*reg).to_owned())),
            _ => (target.to_owned(), None),
        };
        self.changes.retain(|c| {
            is_plc(&c.plc, &plc) && register.as_deref().is_none_or(|r| c.register == r)
        });
        let touched: Vec<&str> = self.changes.iter().map(|c| c.run_id.as_str()).collect();
        let touched: std::collections::BTreeSet<String> =
            touched.into_iter().map(str::to_owned).collect();
        self.runs.retain(|r| touched.contains(&r.run_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines() -> Vec<String> {
        [
            r#"{"event":"intent","run_id":"r1","time":"t1","user":"alice","plc":"a/p","register":"x","before":1,"desired":5}"#,
            r#"{"event":"intent","run_id":"r1","time":"t1","user":"alice","plc":"a/p","register":"y","before":2,"desired":6}"#,
            r#"{"event":"outcome","run_id":"r1","time":"t2","user":"alice","plc":"a/p","register":"x","before":1,"desired":5,"after":5,"outcome":"applied","written":true}"#,
            r#"{"event":"outcome","run_id":"r1","time":"t2","user":"alice","plc":"a/p","register":"y","before":2,"desired":6,"after":2,"outcome":"failed","written":true,"error":"write refused"}"#,
            r#"{"event":"intent","run_id":"r2","time":"t3","user":"bob","service_account":"plant/fabctl","plc":"a/q","register":"x","before":0,"desired":1}"#,
            r#"{"event":"inte"#,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[test]
    fn runs_are_counted_and_an_interrupted_run_shows_its_unfinished_writes() {
        let h = parse(&lines());
        assert_eq!(h.unreadable, [6]);
        let counts: Vec<_> = h
            .runs
            .iter()
            .map(|r| {
                (
                    r.run_id.as_str(),
                    r.user.as_str(),
                    r.changed,
                    r.failed,
                    r.unfinished,
                )
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("r1", "alice", 1, 1, 0),
                ("r2", "serviceaccount plant/fabctl", 0, 0, 1)
            ]
        );
        let outcomes: Vec<_> = h
            .changes
            .iter()
            .map(|c| (c.register.as_str(), c.outcome.as_str(), c.after.clone()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("x", "applied", Json::from(5)),
                ("y", "failed", Json::from(2)),
                ("x", "unfinished", Json::Null)
            ]
        );
    }

    #[test]
    fn a_plc_or_a_register_is_selected() {
        let mut h = parse(&lines());
        h.select("p/y");
        assert_eq!(h.changes.len(), 1);
        assert_eq!(h.changes[0].register, "y");
        let mut h = parse(&lines());
        h.select("a/q");
        assert_eq!(h.runs.len(), 1);
        assert_eq!(h.runs[0].run_id, "r2");
    }
}
