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
//! | `fabctl_write_conflicts` | gauge (1 left to another writer, not written; 0 written again) | namespace, plc, register |
//! | `fabctl_write_conflicts_started_total` | counter (times a register went into conflict) | namespace, plc, register |
//!
//! The original operator's `plc_name` label is `plc` here, as the design names it.
//! The two gauges of a PLC no longer managed are dropped ([`Metrics::retain_plcs`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::engine::apply::{ApplyReport, Outcome};
use crate::engine::plan::{Action, Plan};
use crate::process::listener::{Bounded, IDLE_TIMEOUT, MAX_CONNECTIONS};

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
    write_conflicts: Family<RegisterLabels, Gauge>,
    /// The labels `write_conflicts` has, so a PLC no longer managed can be dropped.
    conflict_labels: Mutex<std::collections::HashSet<RegisterLabels>>,
    write_conflicts_started: Family<RegisterLabels, Counter>,
    managed_plcs: Gauge,
    reconcile_duration: Histogram,
    live: Arc<Live>,
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
        let write_conflicts = Family::<RegisterLabels, Gauge>::default();
        let write_conflicts_started = Family::<RegisterLabels, Counter>::default();
        let managed_plcs = Gauge::default();
        let reconcile_duration = Histogram::new([
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ]);
        let live = Arc::new(Live::default());
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
            "fabctl_write_conflicts",
            "Registers rewritten by another writer after each of the last corrections, no longer written (1), or written again (0)",
            write_conflicts.clone(),
        );
        registry.register(
            "fabctl_write_conflicts_started",
            "Times a register went into conflict with another writer",
            write_conflicts_started.clone(),
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
        registry.register_collector(Box::new(Arc::clone(&live)));
        Metrics {
            registry,
            drift_events,
            corrections,
            write_conflicts,
            conflict_labels: Mutex::default(),
            write_conflicts_started,
            managed_plcs,
            reconcile_duration,
            live,
            healthy: AtomicBool::new(true),
        }
    }

    /// Records what a plan observed: reachability, live values, drift events.
    pub fn observe_plan(&self, plan: &Plan) {
        for plc in &plan.plcs {
            self.live.observe(plc);
            for reg in &plc.registers {
                if matches!(
                    reg.action,
                    Action::Change | Action::Drift { .. } | Action::Conflict { .. }
                ) {
                    let labels = RegisterLabels {
                        namespace: plc.namespace.clone(),
                        plc: plc.name.clone(),
                        register: reg.name.clone(),
                    };
                    self.drift_events.get_or_create(&labels).inc();
                    if let Action::Conflict { .. } = reg.action {
                        self.set_conflict(labels, 1);
                    }
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

    /// Counts registers that went into conflict, and sets those written again to 0.
    pub fn observe_conflicts(&self, changes: &crate::engine::conflict::Changes) {
        let labels = |plc: &str, register: &str| {
            let (namespace, plc) = plc.split_once('/').unwrap_or(("", plc));
            RegisterLabels {
                namespace: namespace.into(),
                plc: plc.into(),
                register: register.into(),
            }
        };
        for e in &changes.entered {
            let labels = labels(&e.plc, &e.register);
            self.write_conflicts_started.get_or_create(&labels).inc();
            self.set_conflict(labels, 1);
        }
        for r in &changes.resumed {
            self.set_conflict(labels(&r.plc, &r.register), 0);
        }
    }

    fn set_conflict(&self, labels: RegisterLabels, value: i64) {
        self.write_conflicts.get_or_create(&labels).set(value);
        self.conflict_labels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(labels);
    }

    /// Stops exporting the reachability, live values and conflicts of every PLC not in
    /// `managed` (namespace, name): a deleted object, a removed manifest, so that no
    /// dashboard goes on showing a PLC that is gone as up, and no alert fires for it. Drift and correction counters stay:
    /// they count what happened.
    pub fn retain_plcs<'a>(&self, managed: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let managed: std::collections::HashSet<(&str, &str)> = managed.into_iter().collect();
        let mut plcs = self.live.plcs.lock().unwrap_or_else(|e| e.into_inner());
        plcs.retain(|namespace, in_namespace| {
            in_namespace.retain(|name, _| managed.contains(&(namespace.as_str(), name.as_str())));
            !in_namespace.is_empty()
        });
        let mut conflicts = self
            .conflict_labels
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        conflicts.retain(|l| {
            let keep = managed.contains(&(l.namespace.as_str(), l.plc.as_str()));
            if !keep {
                self.write_conflicts.remove(l);
            }
            keep
        });
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

/// `fabctl_plc_up` and `fabctl_register_value`: what the last reconcile of each PLC
/// observed. A long-running agent keeps one entry per PLC, with the names of its
/// registers in one string and a value per register, rather than a labelled gauge
/// per register (a hash-table slot, three label strings and a shared cell each: a
/// quarter of the agent's memory per PLC).
#[derive(Debug, Default)]
struct Live {
    /// By namespace, then PLC name, so the exposition is sorted.
    plcs: Mutex<BTreeMap<String, BTreeMap<String, LivePlc>>>,
}

#[derive(Debug, Default)]
struct LivePlc {
    up: bool,
    /// The names of the registers read so far, one after the other.
    names: String,
    /// For each of them, in the order first read: where its name ends in `names`, and
    /// the last value read.
    values: Vec<(u32, f64)>,
}

impl LivePlc {
    /// The name of the `i`-th register read.
    fn name(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            _ => self.values[i - 1].0 as usize,
        };
        &self.names[start..self.values[i].0 as usize]
    }

    /// Each register read so far with its last value.
    fn registers(&self) -> impl Iterator<Item = (&str, f64)> {
        (0..self.values.len()).map(|i| (self.name(i), self.values[i].1))
    }

    /// Records the value read of register `name`, which is usually the `index`-th
    /// (registers come in the same order at every tick); `registers` is how many the
    /// PLC has (room for them at once).
    fn set(&mut self, index: usize, name: &str, value: f64, registers: usize) {
        let found = if index < self.values.len() && self.name(index) == name {
            Some(index)
        } else {
            (0..self.values.len()).find(|&i| self.name(i) == name)
        };
        if let Some(i) = found {
            self.values[i].1 = value;
            return;
        }
        if self.values.len() == self.values.capacity() {
            self.values
                .reserve_exact(registers.saturating_sub(self.values.len()).max(1));
        }
        self.names.push_str(name);
        let end = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.values.push((end, value));
    }
}

impl Live {
    fn observe(&self, plc: &crate::engine::plan::PlcPlan) {
        let mut plcs = self.plcs.lock().unwrap_or_else(|e| e.into_inner());
        if !plcs.contains_key(&plc.namespace) {
            plcs.insert(plc.namespace.clone(), BTreeMap::new());
        }
        let namespace = plcs.get_mut(&plc.namespace).expect("inserted above");
        if !namespace.contains_key(&plc.name) {
            namespace.insert(plc.name.clone(), LivePlc::default());
        }
        let entry = namespace.get_mut(&plc.name).expect("inserted above");
        entry.up = plc.error.is_none();
        for (i, reg) in plc.registers.iter().enumerate() {
            let v = match &reg.live {
                None => continue,
                Some(crate::register::Value::Bool(b)) => f64::from(u8::from(*b)),
                // A gauge holds numbers: text registers have no value metric.
                Some(crate::register::Value::Text(_)) => continue,
                Some(other) => other.as_f64().unwrap_or(f64::NAN),
            };
            entry.set(i, &reg.name, v, plc.registers.len());
        }
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let plcs = self.plcs.lock().unwrap_or_else(|e| e.into_inner());
        let mut up = encoder.encode_descriptor(
            "fabctl_plc_up",
            "Whether the PLC answered at the last reconcile (1) or not (0)",
            None,
            MetricType::Gauge,
        )?;
        let each = || {
            plcs.iter().flat_map(|(ns, in_ns)| {
                in_ns
                    .iter()
                    .map(move |(plc, p)| (ns.as_str(), plc.as_str(), p))
            })
        };
        for (namespace, plc, p) in each() {
            let labels = [("namespace", namespace), ("plc", plc)];
            ConstGauge::new(i64::from(p.up)).encode(up.encode_family(&labels)?)?;
        }
        let mut values = encoder.encode_descriptor(
            "fabctl_register_value",
            "Live engineering value of a register",
            None,
            MetricType::Gauge,
        )?;
        for (namespace, plc, p) in each() {
            for (register, v) in p.registers() {
                let labels = [
                    ("namespace", namespace),
                    ("plc", plc),
                    ("register", register),
                ];
                ConstGauge::new(v).encode(values.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

/// Converts prometheus-client's OpenMetrics text to the Prometheus text format
/// (version 0.0.4) that every scraper and `promtool check metrics` read: counter
/// families are named with their `_total` suffix, and `# EOF` is dropped. promtool
/// refuses the library's own text (`fabctl_drift_events_total no help text`: its
/// `# TYPE` line names the family without `_total`); docs/dependencies.md.
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

/// Serves `/metrics` and `/healthz` on `addr` until `shutdown` resolves, with the
/// connection cap and idle timeout of [`crate::process::listener`]. Returns the bound
/// address (useful with port 0) and the server future to spawn.
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
        let listener = Bounded::new(listener, MAX_CONNECTIONS, IDLE_TIMEOUT);
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
pub(crate) mod tests {
    use super::*;
    use crate::engine::observe::DeviceError;
    use crate::engine::plan::{DriftReason, PlcError, PlcPlan, RegisterPlan};
    use crate::manifest::Mode;
    use crate::register::{ByteOrder, RegisterKind, Value, ValueType, WordOrder, Words};

    pub(crate) fn reg(name: &str, action: Action, live: Value) -> RegisterPlan {
        RegisterPlan {
            name: name.into(),
            kind: RegisterKind::Holding,
            address: 0,
            bit: None,
            read_address: None,
            value_type: ValueType::U16,
            word_order: WordOrder::Big,
            byte_order: ByteOrder::Big,
            length: None,
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
    fn a_conflict_is_a_gauge_until_resumed_and_gone_with_its_plc() {
        use crate::engine::conflict::{Changes, Entered, Resume, Resumed};
        let m = Metrics::new();
        let gauge = r#"fabctl_write_conflicts{namespace="plant-a",plc="press",register="speed"}"#;
        let entered = Changes {
            entered: vec![Entered {
                plc: "plant-a/press".into(),
                register: "speed".into(),
                corrections: 3,
                live: Some(Value::Int(7)),
                desired: Value::Int(5),
            }],
            resumed: Vec::new(),
        };
        m.observe_conflicts(&entered);
        let text = m.render();
        assert!(text.contains(&format!("{gauge} 1")), "{text}");
        assert!(text.contains(r#"fabctl_write_conflicts_started_total{namespace="plant-a",plc="press",register="speed"} 1"#), "{text}");
        m.observe_conflicts(&Changes {
            entered: Vec::new(),
            resumed: vec![Resumed {
                plc: "plant-a/press".into(),
                register: "speed".into(),
                reason: Resume::InSync,
            }],
        });
        assert!(m.render().contains(&format!("{gauge} 0")));
        m.observe_conflicts(&entered);
        m.retain_plcs([("plant-a", "press")]);
        assert!(m.render().contains(&format!("{gauge} 1")));
        m.retain_plcs([]);
        assert!(
            !m.render().contains(gauge),
            "a PLC no longer managed alerts no more"
        );
    }

    #[test]
    fn a_plan_updates_values_reachability_and_drift_counts() {
        let m = Metrics::new();
        let plan = Plan {
            plcs: vec![plc(
                "press-1",
                None,
                vec![
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
            )],
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

    /// A plan of PLC `plant-a/name`.
    pub(crate) fn plc(
        name: &str,
        error: Option<PlcError>,
        registers: Vec<RegisterPlan>,
    ) -> PlcPlan {
        PlcPlan {
            namespace: "plant-a".into(),
            name: name.into(),
            host: "h".into(),
            port: 502,
            unit_id: 1,
            timeout_ms: 1000,
            auto_correct: true,
            write_windows: vec![],
            min_write_interval_ms: 0,
            limits: Default::default(),
            transport: Default::default(),
            error,
            registers,
        }
    }

    #[test]
    fn an_unreachable_plc_is_down_and_keeps_its_last_values_in_name_order() {
        let m = Metrics::new();
        let read = |name, v| reg(name, Action::InSync, Value::Int(v));
        let mut unread = read("speed", 0);
        unread.live = None;
        m.observe_plan(&Plan {
            plcs: vec![
                plc("press-2", None, vec![read("speed", 7), read("speed2", 8)]),
                plc("press-1", None, vec![read("speed", 3)]),
            ],
        });
        m.observe_plan(&Plan {
            // In another order than before.
            plcs: vec![plc(
                "press-2",
                Some(PlcError::Device(DeviceError::NotRead)),
                vec![read("speed2", 9), unread],
            )],
        });
        let text = m.render();
        let line = |s: &str| text.find(s).unwrap_or_else(|| panic!("no {s} in {text}"));
        let up1 = line(r#"fabctl_plc_up{namespace="plant-a",plc="press-1"} 1"#);
        let up2 = line(r#"fabctl_plc_up{namespace="plant-a",plc="press-2"} 0"#);
        let value = |plc: &str, register: &str, v: &str| {
            line(&format!(
                r#"fabctl_register_value{{namespace="plant-a",plc="{plc}",register="{register}"}} {v}"#
            ))
        };
        let v1 = value("press-1", "speed", "3.0");
        let v2 = value("press-2", "speed", "7.0");
        let v3 = value("press-2", "speed2", "9.0");
        assert!(up1 < up2 && v1 < v2 && v2 < v3, "{text}");
        assert_eq!(text.matches("fabctl_register_value{").count(), 3, "{text}");
        assert!(
            text.contains("# TYPE fabctl_register_value gauge"),
            "{text}"
        );
    }
}
