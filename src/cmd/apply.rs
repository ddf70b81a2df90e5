//! `fabctl apply [PLANFILE]`: plan (or load a saved plan), ask for approval as
//! Terraform does, write, verify, and record every write in the audit log.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::cli::{ApplyArgs, GlobalArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::apply::ApplyReport;
use crate::engine::plan::{Plan, PlanOptions};
use crate::engine::planfile::SavedPlan;
use crate::engine::{audit, binding, signing};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::process::signal::Shutdown;
use crate::view::{Shortfall, hints};

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
    let saved = match &args.planfile {
        Some(path) => Some((path, crate::engine::planfile::load(path)?)),
        None => None,
    };
    // The manifests a saved plan is checked against: `-f`, else the plan's own.
    let bound_global = match &saved {
        Some((_, saved)) if global.filename.is_empty() => GlobalArgs {
            filename: saved
                .origin
                .manifests
                .as_ref()
                .map(|m| m.paths.clone())
                .unwrap_or_default(),
            ..global.clone()
        },
        _ => global.clone(),
    };
    let manifests = Setup::new(&bound_global, &args.run);
    if saved.is_none() && !args.verify_key.is_empty() {
        return Err(Error::VerifyNeedsPlan);
    }
    let reverts = saved.as_ref().and_then(|(_, s)| s.origin.reverts.clone());
    let plan = match saved {
        // Enough trusted approvals stand for the plan as signed; without keys to
        // check, the plan must match its manifests.
        Some((path, saved)) if !args.verify_key.is_empty() => {
            check_approvals(path, &saved, args)?;
            setup.saved_plan(saved.plan)?
        }
        Some((path, saved)) => {
            check_binding(path, &saved, &manifests, &bound_global, args)?;
            setup.saved_plan(saved.plan)?
        }
        None => {
            let plcs = setup.fleet()?;
            runtime.block_on(setup.plan(
                &ModbusConnector,
                &plcs,
                PlanOptions {
                    respect_auto_correct: false,
                    windows_at: (!args.ignore_windows).then(jiff::Timestamp::now),
                },
            ))
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
    let mut shortfall = Shortfall::of_plan(&plan);
    if summary.to_change == 0 {
        view.apply_summary(&ApplyReport::default(), &shortfall)?;
        if summary.errors > 0 {
            report_unplanned(&summary);
        }
        super::print_hints(global, &hints::after_apply(&plan, &ApplyReport::default()));
        return Ok(Outcome::success_if(shortfall.is_none()));
    }
    if interactive && !approved(&runtime, &plan)? {
        eprintln!("Apply cancelled.");
        return Ok(Outcome::Failure);
    }

    let target = audit::Target::resolve(args.audit_log.as_deref());
    let context = audit::Context {
        reverts,
        ..manifests.audit_context(crate::engine::planfile::digest(&plan))
    };
    let audit = setup::open_audit(&target, context)?;
    view.apply_start(&plan)?;
    let report = runtime.block_on(setup.apply(&ModbusConnector, &plan, &audit));
    for result in &report.results {
        view.apply_result(result)?;
    }
    shortfall.audit_failed = audit.error().is_some();
    view.apply_summary(&report, &shortfall)?;
    if summary.errors > 0 {
        report_unplanned(&summary);
    }
    if let Some(e) = audit.error() {
        eprintln!(
            "error: the audit log {} could not be written: {e}",
            setup::audit_name(&target)
        );
    }
    super::print_hints(global, &hints::after_apply(&plan, &report));
    Ok(Outcome::success_if(
        shortfall.is_none() && report.summary().is_success(),
    ))
}

/// Refuses a saved plan without signatures of `--require-approvals` distinct trusted
/// keys, or with a trusted key's signature that does not hold.
fn check_approvals(path: &Path, saved: &SavedPlan, args: &ApplyArgs) -> Result<(), Error> {
    let trusted = args
        .verify_key
        .iter()
        .map(|p| signing::read_verifying_key(p))
        .collect::<Result<Vec<_>, _>>()?;
    let tally = signing::tally(&saved.signatures, &saved.digest, &trusted);
    if !tally.broken.is_empty() {
        return Err(Error::BrokenSignature {
            path: path.to_path_buf(),
            keys: tally.broken,
        });
    }
    let need = args.require_approvals.unwrap_or(1) as usize;
    if tally.trusted.len() < need {
        let mut notes = Vec::new();
        if tally.untrusted > 0 {
            notes.push(format!("{} by keys not trusted here", tally.untrusted));
        }
        if tally.repeated > 0 {
            notes.push(format!(
                "{} repeated by a key already counted",
                tally.repeated
            ));
        }
        return Err(Error::NotApproved {
            path: path.to_path_buf(),
            have: tally.trusted.len(),
            need,
            notes: if notes.is_empty() {
                String::new()
            } else {
                format!(" (not counted: {})", notes.join(", "))
            },
        });
    }
    let by: Vec<String> = tally
        .trusted
        .iter()
        .map(|(key, signer)| format!("{signer} ({})", signing::short(key)))
        .collect();
    eprintln!(
        "Approved by {}: {} of {need} required.",
        by.join(", "),
        tally.trusted.len()
    );
    Ok(())
}

/// Refuses a saved plan that differs from its manifests in anything it would write,
/// before any device is contacted.
fn check_binding(
    path: &Path,
    saved: &SavedPlan,
    manifests: &Setup,
    global: &GlobalArgs,
    args: &ApplyArgs,
) -> Result<(), Error> {
    let plcs = manifests.load()?;
    // A revert plan's desired values are the run's `before` values, from the audit
    // log, and what changed since the run is not to be written.
    let problems = match &saved.origin.reverts {
        Some(run) => {
            let (written, _) = setup::reverted_run(args.audit_log.as_deref(), run)?;
            let plcs = crate::engine::revert::fleet(plcs, &written).0;
            binding::revert_differences(&saved.plan, &plcs, &written)
        }
        None => binding::differences(&saved.plan, &plcs),
    };
    let names = global.manifest_paths();
    if !problems.is_empty() {
        return Err(Error::Binding {
            source: binding::BindingError {
                path: path.to_path_buf(),
                manifests: names
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                problems,
            },
        });
    }
    let planned = saved
        .origin
        .manifests
        .as_ref()
        .and_then(|m| m.digest.as_ref());
    if planned.is_some() && planned != manifests.manifests_digest().as_ref() {
        eprintln!(
            "note: the manifests changed since {} was saved, but not in anything it writes",
            path.display()
        );
    }
    Ok(())
}

/// Says loudly that part of the fleet was not planned, so not applied.
fn report_unplanned(summary: &crate::engine::plan::Summary) {
    let unreadable = summary.errors - summary.unreachable;
    eprintln!(
        "error: not everything could be planned: {} {} not read, {} unreadable {}; those were not applied (see the plan above)",
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

/// Asks at the terminal. Ctrl-C (or SIGTERM) while the prompt waits is a "no", as
/// any answer but `yes` is: the caller says "Apply cancelled." and exits 1, as
/// Terraform does.
fn approved(runtime: &tokio::runtime::Runtime, plan: &Plan) -> Result<bool, Error> {
    // Handlers first: a Ctrl-C right after the prompt appears must not kill fabctl.
    let interrupted = {
        let _runtime = runtime.enter();
        Shutdown::install()?
    };
    write_prompt(plan, &mut std::io::stderr())?;
    // The answer is read on a thread of its own: a read of stdin cannot be cancelled,
    // and the process exits without waiting for that thread.
    let (send, answer) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = send.send(read_answer(&mut std::io::stdin().lock()));
    });
    let answer = runtime.block_on(async {
        tokio::select! {
            answer = answer => answer.unwrap_or(Ok(false)),
            () = interrupted.wait() => Ok(false),
        }
    });
    eprintln!();
    answer
}

/// Terraform's prompt: only the exact answer `yes` approves.
/// The question of Terraform's prompt, for the plan's changes.
fn write_prompt(plan: &Plan, prompt: &mut dyn Write) -> Result<(), Error> {
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
    Ok(())
}

/// Whether the line the person typed is exactly `yes`.
fn read_answer(input: &mut dyn BufRead) -> Result<bool, Error> {
    let mut answer = String::new();
    input.read_line(&mut answer)?;
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
            write_prompt(&plan, &mut prompt).unwrap();
            let ok = read_answer(&mut answer.as_bytes()).unwrap();
            assert_eq!(ok, approved, "answer {answer:?}");
            let text = String::from_utf8(prompt).unwrap();
            assert!(text.contains("Only 'yes' will be accepted to approve."));
        }
    }
}
