//! Views: how a finished [`Plan`] or [`ApplyReport`] is shown on stdout.
//!
//! Following Terraform's `internal/command/views`, a view only reads values the engine
//! has already computed (actions, counts, outcomes) and writes them to an
//! [`std::io::Write`]; it never decides anything. Two views implement [`View`]:
//! [`HumanView`] (Terraform-like text, optionally colored) and [`JsonView`] (one JSON
//! object per line, for machines). The command code picks one and calls it.

use std::ffi::OsStr;
use std::io::Write;

use crate::cli::{ColorChoice, OutputFormat};
use crate::engine::apply::{ApplyReport, RegisterResult};
use crate::engine::plan::Plan;
use crate::register::{Codec, ValueType};

mod diff;
pub mod hints;
pub mod history;
mod human;
mod json;

#[cfg(test)]
pub(crate) mod fixtures;

pub use human::{HumanView, register_line};
pub use json::{JsonView, register_event_value};

/// A register's type as output names it: `f32`, or `string(8)` with its length in
/// registers.
pub fn type_name(codec: &Codec) -> String {
    match codec.value_type {
        ValueType::String => format!("string({})", codec.length),
        other => other.as_str().to_owned(),
    }
}

/// A register's type with its order when its bytes are swapped (`byteOrder:
/// little`): `f32`, `f32 (DCBA)`, `f32 (BADC)`, `string(8) (BA)`. Words swapped alone
/// (CDAB) show as the type, as they always have.
pub fn type_label(codec: &Codec) -> String {
    let name = type_name(codec);
    match swapped_order(codec) {
        Some(order) => format!("{name} ({order})"),
        None => name,
    }
}

/// The order of a register whose bytes are swapped (BADC, DCBA, BA), for output.
pub fn swapped_order(codec: &Codec) -> Option<&'static str> {
    codec
        .order_label()
        .filter(|_| codec.byte_order == crate::register::ByteOrder::Little)
}

/// How a human view renders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViewOptions {
    /// Emit ANSI colors (see [`color_enabled`]).
    pub color: bool,
    /// List in-sync registers too (`-v`).
    pub verbose: bool,
}

/// Renders the results of `plan` and `apply`. Every method writes whole lines and
/// flushes before returning, so output appears as it happens.
pub trait View {
    /// The plan: per-PLC blocks and the summary line.
    fn plan(&mut self, plan: &Plan) -> std::io::Result<()>;
    /// Before writing: which registers are about to be written.
    fn apply_start(&mut self, plan: &Plan) -> std::io::Result<()>;
    /// One register's outcome.
    fn apply_result(&mut self, result: &RegisterResult) -> std::io::Result<()>;
    /// The closing summary of an apply: its counts and what it could not cover, so
    /// the line agrees with the exit status.
    fn apply_summary(&mut self, report: &ApplyReport, shortfall: &Shortfall)
    -> std::io::Result<()>;
}

/// What made an apply fall short besides its own writes: PLCs and registers the plan
/// could not read (so nothing was written to them), and an audit log that could not
/// be written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shortfall {
    /// PLCs that could not be read at all.
    pub unreachable: usize,
    /// Registers that could not be read.
    pub unreadable: usize,
    /// The audit log failed to record a write.
    pub audit_failed: bool,
    /// Registers of a `plan --revert` plan that changed since the reverted run, so
    /// they were not put back.
    pub not_reverted: usize,
}

impl Shortfall {
    /// What the plan could not read, and what of a revert it will not put back.
    pub fn of_plan(plan: &Plan) -> Shortfall {
        let summary = plan.summary();
        let not_reverted = plan
            .plcs
            .iter()
            .flat_map(|p| &p.registers)
            .filter(|r| {
                r.action
                    == crate::engine::plan::Action::Drift {
                        reason: crate::engine::plan::DriftReason::ChangedSinceRun,
                    }
            })
            .count();
        Shortfall {
            unreachable: summary.unreachable,
            unreadable: summary.errors.saturating_sub(summary.unreachable),
            audit_failed: false,
            not_reverted,
        }
    }

    /// Nothing fell short.
    pub fn is_none(&self) -> bool {
        *self == Shortfall::default()
    }
}

/// The view for `-o/--output`: [`HumanView`] or [`JsonView`] (which ignores `options`).
pub fn for_format<'a, W: Write + 'a>(
    format: OutputFormat,
    out: W,
    options: ViewOptions,
) -> Box<dyn View + 'a> {
    match format {
        OutputFormat::Human => Box::new(HumanView::new(out, options)),
        OutputFormat::Json | OutputFormat::Yaml => Box::new(JsonView::new(out)),
    }
}

/// Whether to color output (results on stdout, log lines on stderr): `always` and
/// `never` say so; `auto` colors only a terminal (`is_tty`), only while the `NO_COLOR`
/// environment variable is unset or empty (<https://no-color.org>), and never when
/// `TERM` is `dumb`.
pub fn color_enabled(choice: ColorChoice, is_tty: bool) -> bool {
    resolve_color(
        choice,
        is_tty,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

/// [`color_enabled`] with the values of `NO_COLOR` and `TERM` given.
fn resolve_color(
    choice: ColorChoice,
    is_tty: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_tty && no_color.is_none_or(OsStr::is_empty) && term != Some(OsStr::new("dumb"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_and_never_ignore_the_terminal_and_no_color() {
        for tty in [false, true] {
            for no_color in [None, Some(OsStr::new("1"))] {
                assert!(resolve_color(ColorChoice::Always, tty, no_color, None));
                assert!(!resolve_color(ColorChoice::Never, tty, no_color, None));
            }
        }
    }

    #[test]
    fn auto_colors_a_terminal_unless_no_color_is_set() {
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(resolve_color(ColorChoice::Auto, true, None, xterm));
        assert!(resolve_color(ColorChoice::Auto, true, None, None));
        assert!(resolve_color(
            ColorChoice::Auto,
            true,
            Some(OsStr::new("")),
            xterm
        ));
        assert!(!resolve_color(
            ColorChoice::Auto,
            true,
            Some(OsStr::new("1")),
            xterm
        ));
        assert!(!resolve_color(ColorChoice::Auto, false, None, xterm));
    }

    #[test]
    fn auto_never_colors_a_dumb_terminal() {
        let dumb = Some(OsStr::new("dumb"));
        assert!(!resolve_color(ColorChoice::Auto, true, None, dumb));
        assert!(resolve_color(ColorChoice::Always, true, None, dumb));
    }

    #[test]
    fn for_format_picks_the_view() {
        let plan = fixtures::plan();
        let mut out = Vec::new();
        for_format(OutputFormat::Json, &mut out, ViewOptions::default())
            .plan(&plan)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.starts_with("{\"type\":")), "{text}");

        let mut out = Vec::new();
        for_format(OutputFormat::Human, &mut out, ViewOptions::default())
            .plan(&plan)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("# plant-a/press-1 "), "{text}");
    }
}
