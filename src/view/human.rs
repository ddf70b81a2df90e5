//! The human view: Terraform-like text. Per PLC a bold header, one line per register
//! that changes (`~`), drifted but will not be written (`!`), rewritten by another
//! writer and no longer written (`⇄`, reconcile and agent only) or could not be read
//! (`✗`), then the count of registers in sync (`-v` lists them with `=`); a summary
//! line closes the plan. Columns are aligned within a PLC block, two spaces apart.
//! Colors (owo-colors) only when asked: with them off the text has no escape codes.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use super::diff::value_pair;
use super::{Shortfall, View, ViewOptions};
use crate::engine::apply::{ApplyReport, ApplySummary, Outcome, RegisterResult};
use crate::engine::plan::{Action, Plan, PlcPlan, RegisterPlan};

/// The symbol of a register left to another writer (reconcile and agent only).
const CONFLICT_SYMBOL: &str = "⇄";

/// Renders for a person at a terminal.
pub struct HumanView<W: Write> {
    out: W,
    options: ViewOptions,
}

impl<W: Write> HumanView<W> {
    /// A view writing to `out`.
    pub fn new(out: W, options: ViewOptions) -> Self {
        HumanView { out, options }
    }

    /// Gives back the writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn plc(&mut self, plc: &PlcPlan) -> io::Result<()> {
        let paint = Paint(self.options.color);
        let header = format!("# {} ({} unit {})", plc.id(), plc.endpoint(), plc.unit_id);
        writeln!(self.out, "{}", paint.style(&header, Style::new().bold()))?;
        if let Some(error) = &plc.error {
            let red = Style::new().red();
            let text = format!("{}: {error}", error.failure());
            writeln!(
                self.out,
                "  {} {}",
                paint.style("✗", red),
                paint.style(&text, red)
            )?;
        }
        let rows: Vec<Row> = plc
            .registers
            .iter()
            .filter_map(|r| Row::new(r, self.options))
            .collect();
        let name_width = rows.iter().map(|r| r.name.chars().count()).max();
        let place_width = rows.iter().map(|r| r.place.chars().count()).max();
        let type_width = rows.iter().map(|r| r.value_type.len()).max();
        for row in &rows {
            writeln!(
                self.out,
                "  {} {:name$}  {:place$}  {:type_$}  {}",
                paint.style(row.symbol, row.symbol_style),
                row.name,
                row.place,
                row.value_type,
                row.detail,
                name = name_width.unwrap_or(0),
                place = place_width.unwrap_or(0),
                type_ = type_width.unwrap_or(0),
            )?;
        }
        let in_sync = plc
            .registers
            .iter()
            .filter(|r| r.action == Action::InSync)
            .count();
        if in_sync > 0 {
            writeln!(self.out, "  {in_sync} in sync")?;
        }
        Ok(())
    }
}

/// One listed register, its columns ready to align.
struct Row<'a> {
    symbol: &'static str,
    symbol_style: Style,
    name: &'a str,
    /// `kind address`.
    place: String,
    value_type: String,
    /// Values or the error, already styled.
    detail: String,
}

impl<'a> Row<'a> {
    /// The row of a register, or `None` for an in-sync register when not verbose.
    fn new(reg: &'a RegisterPlan, options: ViewOptions) -> Option<Row<'a>> {
        let paint = Paint(options.color);
        let pair = || value_pair(reg.live.as_ref(), Some(&reg.desired), options.color);
        let (symbol, symbol_style, detail) = match &reg.action {
            Action::InSync if !options.verbose => return None,
            Action::InSync => {
                let live = reg
                    .live
                    .as_ref()
                    .map_or_else(|| "?".to_owned(), |v| v.to_string());
                ("=", Style::new().dimmed(), live)
            }
            Action::Change => ("~", Style::new().yellow(), pair()),
            Action::Drift { reason } => (
                "!",
                Style::new().magenta(),
                format!("{} ({})", pair(), reason.describe()),
            ),
            Action::Conflict { corrections } => (
                CONFLICT_SYMBOL,
                Style::new().red(),
                format!(
                    "{} ({})",
                    pair(),
                    crate::engine::conflict::describe(*corrections)
                ),
            ),
            Action::Error { error } => (
                "✗",
                Style::new().red(),
                paint.style(&error.to_string(), Style::new().red()),
            ),
        };
        Some(Row {
            symbol,
            symbol_style,
            name: &reg.name,
            place: reg.place(),
            value_type: super::type_label(&reg.codec()),
            detail,
        })
    }
}

/// The plan line of one register outside a plan block, for output that reports
/// registers one at a time (`reconcile --schedule` when a register goes into
/// conflict): the PLC's `namespace/name` comes before the register's name. `None` for
/// an in-sync register when not verbose.
pub fn register_line(plc: &str, reg: &RegisterPlan, options: ViewOptions) -> Option<String> {
    let row = Row::new(reg, options)?;
    let paint = Paint(options.color);
    Some(format!(
        "  {} {plc} {}  {}  {}  {}",
        paint.style(row.symbol, row.symbol_style),
        row.name,
        row.place,
        row.value_type,
        row.detail
    ))
}

/// Applies styles only when colors are on.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn style(self, text: &str, style: Style) -> String {
        if self.0 {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }
}

/// `s` unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl<W: Write> View for HumanView<W> {
    fn plan(&mut self, plan: &Plan) -> io::Result<()> {
        for (i, plc) in plan.plcs.iter().enumerate() {
            if i > 0 {
                writeln!(self.out)?;
            }
            self.plc(plc)?;
        }
        if !plan.plcs.is_empty() {
            writeln!(self.out)?;
        }
        let s = plan.summary();
        if !s.has_diff() && s.errors == 0 {
            writeln!(
                self.out,
                "No changes. Your PLCs match the manifests ({} register{} in sync).",
                s.in_sync,
                plural(s.in_sync)
            )?;
        } else {
            write!(
                self.out,
                "Plan: {} to change, {} drifted, {} in sync",
                s.to_change, s.drifted, s.in_sync
            )?;
            if s.conflicts > 0 {
                write!(self.out, ", {} in conflict", s.conflicts)?;
            }
            let unreadable = s.errors.saturating_sub(s.unreachable);
            if unreadable > 0 {
                write!(self.out, ", {unreadable} unreadable")?;
            }
            writeln!(self.out, "{}.", s.unread_plcs())?;
        }
        self.out.flush()
    }

    /// Prints nothing: the command has just shown the plan, whose `~` lines are
    /// exactly the registers about to be written.
    fn apply_start(&mut self, _plan: &Plan) -> io::Result<()> {
        Ok(())
    }

    fn apply_result(&mut self, r: &RegisterResult) -> io::Result<()> {
        let paint = Paint(self.options.color);
        let outcome = r.outcome.as_str();
        let (outcome_style, error_style) = match r.outcome {
            Outcome::Applied | Outcome::InSync => (Style::new().green(), Style::new()),
            Outcome::Stale | Outcome::Refused => (Style::new().yellow(), Style::new()),
            Outcome::Failed | Outcome::VerifyFailed => {
                (Style::new().red().bold(), Style::new().red())
            }
        };
        write!(
            self.out,
            "{}/{}: {}",
            r.plc,
            r.register,
            paint.style(outcome, outcome_style)
        )?;
        if r.outcome == Outcome::Applied {
            let before = r.before.as_ref().or(r.planned.as_ref());
            let after = r.after.as_ref().unwrap_or(&r.desired);
            write!(
                self.out,
                " ({})",
                value_pair(before, Some(after), self.options.color)
            )?;
            if let Some(note) = r.note {
                write!(
                    self.out,
                    " — {}",
                    paint.style(&note.to_string(), Style::new().yellow())
                )?;
            }
        } else if r.outcome == Outcome::InSync {
            write!(self.out, " (already {}, not written)", r.desired)?;
        } else if let Some(error) = &r.error {
            write!(
                self.out,
                " — {}",
                paint.style(&error.to_string(), error_style)
            )?;
        }
        writeln!(self.out)?;
        self.out.flush()
    }

    fn apply_summary(&mut self, report: &ApplyReport, shortfall: &Shortfall) -> io::Result<()> {
        let paint = Paint(self.options.color);
        let text = closing_line(&report.summary(), shortfall);
        let style = if text.starts_with("Apply complete!") {
            Style::new().green().bold()
        } else {
            Style::new().red().bold()
        };
        writeln!(self.out, "\n{}", paint.style(&text, style))?;
        self.out.flush()
    }
}

/// The last line of an apply. "Apply complete!" only when every write was made and
/// verified and nothing was left out; else "Apply failed!" with every count that made
/// it fail, so the line always agrees with the exit status.
fn closing_line(s: &ApplySummary, shortfall: &Shortfall) -> String {
    // Registers the plan was to change that already held their desired value.
    let in_sync = if s.in_sync > 0 {
        format!(", {} already in sync", s.in_sync)
    } else {
        String::new()
    };
    if s.is_success() && shortfall.is_none() {
        return format!("Apply complete! {} changed, 0 failed{in_sync}.", s.changed);
    }
    let mut text = format!(
        "Apply failed! {} changed, {} failed, {} skipped{in_sync}",
        s.changed, s.failed, s.skipped
    );
    if shortfall.unreachable > 0 {
        let n = shortfall.unreachable;
        text.push_str(&format!(", {n} PLC{} could not be planned", plural(n)));
    }
    if shortfall.unreadable > 0 {
        let n = shortfall.unreadable;
        text.push_str(&format!(", {n} register{} could not be read", plural(n)));
    }
    if shortfall.audit_failed {
        text.push_str(", the audit log could not be written");
    }
    if shortfall.not_reverted > 0 {
        let n = shortfall.not_reverted;
        text.push_str(&format!(
            ", {n} register{} changed since the reverted run {} not put back",
            plural(n),
            if n == 1 { "was" } else { "were" }
        ));
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::TransportError;
    use crate::engine::apply::ApplyError;
    use crate::engine::observe::DeviceError;
    use crate::engine::plan::PlcError;
    use crate::view::fixtures;

    fn render(options: ViewOptions, f: impl FnOnce(&mut HumanView<Vec<u8>>)) -> String {
        let mut view = HumanView::new(Vec::new(), options);
        f(&mut view);
        String::from_utf8(view.into_inner()).unwrap()
    }

    fn in_conflict() -> RegisterPlan {
        use crate::register::{RegisterKind, Value, ValueType};
        fixtures::register(
            "speed",
            RegisterKind::Holding,
            0,
            ValueType::U16,
            Some(Value::Int(7)),
            Value::Int(5),
            Action::Conflict { corrections: 3 },
        )
    }

    #[test]
    fn a_register_in_conflict_has_its_own_symbol_and_says_it_is_not_written() {
        let mut plan = fixtures::in_sync_plan();
        plan.plcs[0].registers[0] = in_conflict();
        let text = render(ViewOptions::default(), |v| v.plan(&plan).unwrap());
        assert!(
            text.contains("  ⇄ speed  holding 0  u16  7 → 5 (conflict: rewritten by another writer after 3 corrections; not written)\n"),
            "{text}"
        );
        assert!(text.contains(", 1 in conflict."), "{text}");
        assert_eq!(
            register_line("line-1/press", &in_conflict(), ViewOptions::default()).unwrap(),
            "  ⇄ line-1/press speed  holding 0  u16  7 → 5 (conflict: rewritten by another writer after 3 corrections; not written)"
        );
    }

    fn plain(verbose: bool) -> ViewOptions {
        ViewOptions {
            color: false,
            verbose,
        }
    }

    #[test]
    fn plan_lists_changes_drift_and_errors_per_plc() {
        let out = render(plain(false), |v| v.plan(&fixtures::plan()).unwrap());
        assert_eq!(
            out,
            "\
# plant-a/press-1 (127.0.0.1:5502 unit 1)
  ~ conveyor_speed   holding 4002  f32  11.8 → 12.5
  ! recipe           holding 130   u16  8 → 7 (observe only)
  ! oil_temperature  input 30001   i16  52.1 → 45 (read-only)
  ✗ batch_size       holding 4010  u32  read refused: IllegalDataAddress (exception 0x02)
  3 in sync

# plant-a/oven-1 (127.0.0.1:5504 unit 1)
  ✗ unreachable: cannot connect to 127.0.0.1:5504: Connection refused (os error 111)

Plan: 1 to change, 2 drifted, 3 in sync, 1 unreadable, 1 unreachable.
"
        );
    }

    #[test]
    fn verbose_plan_lists_in_sync_registers_too() {
        let out = render(plain(true), |v| v.plan(&fixtures::plan()).unwrap());
        assert_eq!(
            out,
            "\
# plant-a/press-1 (127.0.0.1:5502 unit 1)
  ~ conveyor_speed   holding 4002  f32   11.8 → 12.5
  = guard_enabled    coil 10       bool  true
  ! recipe           holding 130   u16   8 → 7 (observe only)
  ! oil_temperature  input 30001   i16   52.1 → 45 (read-only)
  ✗ batch_size       holding 4010  u32   read refused: IllegalDataAddress (exception 0x02)
  = pressure_limit   holding 4020  f64   180.25
  = line_speed       holding 4030  i32   -3
  3 in sync

# plant-a/oven-1 (127.0.0.1:5504 unit 1)
  ✗ unreachable: cannot connect to 127.0.0.1:5504: Connection refused (os error 111)

Plan: 1 to change, 2 drifted, 3 in sync, 1 unreadable, 1 unreachable.
"
        );
    }

    #[test]
    fn plan_in_sync_still_shows_every_plc() {
        let out = render(plain(false), |v| v.plan(&fixtures::in_sync_plan()).unwrap());
        assert_eq!(
            out,
            "\
# plant-a/press-1 (127.0.0.1:5502 unit 1)
  1 in sync

# plant-a/press-2 (127.0.0.1:5503 unit 1)
  1 in sync

No changes. Your PLCs match the manifests (2 registers in sync).
"
        );
    }

    #[test]
    fn summary_names_only_the_errors_there_are() {
        let mut plan = fixtures::plan();
        plan.plcs.truncate(1);
        let out = render(plain(false), |v| v.plan(&plan).unwrap());
        assert!(
            out.ends_with("\nPlan: 1 to change, 2 drifted, 3 in sync, 1 unreadable.\n"),
            "{out}"
        );

        // An unreachable PLC alone is an error, not "No changes".
        let mut plan = fixtures::in_sync_plan();
        plan.plcs[1].registers.clear();
        plan.plcs[1].error = Some(PlcError::Device(DeviceError::Transport(
            TransportError::Timeout {
                timeout: std::time::Duration::from_secs(1),
            },
        )));
        let out = render(plain(false), |v| v.plan(&plan).unwrap());
        assert!(
            out.ends_with(
                "  ✗ unreachable: no answer within 1000 ms\n\n\
                 Plan: 0 to change, 0 drifted, 1 in sync, 1 unreachable.\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn a_device_error_is_shown_by_its_message() {
        let mut plan = fixtures::in_sync_plan();
        plan.plcs.truncate(1);
        plan.plcs[0].registers.clear();
        plan.plcs[0].error = Some(PlcError::Device(DeviceError::Gateway {
            unit: 1,
            exception: crate::device::Exception::GATEWAY_PATH_UNAVAILABLE,
        }));
        let out = render(plain(false), |v| v.plan(&plan).unwrap());
        assert_eq!(
            out,
            "\
# plant-a/press-1 (127.0.0.1:5502 unit 1)
  ✗ unreachable: the gateway has no path to unit 1 (GatewayPathUnavailable, exception 0x0A): it is not set up to route unit 1, or its serial line is busy or misconfigured; check the gateway's routing and serial settings, and spec.unitId

Plan: 0 to change, 0 drifted, 0 in sync, 1 unreachable.
"
        );
    }

    #[test]
    fn apply_reports_each_register_and_the_failures() {
        let report = fixtures::report();
        let out = render(plain(false), |v| {
            v.apply_start(&fixtures::plan()).unwrap();
            for r in &report.results {
                v.apply_result(r).unwrap();
            }
            v.apply_summary(&report, &Shortfall::default()).unwrap();
        });
        assert_eq!(
            out,
            "\
plant-a/press-1/conveyor_speed: applied (11.8 → 12.5)
plant-a/press-1/batch_size: stale — not written: live value changed since the plan (1 → 5)

Apply failed! 1 changed, 0 failed, 1 skipped.
"
        );
    }

    #[test]
    fn apply_complete_when_everything_was_written() {
        let mut report = fixtures::report();
        report.results.truncate(1);
        // No compare-and-set read recorded: fall back to the planned value.
        report.results[0].before = None;
        report.results[0].planned = Some(crate::register::Value::Float(3.0));
        let out = render(plain(false), |v| {
            v.apply_result(&report.results[0]).unwrap();
            v.apply_summary(&report, &Shortfall::default()).unwrap();
        });
        assert_eq!(
            out,
            "\
plant-a/press-1/conveyor_speed: applied (3 → 12.5)

Apply complete! 1 changed, 0 failed.
"
        );
    }

    #[test]
    fn the_closing_line_agrees_with_the_exit_status() {
        let all_written = ApplySummary {
            changed: 9,
            failed: 0,
            skipped: 0,
            in_sync: 0,
        };
        let none = Shortfall::default();
        assert_eq!(
            closing_line(&all_written, &none),
            "Apply complete! 9 changed, 0 failed."
        );
        assert_eq!(
            closing_line(&ApplySummary::default(), &none),
            "Apply complete! 0 changed, 0 failed."
        );
        let unplanned = Shortfall {
            unreachable: 1,
            ..none
        };
        assert_eq!(
            closing_line(&all_written, &unplanned),
            "Apply failed! 9 changed, 0 failed, 0 skipped, 1 PLC could not be planned."
        );
        let unread = Shortfall {
            unreachable: 2,
            unreadable: 3,
            ..none
        };
        assert_eq!(
            closing_line(&ApplySummary::default(), &unread),
            "Apply failed! 0 changed, 0 failed, 0 skipped, 2 PLCs could not be planned, 3 registers could not be read."
        );
        let audit = Shortfall {
            audit_failed: true,
            ..none
        };
        assert_eq!(
            closing_line(&all_written, &audit),
            "Apply failed! 9 changed, 0 failed, 0 skipped, the audit log could not be written."
        );
        let revert = Shortfall {
            not_reverted: 1,
            ..none
        };
        assert_eq!(
            closing_line(&all_written, &revert),
            "Apply failed! 9 changed, 0 failed, 0 skipped, 1 register changed since the reverted run was not put back."
        );
        let stale = ApplySummary {
            changed: 1,
            failed: 0,
            skipped: 1,
            in_sync: 0,
        };
        assert_eq!(
            closing_line(&stale, &none),
            "Apply failed! 1 changed, 0 failed, 1 skipped."
        );
    }

    #[test]
    fn colors_only_when_asked() {
        let plan = fixtures::plan();
        let mut report = fixtures::report();
        let verify = fixtures::result(
            "x",
            Outcome::VerifyFailed,
            Some(ApplyError::Mismatch {
                read_back: Some(crate::register::Value::Int(3)),
                desired: crate::register::Value::Float(12.5),
            }),
        );
        report.results.push(verify);
        let run = |v: &mut HumanView<Vec<u8>>| {
            v.plan(&plan).unwrap();
            for r in &report.results {
                v.apply_result(r).unwrap();
            }
            v.apply_summary(&report, &Shortfall::default()).unwrap();
        };
        for verbose in [false, true] {
            let out = render(plain(verbose), run);
            assert!(!out.contains('\u{1b}'), "{out}");
        }
        let out = render(
            ViewOptions {
                color: true,
                verbose: true,
            },
            run,
        );
        assert!(
            out.contains("\u{1b}[1m# plant-a/press-1"),
            "bold header: {out}"
        );
        assert!(out.contains("\u{1b}[33m~\u{1b}[0m"), "yellow ~: {out}");
        assert!(out.contains("\u{1b}[35m!\u{1b}[0m"), "magenta !: {out}");
        assert!(out.contains("\u{1b}[2m=\u{1b}[0m"), "dimmed =: {out}");
        assert!(
            out.contains("\u{1b}[32mapplied\u{1b}[0m"),
            "green applied: {out}"
        );
        assert!(
            out.contains("\u{1b}[33mstale\u{1b}[0m"),
            "yellow stale: {out}"
        );
        assert!(
            out.contains("\u{1b}[31;1mverify_failed"),
            "red bold failure: {out}"
        );
        assert!(
            out.contains("\u{1b}[31;1mApply failed!"),
            "red bold summary: {out}"
        );
    }
}
