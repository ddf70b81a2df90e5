//! `fabctl plan`: read live registers, show what differs, optionally save the plan.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, PlanArgs, RunArgs};
use crate::device::Connector;
use crate::device::modbus::ModbusConnector;
use crate::engine::observe::{self, IoStats, ReadOptions};
use crate::engine::plan::{Plan, PlanOptions, Summary};
use crate::error::Error;
use crate::manifest::Plc;
use crate::process::limits::Need;
use crate::process::progress::Bar;

/// Runs `plan`.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<ExitCode, Error> {
    let plcs = super::load_plcs(global, &mut std::io::stdout())?;
    let plcs = crate::engine::target::select(plcs, &args.run.target)
        .map_err(|message| Error::Target { message })?;
    ensure_descriptors(observe::endpoint_count(&plcs), &args.run)?;
    let runtime = super::runtime()?;
    let (plan, _) = runtime.block_on(make_plan(
        &ModbusConnector,
        &plcs,
        &args.run,
        PlanOptions {
            respect_auto_correct: false,
            windows_at: (!args.ignore_windows).then(jiff::Timestamp::now),
        },
    ));
    let mut view = super::stdout_view(global);
    view.plan(&plan)?;
    crate::ci::publish(&plan, &plcs, args.junit.as_deref())?;
    if let Some(path) = &args.out {
        let commit = global
            .manifest_paths()
            .first()
            .and_then(|p| crate::engine::audit::git_commit(p));
        crate::engine::planfile::save(path, &plan, commit)?;
        eprintln!(
            "Saved the plan to {}. To write exactly these changes, run: fabctl apply {}",
            path.display(),
            path.display()
        );
    }
    let code = exit_code(&plan.summary(), args.detailed_exitcode);
    super::release_at_exit((plcs, plan));
    Ok(code)
}

/// Raises the open-file limit for talking to `endpoints` endpoints, or fails (before
/// any device is contacted) when the hard limit cannot allow it.
pub fn ensure_descriptors(endpoints: usize, run: &RunArgs) -> Result<(), Error> {
    let need = Need::clients(endpoints, run.parallelism as usize);
    crate::process::limits::ensure(&need)?;
    Ok(())
}

/// Reads the devices and computes the plan, with a progress bar on slow runs.
pub async fn make_plan<C: Connector>(
    connector: &C,
    plcs: &[Plc],
    run: &RunArgs,
    options: PlanOptions,
) -> (Plan, IoStats) {
    let total = plcs.iter().map(|p| p.registers.len() as u64).sum();
    let bar = Bar::start(total, "reading");
    let read = ReadOptions {
        parallelism: run.parallelism as usize,
        ..ReadOptions::default()
    };
    let (readings, stats) = observe::read_all(connector, plcs, read, &bar).await;
    bar.finish();
    (Plan::new(plcs, &readings, options), stats)
}

/// 1 on any error; with `--detailed-exitcode`, 2 when something differs; else 0.
pub fn exit_code(summary: &Summary, detailed: bool) -> ExitCode {
    if summary.errors > 0 {
        ExitCode::FAILURE
    } else if detailed && summary.has_diff() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
