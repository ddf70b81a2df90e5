//! `fabctl history`: the runs of the audit log as a table, or one PLC's or register's
//! changes; with `-o json` one `run` or `register_change` object per line.

use std::io::Write;

use serde_json::{Value as Json, json};

use crate::engine::audit::history::History;

/// Runs, one per line, oldest first.
pub fn runs(out: &mut dyn Write, history: &History) -> std::io::Result<()> {
    if history.runs.is_empty() {
        return writeln!(out, "No runs in the audit log.");
    }
    let rows: Vec<[String; 8]> = history
        .runs
        .iter()
        .map(|r| {
            [
                r.run_id.clone(),
                seconds(&r.time),
                r.user.clone(),
                commit(&r.git_commit),
                r.changed.to_string(),
                r.failed.to_string(),
                r.skipped.to_string(),
                match (&r.reverts, r.unfinished) {
                    (_, n) if n > 0 => format!("interrupted: {n} without outcome"),
                    (Some(run), _) => format!("reverts {run}"),
                    (None, _) => String::new(),
                },
            ]
        })
        .collect();
    table(
        out,
        &[
            "RUN", "TIME", "USER", "COMMIT", "CHANGED", "FAILED", "SKIPPED", "NOTE",
        ],
        &rows,
    )
}

/// Register changes, one per line, oldest first.
pub fn changes(out: &mut dyn Write, history: &History) -> std::io::Result<()> {
    if history.changes.is_empty() {
        return writeln!(out, "No changes of it in the audit log.");
    }
    let rows: Vec<[String; 6]> = history
        .changes
        .iter()
        .map(|c| {
            let outcome = match c.error.as_str() {
                Some(e) => format!("{} — {e}", c.outcome),
                None => c.outcome.clone(),
            };
            [
                seconds(&c.time),
                c.run_id.clone(),
                c.user.clone(),
                format!("{}/{}", c.plc, c.register),
                format!("{} → {}", value(&c.before), value(&c.desired)),
                outcome,
            ]
        })
        .collect();
    table(
        out,
        &[
            "TIME",
            "RUN",
            "USER",
            "REGISTER",
            "BEFORE → DESIRED",
            "OUTCOME",
        ],
        &rows,
    )
}

/// Every run, then every change, as JSON lines.
pub fn json(out: &mut dyn Write, history: &History) -> std::io::Result<()> {
    for run in &history.runs {
        let mut line = json!({"type": "run"});
        merge(&mut line, serde_json::to_value(run).unwrap_or_default());
        writeln!(out, "{line}")?;
    }
    for change in &history.changes {
        let mut line = json!({"type": "register_change"});
        merge(&mut line, serde_json::to_value(change).unwrap_or_default());
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn merge(into: &mut Json, from: Json) {
    if let (Some(into), Json::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

/// An RFC 3339 time to the second, as tables show it.
fn seconds(time: &str) -> String {
    time.parse::<jiff::Timestamp>().map_or_else(
        |_| time.to_owned(),
        |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

fn commit(commit: &Json) -> String {
    match commit.as_str() {
        Some(c) => {
            let (sha, dirty) = c.strip_suffix("-dirty").map_or((c, ""), |s| (s, "-dirty"));
            format!("{}{dirty}", &sha[..sha.len().min(7)])
        }
        None => "-".into(),
    }
}

fn value(v: &Json) -> String {
    match v {
        Json::Null => "?".into(),
        Json::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Columns padded to their widest cell, two spaces apart, no trailing spaces.
fn table<const N: usize>(
    out: &mut dyn Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header[..]).chain(rows.iter().map(|r| &r[..])) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
