//! `fabctl reconcile --once | --schedule CRON`: enforce the manifests now, or on a
//! schedule until SIGTERM/Ctrl-C (the running tick finishes first). Each tick reloads
//! the manifests, so a changed ConfigMap or `git pull` takes effect at the next tick;
//! invalid manifests skip the tick with no device traffic.
//!
//! On a schedule, the loop remembers its ticks: a register corrected in
//! `--conflict-after` consecutive ticks is left to its other writer (reported as a
//! conflict, not written) until its manifest changes or it stays in sync by itself.
//! `--once` remembers nothing: each run writes what differs.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::Timestamp;

use crate::cli::{GlobalArgs, OutputFormat, ReconcileArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::audit::{self, AuditLog};
use crate::engine::conflict::{self, Conflicts};
use crate::engine::plan::Action;
use crate::engine::reconcile::TickReport;
use crate::error::Error;
use crate::metrics::Metrics;
use crate::outcome::Outcome;
use crate::schedule::cron::{Cron, CronError, Fields};

use super::setup::{self, Setup};

pub fn run(global: &GlobalArgs, args: &ReconcileArgs) -> Result<Outcome, Error> {
    setup::guard_access(&args.run.access);
    let runtime = super::runtime()?;
    if args.once {
        return runtime.block_on(once(global, args));
    }
    let cron = schedule(args.schedule.as_deref().unwrap_or_default())?;
    runtime.block_on(scheduled(global, args, cron))
}

/// `--schedule`: 5-field cron, or 6 fields with seconds first; UTC.
fn schedule(text: &str) -> Result<Cron, Error> {
    Cron::parse(text, Fields::FiveOrSix).map_err(|e| match e {
        CronError::FieldCount { count } => Error::ScheduleFields {
            schedule: text.to_owned(),
            count,
        },
        source => Error::BadSchedule {
            schedule: text.to_owned(),
            source,
        },
    })
}

/// One tick with apply's output and outcome (what the CronJob runs).
async fn once(global: &GlobalArgs, args: &ReconcileArgs) -> Result<Outcome, Error> {
    let setup = Setup::new(global, &args.run);
    let plcs = setup.fleet()?;
    let audit = open_audit(&setup, args)?;
    let report = setup
        .tick(&ModbusConnector, &plcs, &audit, None, None)
        .await;
    let mut view = super::stdout_view(global);
    view.plan(&report.plan)?;
    for result in &report.apply.results {
        view.apply_result(result)?;
    }
    view.apply_summary(
        &report.apply,
        &crate::view::Shortfall::of_plan(&report.plan),
    )?;
    Ok(Outcome::success_if(report.is_success()))
}

/// `--audit-log`, with the manifests' commit.
fn open_audit(setup: &Setup, args: &ReconcileArgs) -> Result<AuditLog, Error> {
    let target = audit::Target::resolve(args.audit_log.as_deref());
    setup::open_audit(&target, setup.audit_context("reconcile".into()))
}

struct State {
    global: GlobalArgs,
    args: ReconcileArgs,
    metrics: Arc<Metrics>,
    audit: AuditLog,
    running: AtomicBool,
    /// The tug-of-war memory across ticks (ticks never overlap: see `running`).
    conflicts: std::sync::Mutex<Conflicts>,
}

async fn scheduled(
    global: &GlobalArgs,
    args: &ReconcileArgs,
    cron: Cron,
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
        conflicts: std::sync::Mutex::new(Conflicts::new(args.conflict_after)),
    });
    eprintln!(
        "reconciling on schedule {:?} (seconds minutes hours day-of-month month day-of-week, UTC); Ctrl-C or SIGTERM stops after the running tick",
        cron.to_string()
    );

    fire(&cron, &state, shutdown.wait()).await;
    let _ = stop_tx.send(true);
    eprintln!("stopped");
    Ok(Outcome::Success)
}

/// Starts a tick at every time the schedule gives, each on its own task, so a tick
/// still running when the next is due sees it and skips it. When `stop` completes,
/// starts no more and returns once every tick already started has finished: a tick
/// is never cut off between a write and its read-back.
async fn fire(cron: &Cron, state: &Arc<State>, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut ticks = tokio::task::JoinSet::new();
    let mut last = Timestamp::now();
    loop {
        let next = cron.next_after(last.max(Timestamp::now()));
        let wait = next.map(|next| {
            Duration::try_from(next.duration_since(Timestamp::now())).unwrap_or_default()
        });
        tokio::select! {
            () = &mut stop => break,
            Some(_) = ticks.join_next(), if !ticks.is_empty() => {}
            // No `next`: the schedule never fires again; wait for the signal.
            () = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {
                last = next.unwrap_or(last);
                let state = Arc::clone(state);
                ticks.spawn(async move { run_tick(&state).await });
            }
        }
    }
    while ticks.join_next().await.is_some() {}
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
    // Names are resolved every tick (DNS may have changed), as every other command
    // does before any traffic: the same device identity for overlaps and write locks.
    // The system resolver blocks: off the runtime's worker for the lookups.
    if let Err(e) = tokio::task::block_in_place(|| setup.check_resolved(&plcs)) {
        tracing::error!("tick skipped: {e}; nothing was sent to any device");
        return None;
    }
    // Each tick: the manifests (so the fleet) may have grown since the last one.
    let endpoints = crate::engine::observe::endpoint_count(&plcs);
    if let Err(e) = setup.ensure_descriptors(endpoints) {
        tracing::error!("tick skipped: {e}; nothing was sent to any device");
        return None;
    }
    // Each tick is a run of its own in the audit log, from the manifests as they are.
    state
        .audit
        .start_run(setup.audit_context("reconcile".into()));
    let lock = || state.conflicts.lock().unwrap_or_else(|e| e.into_inner());
    let mut conflicts = std::mem::take(&mut *lock());
    let report = setup
        .tick(
            &ModbusConnector,
            &plcs,
            &state.audit,
            Some(&state.metrics),
            Some(&mut conflicts),
        )
        .await;
    *lock() = conflicts;
    Some(report)
}

fn summarize(state: &State, report: &TickReport) {
    let plan = report.plan.summary();
    let applied = report.apply.summary();
    for r in &report.apply.results {
        match r.outcome {
            crate::engine::apply::Outcome::Applied => tracing::info!(
                "corrected {}/{}: {} → {}",
                r.plc,
                r.register,
                r.before
                    .as_ref()
                    .map_or_else(|| "?".to_owned(), |v| v.to_string()),
                r.desired
            ),
            crate::engine::apply::Outcome::InSync => tracing::info!(
                "{}/{}: already {} (another writer set it), not written",
                r.plc,
                r.register,
                r.desired
            ),
            _ => tracing::warn!(
                "{}/{}: {} {}",
                r.plc,
                r.register,
                r.outcome.as_str(),
                r.error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
        }
    }
    for plc in &report.plan.plcs {
        if let Some(error) = &plc.error {
            tracing::warn!("{}: {error}", plc.id());
        }
    }
    conflict_lines(state, report);
    let json = serde_json::json!({
        "type": "reconcile_tick",
        "time": now(),
        "plcs": report.plan.plcs.len(),
        "corrected": applied.changed,
        "failed": applied.failed,
        "skipped": applied.skipped,
        "drifted": plan.drifted,
        "conflicts": plan.conflicts,
        "in_sync": plan.in_sync,
        "errors": plan.errors,
        "unreachable": plan.unreachable,
        "duration_ms": report.duration.as_millis() as u64,
    });
    let text = format!(
        "{} tick: {} corrected, {} failed, {} skipped, {} drifted (not written), {}{} in sync, {} unreachable ({} ms)",
        now(),
        applied.changed,
        applied.failed,
        applied.skipped,
        plan.drifted,
        if plan.conflicts > 0 {
            format!("{} in conflict (not written), ", plan.conflicts)
        } else {
            String::new()
        },
        plan.in_sync,
        plan.unreachable,
        report.duration.as_millis()
    );
    print_line(&state.global, &json, &text);
}

/// A line for each register that went into conflict in this tick (the plan's line,
/// with its own symbol) and for each one written again.
fn conflict_lines(state: &State, report: &TickReport) {
    let options = crate::view::ViewOptions {
        color: crate::view::color_enabled(state.global.color, std::io::stdout().is_terminal()),
        verbose: false,
    };
    for e in &report.conflicts.entered {
        let Some(reg) = report
            .plan
            .plcs
            .iter()
            .filter(|p| p.id() == e.plc)
            .flat_map(|p| &p.registers)
            .find(|r| r.name == e.register && matches!(r.action, Action::Conflict { .. }))
        else {
            continue;
        };
        tracing::warn!(
            "{}/{}: {}; set by another writer (the PLC program, an HMI?)",
            e.plc,
            e.register,
            conflict::describe(e.corrections)
        );
        let mut json = crate::view::register_event_value(&e.plc, reg).unwrap_or_default();
        if let Some(fields) = json.as_object_mut() {
            fields.insert("time".into(), now().into());
        }
        let text = crate::view::register_line(&e.plc, reg, options).unwrap_or_default();
        print_line(&state.global, &json, &text);
    }
    for r in &report.conflicts.resumed {
        tracing::info!(
            "{}/{}: writing again: {}",
            r.plc,
            r.register,
            r.reason.describe()
        );
        let json = serde_json::json!({
            "type": "conflict_resolved",
            "time": now(),
            "plc": r.plc,
            "register": r.register,
            "reason": r.reason.as_str(),
        });
        let text = format!(
            "  conflict resolved: {} {}: written again from now on ({})",
            r.plc,
            r.register,
            r.reason.describe()
        );
        print_line(&state.global, &json, &text);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_take_five_fields_or_six_with_seconds_first() {
        assert_eq!(
            schedule("*/5 * * * *").unwrap().to_string(),
            "0 */5 * * * *"
        );
        assert_eq!(schedule("* * * * * *").unwrap().to_string(), "* * * * * *");
        assert!(
            schedule("* * *")
                .unwrap_err()
                .to_string()
                .contains("has 3 fields")
        );
        assert_eq!(
            schedule("0 0 32 * *").unwrap_err().to_string(),
            "--schedule \"0 0 32 * *\": day-of-month: 32 is outside 1-31"
        );
    }
}
