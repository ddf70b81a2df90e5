//! `fabctl plan`: read live registers, show what differs, optionally save the plan.

use crate::cli::{GlobalArgs, PlanArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::audit::{self, Identity};
use crate::engine::plan::{PlanOptions, Summary};
use crate::engine::{planfile, revert, signing};
use crate::error::Error;
use crate::outcome::Outcome;

use super::setup::{self, Setup};

/// Runs `plan`.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Outcome, Error> {
    super::setup::guard_access(&args.run.access);
    let sign_key = match (&args.sign_key, &args.out) {
        (Some(_), None) => return Err(Error::SignWithoutOut),
        (Some(path), Some(_)) => Some(signing::read_signing_key(path)?),
        (None, _) => None,
    };
    let setup = Setup::new(global, &args.run);
    let mut plcs = setup.fleet()?;
    let mut cannot_revert = false;
    let written = match &args.revert {
        Some(run) => {
            let (written, unknown) = setup::reverted_run(args.audit_log.as_deref(), run)?;
            let (narrowed, missing) = revert::fleet(plcs, &written);
            for name in &unknown {
                eprintln!(
                    "error: {name}: its value before run {run} is not in the audit log; it cannot be put back"
                );
            }
            for name in &missing {
                eprintln!("error: {name}: no manifest declares it any more; it cannot be put back");
            }
            cannot_revert = !unknown.is_empty() || !missing.is_empty();
            plcs = narrowed;
            Some(written)
        }
        None => None,
    };
    let runtime = super::runtime()?;
    let mut plan = runtime.block_on(setup.plan(
        &ModbusConnector,
        &plcs,
        PlanOptions {
            respect_auto_correct: false,
            windows_at: (!args.ignore_windows).then(jiff::Timestamp::now),
        },
    ));
    if let Some(written) = &written {
        revert::mark_stale(&mut plan, written);
    }
    let mut view = super::stdout_view(global);
    view.plan(&plan)?;
    super::print_hints(global, &crate::view::hints::after_plan(&plan));
    crate::ci::publish(&plan, &plcs, args.junit.as_deref())?;
    if let Some(path) = &args.out {
        let origin = planfile::Origin {
            reverts: args.revert.clone(),
            ..setup.origin()
        };
        let digest = planfile::save(path, &plan, origin)?;
        eprintln!(
            "Saved the plan to {}. To write exactly these changes, run: fabctl apply {}",
            path.display(),
            path.display()
        );
        if let Some(key) = &sign_key {
            let signer = Identity::current(&audit::host()).describe();
            let approval = signing::sign(key, &digest, &signer);
            eprintln!("Signed it as {signer} with {}.", approval.short_key());
            planfile::add_approval(path, approval)?;
        }
    }
    let outcome = if cannot_revert {
        Outcome::Failure
    } else {
        outcome(&plan.summary(), args.detailed_exitcode)
    };
    super::release_at_exit((plcs, plan));
    Ok(outcome)
}

/// A failure on any error; with `--detailed-exitcode`, changes when something
/// differs; else success.
fn outcome(summary: &Summary, detailed: bool) -> Outcome {
    if summary.errors > 0 {
        Outcome::Failure
    } else if detailed && summary.has_diff() {
        Outcome::Changes
    } else {
        Outcome::Success
    }
}
