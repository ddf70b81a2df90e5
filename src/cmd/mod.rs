//! One module per command: each turns parsed arguments into work and output.

pub mod agent;
pub mod apply;
pub mod cluster;
pub mod demo;
pub mod generate;
pub mod import;
pub mod plan;
pub mod reconcile;
pub mod show;
pub mod validate;

use std::io::{IsTerminal, Write};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::manifest::{self, Plc};
use crate::view::{self, View, ViewOptions};

/// A multi-threaded tokio runtime for commands that talk to devices.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })
}

/// Hands a command's large data to the operating system, which reclaims it at exit
/// all at once, instead of freeing it allocation by allocation: the manifests and plan
/// of a fleet are hundreds of thousands of allocations (about 15 ms to free for
/// 100,000 registers) and the process ends right after the command. Only for data a
/// command is done with just before it returns to `main`.
pub fn release_at_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Loads and validates the manifests named by `-f`. On any problem every diagnostic
/// is printed (human: stderr; JSON: stdout) and nothing else happens: no device is
/// contacted.
pub fn load_plcs(global: &GlobalArgs, out: &mut dyn Write) -> Result<Vec<Plc>, Error> {
    let report = manifest::load_report(&global.manifest_paths());
    let errors = report.diagnostics.error_count();
    match global.output {
        OutputFormat::Human => {
            let mut err = std::io::stderr().lock();
            for d in report.diagnostics.iter() {
                if d.is_error() || global.verbose > 0 {
                    writeln!(err, "{d}")?;
                }
            }
        }
        OutputFormat::Json | OutputFormat::Yaml => {
            for d in report.diagnostics.iter().filter(|d| d.is_error()) {
                writeln!(out, "{}", validate::diagnostic_json(d))?;
            }
        }
    }
    if errors > 0 {
        return Err(Error::InvalidManifests { count: errors });
    }
    Ok(report.plcs)
}

/// The view `-o` asks for, writing to stdout.
pub fn stdout_view<'a>(global: &GlobalArgs) -> Box<dyn View + 'a> {
    let options = ViewOptions {
        color: view::color_enabled(global.color, std::io::stdout().is_terminal()),
        verbose: global.verbose > 0,
    };
    // Buffered: a plan of 100,000 registers is one write, not a syscall per line. Every
    // view method flushes before returning, so output still appears as it happens.
    let out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
    view::for_format(global.output, out, options)
}
