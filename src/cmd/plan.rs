//! `fabctl plan`: read live registers, show what differs, optionally save the plan.

use crate::cli::{GlobalArgs, PlanArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::plan::{PlanOptions, Summary};
use crate::error::Error;
use crate::outcome::Outcome;

use super::setup::Setup;

/// Runs `plan`.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Outcome, Error> {
    super::setup::guard_access(&args.run.access);
    let setup = Setup::new(global, &args.run);
    let plcs = setup.fleet()?;
    let runtime = super::runtime()?;
    let plan = runtime.block_on(setup.plan(
        &ModbusConnector,
        &plcs,
        PlanOptions {
            respect_auto_correct: false,
            windows_at: (!args.ignore_windows).then(jiff::Timestamp::now),
        },
    ));
    let mut view = super::stdout_view(global);
    view.plan(&plan)?;
    crate::ci::publish(&plan, &plcs, args.junit.as_deref())?;
    if let Some(path) = &args.out {
        crate::engine::planfile::save(path, &plan, setup.manifests_commit())?;
        eprintln!(
            "Saved the plan to {}. To write exactly these changes, run: fabctl apply {}",
            path.display(),
            path.display()
        );
    }
    let outcome = outcome(&plan.summary(), args.detailed_exitcode);
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
