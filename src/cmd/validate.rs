//! `fabctl validate`: load and check manifests offline, print every problem.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use super::setup::diagnostic_json;
use crate::cli::OutputFormat;
use crate::error::Error;
use crate::manifest::{self, Report};
use crate::outcome::Outcome;

/// Runs `validate`: a success when valid, a failure when any error was found.
pub fn run(
    paths: &[PathBuf],
    format: OutputFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome, Error> {
    let report = manifest::load_report(paths);
    match format {
        OutputFormat::Human => render_human(&report, out, err)?,
        OutputFormat::Json | OutputFormat::Yaml => render_json(&report, out)?,
    }
    let outcome = Outcome::success_if(!report.diagnostics.has_errors());
    super::release_at_exit(report);
    Ok(outcome)
}

/// Diagnostics to stderr, the verdict to stdout.
fn render_human(report: &Report, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    for d in report.diagnostics.iter() {
        writeln!(err, "{d}")?;
    }
    let errors = report.diagnostics.error_count();
    if errors > 0 {
        writeln!(err, "{}", invalid_summary(errors))?;
    } else {
        let models = match report.models {
            0 => String::new(),
            n => format!(", {n} {}", plural(n, "PLCModel", "PLCModels")),
        };
        writeln!(
            out,
            "{} valid: {} {}, {} {}{models} in {} {}.",
            if report.files == 1 {
                "Manifest"
            } else {
                "Manifests"
            },
            report.plcs.len(),
            plural(report.plcs.len(), "PLC", "PLCs"),
            report.register_count(),
            plural(report.register_count(), "register", "registers"),
            report.files,
            plural(report.files, "file", "files"),
        )?;
    }
    Ok(())
}

/// The closing line when manifests are invalid.
pub fn invalid_summary(errors: usize) -> String {
    format!(
        "Invalid: {errors} {} found; nothing was sent to any device.",
        plural(errors, "problem", "problems")
    )
}

fn render_json(report: &Report, out: &mut dyn Write) -> Result<(), Error> {
    for d in report.diagnostics.iter() {
        writeln!(out, "{}", diagnostic_json(d))?;
    }
    let summary = json!({
        "type": "validate_summary",
        "valid": !report.diagnostics.has_errors(),
        "files": report.files,
        "plcs": report.plcs.len(),
        "registers": report.register_count(),
        "errors": report.diagnostics.error_count(),
    });
    writeln!(out, "{summary}")?;
    Ok(())
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
