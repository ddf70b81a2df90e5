//! Metrics of continuous enforcement (`reconcile` and `agent`), in Prometheus text
//! format, and the small HTTP server that exposes `/metrics` and `/healthz`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `fabctl_drift_events_total` | counter | namespace, plc, register |
//! | `fabctl_corrections_total` | counter | namespace, plc, register |
//! | `fabctl_managed_plcs` | gauge | |
//! | `fabctl_reconcile_duration_seconds` | histogram | |
//! | `fabctl_plc_up` | gauge (1 reachable, 0 not) | namespace, plc |
//! | `fabctl_register_value` | gauge (live engineering value) | namespace, plc, register |
//!
//! The original operator's `plc_name` label is `plc` here, as DESIGN.md specifies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::apply::{ApplyReport, Outcome};
use crate::plan::{Action, Plan};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlcLabels {
    namespace: String,
    plc: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RegisterLabels {
    namespace: String,
    plc: String,
    register: String,
}

/// The registry and its metrics; cheap to share behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    drift_events: Family<RegisterLabels, Counter>,
    corrections: Family<RegisterLabels, Counter>,
    managed_plcs: Gauge,
    reconcile_duration: Histogram,
    plc_up: Family<PlcLabels, Gauge>,
    register_value: Family<RegisterLabels, Gauge<f64, AtomicU64>>,
    healthy: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let drift_events = Family::<RegisterLabels, Counter>::default();
        let corrections = Family::<RegisterLabels, Counter>::default();
        let managed_plcs = Gauge::default();
        let reconcile_duration = Histogram::new([
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ]);
        let plc_up = Family::<PlcLabels, Gauge>::default();
        let register_value = Family::<RegisterLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "fabctl_drift_events",
            "Registers found drifted from their desired value",
            drift_events.clone(),
        );
        registry.register(
            "fabctl_corrections",
            "Corrections written and verified by read-back",
            corrections.clone(),
        );
        registry.register(
            "fabctl_managed_plcs",
            "PLCs under management",
            managed_plcs.clone(),
        );
        registry.register(
            "fabctl_reconcile_duration_seconds",
            "Duration of one reconcile (plan and apply)",
            reconcile_duration.clone(),
        );
        registry.register(
            "fabctl_plc_up",
            "Whether the PLC answered at the last reconcile (1) or not (0)",
            plc_up.clone(),
        );
        registry.register(
            "fabctl_register_value",
            "Live engineering value of a register",
            register_value.clone(),
        );
        Metrics {
            registry,
            drift_events,
            corrections,
            managed_plcs,
            reconcile_duration,
            plc_up,
            register_value,
            healthy: AtomicBool::new(true),
        }
    }

    /// Records what a plan observed: reachability, live values, drift events.
    pub fn observe_plan(&self, plan: &Plan) {
        for plc in &plan.plcs {
            let labels = PlcLabels {
                namespace: plc.namespace.clone(),
                plc: plc.name.clone(),
            };
            self.plc_up
                .get_or_create(&labels)
                .set(i64::from(plc.error.is_none()));
            for reg in &plc.registers {
                let labels = RegisterLabels {
                    namespace: plc.namespace.clone(),
                    plc: plc.name.clone(),
                    register: reg.name.clone(),
                };
                if let Some(v) = reg.live {
                    let v = match v {
                        crate::register::Value::Bool(b) => f64::from(u8::from(b)),
                        other => other.as_f64().unwrap_or(f64::NAN),
                    };
                    self.register_value.get_or_create(&labels).set(v);
                }
                if matches!(reg.action, Action::Change | Action::Drift { .. }) {
                    self.drift_events.get_or_create(&labels).inc();
                }
            }
        }
    }

    /// Counts verified corrections.
    pub fn observe_apply(&self, report: &ApplyReport) {
        for r in report
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Applied)
        {
            let (namespace, plc) = r.plc.split_once('/').unwrap_or(("", &r.plc));
            self.corrections
                .get_or_create(&RegisterLabels {
                    namespace: namespace.into(),
                    plc: plc.into(),
                    register: r.register.clone(),
                })
                .inc();
        }
    }

    pub fn set_managed_plcs(&self, n: usize) {
        self.managed_plcs.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub fn observe_duration(&self, seconds: f64) {
        self.reconcile_duration.observe(seconds);
    }

    /// What `/healthz` answers.
    pub fn set_healthy(&self, healthy: bool) {
        self.healthy.store(healthy, Ordering::Relaxed);
    }

    /// The text exposition, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        prometheus_text(&text)
    }
}

/// Converts prometheus-client's OpenMetrics text to the Prometheus text format
/// (version 0.0.4) that every scraper and `promtool check metrics` read: counter
/// families are named with their `_total` suffix, and `# EOF` is dropped.
pub fn prometheus_text(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves `/metrics` and `/healthz` on `addr` until `shutdown` resolves. Returns the
/// bound address (useful with port 0) and the server future to spawn.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, impl Future<Output = ()> + Send + 'static)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let for_metrics = Arc::clone(&metrics);
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let m = Arc::clone(&for_metrics);
                async move { ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], m.render()) }
            }),
        )
        .route(
            "/healthz",
            get(move || {
                let m = Arc::clone(&metrics);
                async move {
                    if m.healthy.load(Ordering::Relaxed) {
                        (StatusCode::OK, "ok\n").into_response()
                    } else {
                        (StatusCode::SERVICE_UNAVAILABLE, "unhealthy\n").into_response()
                    }
                }
            }),
        );
    let server = async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!("metrics server: {e}");
        }
    };
    Ok((local, server))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Mode;
    use crate::plan::{DriftReason, PlcPlan, RegisterPlan};
    use crate::register::{RegisterKind, Value, ValueType, WordOrder, Words};

    fn reg(name: &str, action: Action, live: Value) -> RegisterPlan {
        RegisterPlan {
            name: name.into(),
            kind: RegisterKind::Holding,
            address: 0,
            value_type: ValueType::U16,
            word_order: WordOrder::Big,
            scale: 1.0,
            offset: 0.0,
            mode: Mode::Enforce,
            tolerance: 0.0,
            min: None,
            max: None,
            desired: Value::Int(1),
            desired_words: Words::from([1]),
            live: Some(live),
            live_words: Some(Words::from([0])),
            action,
        }
    }

    #[test]
    fn a_plan_updates_values_reachability_and_drift_counts() {
        let m = Metrics::new();
        let plan = Plan {
            plcs: vec![PlcPlan {
                namespace: "plant-a".into(),
                name: "press-1".into(),
                host: "h".into(),
                port: 502,
                unit_id: 1,
                timeout_ms: 1000,
                auto_correct: true,
                write_windows: vec![],
                min_write_interval_ms: 0,
                error: None,
                registers: vec![
                    reg("speed", Action::Change, Value::Int(7)),
                    reg(
                        "recipe",
                        Action::Drift {
                            reason: DriftReason::Observe,
                        },
                        Value::Int(3),
                    ),
                    reg("guard", Action::InSync, Value::Bool(true)),
                ],
            }],
        };
        m.observe_plan(&plan);
        m.observe_plan(&plan);
        m.set_managed_plcs(1);
        let text = m.render();
        assert!(
            text.contains(
                r#"fabctl_drift_events_total{namespace="plant-a",plc="press-1",register="speed"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(
            r#"fabctl_drift_events_total{namespace="plant-a",plc="press-1",register="recipe"} 2"#
        ));
        assert!(!text.contains(r#"register="guard"} 2"#));
        assert!(
            text.contains(
                r#"fabctl_register_value{namespace="plant-a",plc="press-1",register="guard"} 1.0"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"fabctl_plc_up{namespace="plant-a",plc="press-1"} 1"#));
        assert!(text.contains("fabctl_managed_plcs 1"));
        assert!(
            text.contains("# TYPE fabctl_drift_events_total counter"),
            "{text}"
        );
        assert!(!text.contains("# EOF"));
    }
}
