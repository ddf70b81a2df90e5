//! Continuous enforcement: one reconcile tick is the same engine as `fabctl apply
//! --auto-approve`, with `autoCorrect: false` PLCs and observe-only registers
//! reported but never written. Used by `fabctl reconcile` and `fabctl agent`.
//!
//! A long-running enforcer passes its [`Conflicts`] memory to [`tick_with`]: registers
//! another writer keeps rewriting are then held, not written (the tug of war). A tick
//! without it ([`tick`], `reconcile --once`) remembers nothing.

use std::time::{Duration, Instant};

use crate::device::Connector;
use crate::engine::apply::{self, ApplyReport, ResultSink};
use crate::engine::conflict::{self, Conflicts};
use crate::engine::observe::{self, ReadOptions};
use crate::engine::plan::{Plan, PlanOptions};
use crate::manifest::Plc;
use crate::metrics::Metrics;

/// What one tick saw and did.
#[derive(Clone, Debug)]
pub struct TickReport {
    pub plan: Plan,
    pub apply: ApplyReport,
    pub duration: Duration,
    /// Registers that went into conflict or were resumed in this tick.
    pub conflicts: conflict::Changes,
}

impl TickReport {
    /// Whether everything was reached, planned and, where allowed, corrected.
    pub fn is_success(&self) -> bool {
        self.plan.summary().errors == 0 && self.apply.summary().is_success()
    }
}

/// One tick: read everything, plan with `autoCorrect` respected, write the enforced
/// corrections, verify them, and update the metrics. Remembers nothing.
pub async fn tick<C: Connector>(
    connector: &C,
    plcs: &[Plc],
    read: ReadOptions,
    sink: &dyn ResultSink,
    metrics: Option<&Metrics>,
) -> TickReport {
    tick_with(connector, plcs, read, sink, metrics, None).await
}

/// [`tick`], holding the registers `conflicts` finds in a tug of war (not written)
/// and counting this tick's corrections into it.
pub async fn tick_with<C: Connector>(
    connector: &C,
    plcs: &[Plc],
    read: ReadOptions,
    sink: &dyn ResultSink,
    metrics: Option<&Metrics>,
    mut conflicts: Option<&mut Conflicts>,
) -> TickReport {
    let started = Instant::now();
    let (readings, _) = observe::read_all(connector, plcs, read, &()).await;
    let mut plan = Plan::new(
        plcs,
        &readings,
        PlanOptions {
            respect_auto_correct: true,
            windows_at: Some(jiff::Timestamp::now()),
        },
    );
    let changes = match conflicts.as_deref_mut() {
        Some(c) => c.hold(&mut plan),
        None => conflict::Changes::default(),
    };
    let apply = apply::apply(connector, &plan, read, sink, &()).await;
    if let Some(c) = conflicts {
        c.record(&plan, &apply);
    }
    let duration = started.elapsed();
    if let Some(m) = metrics {
        m.set_managed_plcs(plcs.len());
        m.retain_plcs(
            plan.plcs
                .iter()
                .map(|p| (p.namespace.as_str(), p.name.as_str())),
        );
        m.observe_plan(&plan);
        m.observe_apply(&apply);
        m.observe_conflicts(&changes);
        m.observe_duration(duration.as_secs_f64());
    }
    TickReport {
        plan,
        apply,
        duration,
        conflicts: changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::memory::MemoryConnector;
    use crate::engine::apply::Outcome;
    use crate::engine::plan::{Action, DriftReason};
    use crate::register::RegisterKind;

    #[tokio::test]
    async fn a_tick_corrects_enforced_registers_only_where_auto_correct_allows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(
            &path,
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: auto}\nspec: {deviceAddress: a, registers: [{name: x, address: 0, value: 5}, {name: o, address: 1, value: 5, mode: observe}]}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: manual}\nspec: {deviceAddress: b, autoCorrect: false, registers: [{name: x, address: 0, value: 5}]}\n",
        )
        .unwrap();
        let plcs = crate::manifest::load(&[path]).unwrap();
        let mem = MemoryConnector::default();
        mem.set("a", 502, 1, RegisterKind::Holding, 0, &[1, 1]);
        mem.set("b", 502, 1, RegisterKind::Holding, 0, &[1]);
        let metrics = Metrics::new();
        let report = tick(&mem, &plcs, ReadOptions::default(), &(), Some(&metrics)).await;
        assert!(report.is_success());
        assert_eq!(report.apply.results.len(), 1);
        assert_eq!(report.apply.results[0].outcome, Outcome::Applied);
        assert_eq!(
            report.plan.plcs[1].registers[0].action,
            Action::Drift {
                reason: DriftReason::AutoCorrectOff
            }
        );
        assert_eq!(
            mem.get("a", 502, 1, RegisterKind::Holding, 0, 2),
            Some(vec![5, 1])
        );
        assert_eq!(
            mem.get("b", 502, 1, RegisterKind::Holding, 0, 1),
            Some(vec![1])
        );
        let text = metrics.render();
        assert!(
            text.contains(
                r#"fabctl_corrections_total{namespace="default",plc="auto",register="x"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(
            r#"fabctl_drift_events_total{namespace="default",plc="manual",register="x"} 1"#
        ));
        assert!(text.contains("fabctl_managed_plcs 2"));
    }
}
