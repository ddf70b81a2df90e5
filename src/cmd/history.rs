//! `fabctl history [PLC[/REGISTER]]`: the audit log read back.

use std::io::Write;

use crate::cli::{GlobalArgs, HistoryArgs, OutputFormat};
use crate::engine::audit::history;
use crate::error::Error;
use crate::outcome::Outcome;
use crate::view::history as view;

/// Runs `history`.
pub fn run(global: &GlobalArgs, args: &HistoryArgs) -> Result<Outcome, Error> {
    let path = super::setup::audit_log_file(args.audit_log.as_deref())?;
    let mut history = history::read(&path)?;
    for line in &history.unreadable {
        eprintln!(
            "warning: {} line {line} is not an audit line (a torn write?); skipped",
            path.display()
        );
    }
    if let Some(target) = &args.target {
        history.select(target);
    }
    let mut out = std::io::stdout().lock();
    match (global.output, &args.target) {
        (OutputFormat::Json | OutputFormat::Yaml, _) => view::json(&mut out, &history)?,
        (OutputFormat::Human, None) => view::runs(&mut out, &history)?,
        (OutputFormat::Human, Some(_)) => view::changes(&mut out, &history)?,
    }
    out.flush()?;
    Ok(Outcome::Success)
}
