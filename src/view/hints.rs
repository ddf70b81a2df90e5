//! Hints after a plan or an apply, for people: what to do about registers held back
//! by write windows, devices that did not answer in time, and registers that changed
//! since the plan. Each hint is one line, starting `hint: `, printed on stderr; hints
//! never change a count or the exit status.

use std::collections::BTreeSet;

use crate::device::TransportError;
use crate::engine::apply::{ApplyError, ApplyReport, Outcome};
use crate::engine::observe::DeviceError;
use crate::engine::plan::{Action, DriftReason, Plan, PlcError};

/// At most this many PLCs are named in one hint.
const NAMED: usize = 3;

/// After a plan: registers outside their write windows, PLCs that timed out.
pub fn after_plan(plan: &Plan) -> Vec<String> {
    let mut hints = Vec::new();
    let held = outside_window(plan);
    if held > 0 {
        hints.push(format!(
            "hint: {held} register{} differ{} but {} outside {} PLC's write windows, so apply will not write {} now; `fabctl apply --ignore-windows` writes {} anyway.",
            plural(held),
            if held == 1 { "s" } else { "" },
            if held == 1 { "is" } else { "are" },
            if held == 1 { "its" } else { "their" },
            if held == 1 { "it" } else { "them" },
            if held == 1 { "it" } else { "them" },
        ));
    }
    hints.extend(timeouts(plan, None));
    hints
}

/// After an apply: registers held back by write windows, PLCs that timed out (while
/// planning or writing), registers not written because they changed since the plan.
pub fn after_apply(plan: &Plan, report: &ApplyReport) -> Vec<String> {
    let mut hints = Vec::new();
    let held = outside_window(plan);
    if held > 0 {
        hints.push(format!(
            "hint: {held} register{} {} not written because {} PLC is outside its write windows; apply inside a window, or with --ignore-windows to write now.",
            plural(held),
            if held == 1 { "was" } else { "were" },
            if held == 1 { "its" } else { "their" },
        ));
    }
    hints.extend(timeouts(plan, Some(report)));
    let stale = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Stale)
        .count();
    if stale > 0 {
        hints.push(format!(
            "hint: {stale} register{} changed on the device since the plan and {} not written; run `fabctl plan` to see {} live value{}, then apply again.",
            plural(stale),
            if stale == 1 { "was" } else { "were" },
            if stale == 1 { "its" } else { "their" },
            plural(stale),
        ));
    }
    hints
}

/// Registers that differ but are outside their PLC's write windows.
fn outside_window(plan: &Plan) -> usize {
    plan.plcs
        .iter()
        .flat_map(|p| &p.registers)
        .filter(|r| {
            r.action
                == Action::Drift {
                    reason: DriftReason::OutsideWriteWindow,
                }
        })
        .count()
}

/// One hint naming the PLCs that did not answer within `spec.timeoutMs`, with their
/// timeouts.
fn timeouts(plan: &Plan, report: Option<&ApplyReport>) -> Option<String> {
    let mut slow: BTreeSet<String> = plan
        .plcs
        .iter()
        .filter(|p| matches!(&p.error, Some(PlcError::Device(e)) if device_timed_out(e)))
        .map(|p| p.id())
        .collect();
    if let Some(report) = report {
        slow.extend(
            report
                .results
                .iter()
                .filter(|r| r.error.as_deref().is_some_and(write_timed_out))
                .map(|r| r.plc.clone()),
        );
    }
    if slow.is_empty() {
        return None;
    }
    let named: Vec<String> = slow
        .iter()
        .take(NAMED)
        .map(|id| {
            let ms = plan
                .plcs
                .iter()
                .find(|p| p.id() == *id)
                .map(|p| p.timeout_ms);
            ms.map_or_else(|| id.clone(), |ms| format!("{id} ({ms} ms)"))
        })
        .collect();
    let more = slow.len().saturating_sub(NAMED);
    Some(format!(
        "hint: {}{} did not answer within spec.timeoutMs; if {} slow rather than down, raise spec.timeoutMs in {} manifest.",
        named.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
        if slow.len() == 1 { "it is" } else { "they are" },
        if slow.len() == 1 { "its" } else { "their" },
    ))
}

fn device_timed_out(error: &DeviceError) -> bool {
    matches!(
        error,
        DeviceError::Transport(TransportError::Timeout { .. })
    )
}

fn write_timed_out(error: &ApplyError) -> bool {
    match error {
        ApplyError::PreRead { source } | ApplyError::ReadBack { source } => {
            device_timed_out(source)
        }
        ApplyError::NotSent { source }
        | ApplyError::Unconfirmed { source, .. }
        | ApplyError::NotApplied { source, .. }
        | ApplyError::ChangedAfterLostAnswer { source, .. } => {
            matches!(source, TransportError::Timeout { .. })
        }
        _ => false,
    }
}

/// `s` unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::view::fixtures;

    fn timeout() -> TransportError {
        TransportError::Timeout {
            timeout: Duration::from_millis(1000),
        }
    }

    #[test]
    fn no_hints_for_a_plan_without_windows_or_timeouts() {
        // The example plan's unreachable oven refused the connection: no timeout.
        assert!(after_plan(&fixtures::plan()).is_empty());
    }

    #[test]
    fn a_window_hint_names_ignore_windows() {
        let mut plan = fixtures::plan();
        for r in &mut plan.plcs[0].registers {
            if r.action == Action::Change {
                r.action = Action::Drift {
                    reason: DriftReason::OutsideWriteWindow,
                };
            }
        }
        assert_eq!(
            after_plan(&plan),
            [
                "hint: 1 register differs but is outside its PLC's write windows, so apply will not write it now; `fabctl apply --ignore-windows` writes it anyway."
            ]
        );
        assert_eq!(
            after_apply(&plan, &ApplyReport::default()),
            [
                "hint: 1 register was not written because its PLC is outside its write windows; apply inside a window, or with --ignore-windows to write now."
            ]
        );
    }

    #[test]
    fn a_timeout_hint_names_the_plc_and_its_timeout() {
        let mut plan = fixtures::plan();
        let oven = plan.plcs.iter_mut().find(|p| p.error.is_some()).unwrap();
        oven.error = Some(PlcError::Device(DeviceError::Transport(timeout())));
        let id = oven.id();
        assert_eq!(
            after_plan(&plan),
            [format!(
                "hint: {id} (1000 ms) did not answer within spec.timeoutMs; if it is slow rather than down, raise spec.timeoutMs in its manifest."
            )]
        );
    }

    #[test]
    fn a_write_that_timed_out_and_a_stale_register_get_hints() {
        let plan = fixtures::plan();
        let mut report = fixtures::report();
        report.results.push(fixtures::result(
            "x",
            Outcome::Failed,
            Some(ApplyError::Unconfirmed {
                source: timeout(),
                read_back: "timed out".into(),
            }),
        ));
        let hints = after_apply(&plan, &report);
        assert_eq!(hints.len(), 2, "{hints:?}");
        assert!(
            hints[0].starts_with(
                "hint: plant-a/press-1 (1000 ms) did not answer within spec.timeoutMs"
            ),
            "{hints:?}"
        );
        assert_eq!(
            hints[1],
            "hint: 1 register changed on the device since the plan and was not written; run `fabctl plan` to see its live value, then apply again."
        );
    }
}
