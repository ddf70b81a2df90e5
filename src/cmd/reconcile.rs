//! `fabctl reconcile --once | --schedule CRON`: enforce the manifests now, or on a
//! schedule until SIGTERM/Ctrl-C (the running tick finishes first). Each tick reloads
//! the manifests, so a changed ConfigMap or `git pull` takes effect at the next tick;
//! invalid manifests skip the tick with no device traffic.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_cron_scheduler::{Job, JobScheduler};

use crate::cli::{GlobalArgs, OutputFormat, ReconcileArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::audit::{self, AuditLog};
use crate::engine::reconcile::{self, TickReport};
use crate::error::Error;
use crate::metrics::Metrics;
use crate::outcome::Outcome;

use super::setup::{self, Setup};

pub fn run(global: &GlobalArgs, args: &ReconcileArgs) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    if args.once {
        return runtime.block_on(once(global, args));
    }
    let schedule = args.schedule.as_deref().unwrap_or_default();
    let cron = reconcile::cron_expression(schedule).map_err(|_| Error::ScheduleFields {
        schedule: schedule.to_owned(),
        count: schedule.split_whitespace().count(),
    })?;
    runtime.block_on(scheduled(global, args, cron))
}

/// One tick with apply's output and exit codes (what the CronJob runs).
async fn once(global: &GlobalArgs, args: &ReconcileArgs) -> Result<Outcome, Error> {
    let setup = Setup::new(global, &args.run);
    let plcs = setup.fleet()?;
    let audit = open_audit(&setup, args)?;
    let report = setup.tick(&ModbusConnector, &plcs, &audit, None).await;
    let mut view = super::stdout_view(global);
    view.plan(&report.plan)?;
    for result in &report.apply.results {
        view.apply_result(result)?;
    }
    view.apply_summary(&report.apply)?;
    Ok(Outcome::success_if(report.is_success()))
}

/// `--audit-log`, with the manifests' commit.
fn open_audit(setup: &Setup, args: &ReconcileArgs) -> Result<AuditLog, Error> {
    let target = audit::Target::resolve(args.audit_log.as_deref());
    let context = audit::Context {
        plan_digest: "reconcile".into(),
        git_commit: setup.manifests_commit(),
    };
    setup::open_audit(&target, context)
}

struct State {
    global: GlobalArgs,
    args: ReconcileArgs,
    metrics: Arc<Metrics>,
    audit: AuditLog,
    running: AtomicBool,
}

async fn scheduled(
    global: &GlobalArgs,
    args: &ReconcileArgs,
    cron: String,
) -> Result<Outcome, Error> {
    let shutdown =
        crate::process::signal::Shutdown::install().map_err(|source| Error::Runtime { source })?;
    let metrics = Arc::new(Metrics::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(addr) = args.metrics_addr {
        let mut rx = stop_rx.clone();
        let shutdown = async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let (bound, server) = crate::metrics::serve(addr, Arc::clone(&metrics), shutdown)
            .await
            .map_err(|source| Error::Listen { addr, source })?;
        tracing::info!("serving /metrics and /healthz on http://{bound}");
        eprintln!("metrics: http://{bound}/metrics");
        tokio::spawn(server);
    }
    let state = Arc::new(State {
        global: global.clone(),
        args: args.clone(),
        metrics,
        audit: open_audit(&Setup::new(global, &args.run), args)?,
        running: AtomicBool::new(false),
    });
    let scheduler_error = |source| Error::Scheduler { source };
    let mut scheduler = JobScheduler::new().await.map_err(scheduler_error)?;
    let job_state = Arc::clone(&state);
    let job = Job::new_async(cron.as_str(), move |_, _| {
        let state = Arc::clone(&job_state);
        Box::pin(async move { run_tick(&state).await })
    })
    .map_err(|source| Error::BadSchedule {
        schedule: args.schedule.clone().unwrap_or_default(),
        source,
    })?;
    scheduler.add(job).await.map_err(scheduler_error)?;
    scheduler.start().await.map_err(scheduler_error)?;
    eprintln!(
        "reconciling on schedule {cron:?} (seconds minutes hours day-of-month month day-of-week, UTC); Ctrl-C or SIGTERM stops after the running tick"
    );

    shutdown.wait().await;
    let _ = scheduler.shutdown().await;
    while state.running.load(Ordering::Acquire) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_tx.send(true);
    eprintln!("stopped");
    Ok(Outcome::Success)
}

/// One scheduled tick; skipped (and logged) if the previous one still runs.
async fn run_tick(state: &State) {
    if state.running.swap(true, Ordering::AcqRel) {
        tracing::warn!("tick skipped: the previous tick is still running");
        print_line(
            &state.global,
            &serde_json::json!({"type": "tick_skipped", "time": now()}),
            "tick skipped: the previous tick is still running",
        );
        return;
    }
    let report = manifests_then_tick(state).await;
    match report {
        Some(report) => {
            state.metrics.set_healthy(true);
            summarize(state, &report);
        }
        None => state.metrics.set_healthy(false),
    }
    crate::process::heap::release_free_memory();
    state.running.store(false, Ordering::Release);
}

async fn manifests_then_tick(state: &State) -> Option<TickReport> {
    let setup = Setup::new(&state.global, &state.args.run);
    let report = setup.manifests();
    if report.diagnostics.has_errors() {
        for d in report.diagnostics.iter().filter(|d| d.is_error()) {
            tracing::error!("{d}");
        }
        tracing::error!("tick skipped: the manifests are invalid; nothing was sent to any device");
        return None;
    }
    let plcs = match setup.select(report.plcs) {
        Ok(plcs) => plcs,
        Err(e) => {
            tracing::error!("tick skipped: {e}");
            return None;
        }
    };
    // Each tick: the manifests (so the fleet) may have grown since the last one.
    let endpoints = crate::engine::observe::endpoint_count(&plcs);
    if let Err(e) = setup.ensure_descriptors(endpoints) {
        tracing::error!("tick skipped: {e}; nothing was sent to any device");
        return None;
    }
    Some(
        setup
            .tick(&ModbusConnector, &plcs, &state.audit, Some(&state.metrics))
            .await,
    )
}

fn summarize(state: &State, report: &TickReport) {
    let plan = report.plan.summary();
    let applied = report.apply.summary();
    for r in &report.apply.results {
        match r.outcome {
            crate::engine::apply::Outcome::Applied => tracing::info!(
                "corrected {}/{}: {:?} -> {}",
                r.plc,
                r.register,
                r.before,
                r.desired
            ),
            _ => tracing::warn!(
                "{}/{}: {} {}",
                r.plc,
                r.register,
                r.outcome.as_str(),
                r.error.as_deref().unwrap_or_default()
            ),
        }
    }
    for plc in report.plan.plcs.iter().filter(|p| p.error.is_some()) {
        tracing::warn!("{}: {}", plc.id(), plc.error.as_deref().unwrap_or_default());
    }
    let json = serde_json::json!({
        "type": "reconcile_tick",
        "time": now(),
        "plcs": report.plan.plcs.len(),
        "corrected": applied.changed,
        "failed": applied.failed,
        "skipped": applied.skipped,
        "drifted": plan.drifted,
        "in_sync": plan.in_sync,
        "errors": plan.errors,
        "unreachable": plan.unreachable,
        "duration_ms": report.duration.as_millis() as u64,
    });
    let text = format!(
        "{} tick: {} corrected, {} failed, {} skipped, {} drifted (not written), {} in sync, {} unreachable ({} ms)",
        now(),
        applied.changed,
        applied.failed,
        applied.skipped,
        plan.drifted,
        plan.in_sync,
        plan.unreachable,
        report.duration.as_millis()
    );
    print_line(&state.global, &json, &text);
}

fn print_line(global: &GlobalArgs, json: &serde_json::Value, text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = match global.output {
        OutputFormat::Json | OutputFormat::Yaml => writeln!(out, "{json}"),
        OutputFormat::Human => writeln!(out, "{text}"),
    };
    let _ = out.flush();
}

fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
