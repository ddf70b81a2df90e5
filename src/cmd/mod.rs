//! One module per command: each turns parsed arguments into work and output, and
//! says how it ended ([`crate::outcome::Outcome`]). What several commands share is in
//! [`setup`] (a run's manifests, targets, limits, reads and audit log) and here (the
//! runtime, the output view); no command module uses another.

pub mod agent;
pub mod apply;
pub mod approve;
pub mod cluster;
pub mod demo;
pub mod generate;
pub mod history;
pub mod import;
mod import_model;
pub mod keygen;
pub mod plan;
pub mod reconcile;
pub mod setup;
pub mod show;
pub mod validate;

use std::io::IsTerminal;

use crate::cli::GlobalArgs;
use crate::error::Error;
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

/// Prints hints (see [`view::hints`]) on stderr, unless `-q`.
pub fn print_hints(global: &GlobalArgs, hints: &[String]) {
    if !global.quiet {
        for hint in hints {
            eprintln!("{hint}");
        }
    }
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
