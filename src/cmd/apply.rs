//! `fabctl apply [PLANFILE]`: plan (or load a saved plan), ask for approval as
//! Terraform does, write, verify, and record every write in the audit log.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};

use crate::cli::{ApplyArgs, GlobalArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::apply::ApplyReport;
use crate::engine::audit;
use crate::engine::plan::{Plan, PlanOptions};
use crate::error::Error;
use crate::outcome::Outcome;

use super::setup::{self, Setup};

/// Runs `apply`.
pub fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<Outcome, Error> {
    let interactive = args.planfile.is_none() && !args.auto_approve;
    if interactive && !std::io::stdin().is_terminal() {
        return Err(Error::NoApproval);
    }
    setup::guard_access(&args.run.access);
    let setup = Setup::new(global, &args.run);
    let runtime = super::runtime()?;
    let (plan, commit) = match &args.planfile {
        Some(path) => {
            let saved = crate::engine::planfile::load(path)?;
            (setup.saved_plan(saved.plan)?, saved.manifests_commit)
        }
        None => {
            let plcs = setup.fleet()?;
            let plan = runtime.block_on(setup.plan(
                &ModbusConnector,
                &plcs,
                PlanOptions {
                    respect_auto_correct: false,
                    windows_at: (!args.ignore_windows).then(jiff::Timestamp::now),
                },
            ));
            (plan, setup.manifests_commit())
        }
    };
    let mut plan = plan;
    if args.ignore_windows {
        // The person at the prompt (or the saved plan's author) takes responsibility.
        for plc in &mut plan.plcs {
            plc.write_windows.clear();
        }
    }
    let mut view = super::stdout_view(global);
    view.plan(&plan)?;
    let summary = plan.summary();
    if let Some(max) = args.max_changes.filter(|max| summary.to_change > *max) {
        return Err(Error::TooManyChanges {
            changes: summary.to_change,
            max,
        });
    }
    if summary.to_change == 0 {
        if summary.errors > 0 {
            report_unplanned(&summary);
            return Ok(Outcome::Failure);
        }
        view.apply_summary(&ApplyReport::default())?;
        return Ok(Outcome::Success);
    }
    if interactive && !confirm(&plan, &mut std::io::stdin().lock(), &mut std::io::stderr())? {
        eprintln!("Apply cancelled.");
        return Ok(Outcome::Failure);
    }

    let target = audit::Target::resolve(args.audit_log.as_deref());
    let context = audit::Context {
        plan_digest: crate::engine::planfile::digest(&plan),
        git_commit: commit,
    };
    let audit = setup::open_audit(&target, context)?;
    view.apply_start(&plan)?;
    let report = runtime.block_on(setup.apply(&ModbusConnector, &plan, &audit));
    for result in &report.results {
        view.apply_result(result)?;
    }
    view.apply_summary(&report)?;
    if summary.errors > 0 {
        report_unplanned(&summary);
    }
    if let Some(e) = audit.error() {
        eprintln!(
            "error: the audit log {} could not be written: {e}",
            setup::audit_name(&target)
        );
        return Ok(Outcome::Failure);
    }
    Ok(Outcome::success_if(
        summary.errors == 0 && report.summary().is_success(),
    ))
}

/// Says loudly that part of the fleet was not planned, so not applied.
fn report_unplanned(summary: &crate::engine::plan::Summary) {
    let unreadable = summary.errors - summary.unreachable;
    eprintln!(
        "error: not everything could be planned: {} unreachable {}, {} unreadable {}; those were not applied (see the plan above)",
        summary.unreachable,
        if summary.unreachable == 1 {
            "PLC"
        } else {
            "PLCs"
        },
        unreadable,
        if unreadable == 1 {
            "register"
        } else {
            "registers"
        },
    );
}

/// Terraform's prompt: only the exact answer `yes` approves.
fn confirm(plan: &Plan, input: &mut dyn BufRead, prompt: &mut dyn Write) -> Result<bool, Error> {
    let changes = plan.summary().to_change;
    let plcs: HashSet<String> = plan.changes().map(|(p, _)| p.id()).collect();
    write!(
        prompt,
        "\nDo you want to perform these actions?\n  fabctl will write {changes} {} on {} {}, as shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        if changes == 1 {
            "register"
        } else {
            "registers"
        },
        plcs.len(),
        if plcs.len() == 1 { "PLC" } else { "PLCs" },
    )?;
    prompt.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    writeln!(prompt)?;
    Ok(answer.trim_end_matches(['\r', '\n']) == "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_approves() {
        let plan = Plan { plcs: vec![] };
        for (answer, approved) in [
            ("yes\n", true),
            ("y\n", false),
            ("YES\n", false),
            (" yes\n", false),
            ("", false),
            ("no\n", false),
        ] {
            let mut prompt = Vec::new();
            let ok = confirm(&plan, &mut answer.as_bytes(), &mut prompt).unwrap();
            assert_eq!(ok, approved, "answer {answer:?}");
            let text = String::from_utf8(prompt).unwrap();
            assert!(text.contains("Only 'yes' will be accepted to approve."));
        }
    }
}
