//! Observability assets: metrics parse as Prometheus exposition (promtool), the
//! alert rules pass `promtool check rules` and their unit tests, and the dashboard
//! and rules only use metrics fabctl exports.

use std::process::{Command, Stdio};

use fabctl::device::memory::MemoryConnector;
use fabctl::engine::observe::ReadOptions;
use fabctl::metrics::Metrics;
use fabctl::register::RegisterKind;

/// promtool from Debian's `prometheus` package; `.ci/run` installs it. Outside CI
/// the checks are skipped with a note when it is missing.
fn promtool() -> Option<Command> {
    match Command::new("promtool").arg("--version").output() {
        Ok(o) if o.status.success() => Some(Command::new("promtool")),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install promtool (.ci/run does)"
            );
            eprintln!("promtool not installed: skipping (apt-get install prometheus)");
            None
        }
    }
}

fn check_metrics(text: &str) {
    let Some(mut cmd) = promtool() else { return };
    let mut child = cmd
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}\n---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn metrics_after_a_tick() -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press, namespace: plant-a}\nspec:\n  deviceAddress: 10.0.0.1\n  registers:\n    - {name: speed, address: 0, type: f32, value: 12.5}\n    - {name: guard, address: 0, kind: coil, value: true}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: oven, namespace: plant-a}\nspec: {deviceAddress: 10.0.0.2, targetRegister: 1, targetValue: 5}\n").unwrap();
    let plcs = fabctl::manifest::load(&[path]).unwrap();
    let mem = MemoryConnector::default();
    mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &[0, 0]);
    mem.set("10.0.0.1", 502, 1, RegisterKind::Coil, 0, &[0]);
    mem.set_unreachable("10.0.0.2", 502);
    let metrics = Metrics::new();
    // Corrected once, rewritten by another writer, then left to it (`--conflict-after 1`).
    let mut conflicts = fabctl::engine::conflict::Conflicts::new(1);
    for _ in 0..2 {
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &[0, 0]);
        fabctl::engine::reconcile::tick_with(
            &mem,
            &plcs,
            ReadOptions::default(),
            &(),
            Some(&metrics),
            Some(&mut conflicts),
        )
        .await;
    }
    metrics.render()
}

#[tokio::test]
async fn reconcile_metrics_are_valid_prometheus_exposition() {
    let text = metrics_after_a_tick().await;
    for name in [
        "fabctl_drift_events_total",
        "fabctl_corrections_total",
        "fabctl_managed_plcs",
        "fabctl_reconcile_duration_seconds_bucket",
        "fabctl_plc_up",
        "fabctl_register_value",
        "fabctl_write_conflicts",
        "fabctl_write_conflicts_started_total",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(
        text.contains(r#"fabctl_plc_up{namespace="plant-a",plc="oven"} 0"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"fabctl_write_conflicts{namespace="plant-a",plc="press",register="speed"} 1"#
        ),
        "{text}"
    );
    check_metrics(&text);
}

#[tokio::test]
async fn a_plc_no_longer_in_the_manifests_is_no_longer_exported() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = |name: &str, address: &str| {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, format!("apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: {name}, namespace: plant-a}}\nspec: {{deviceAddress: {address}, targetRegister: 1, targetValue: 5}}\n")).unwrap();
        path
    };
    let press = manifest("press", "10.0.0.1");
    let oven = manifest("oven", "10.0.0.2");
    let mem = MemoryConnector::default();
    mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 1, &[5]);
    mem.set("10.0.0.2", 502, 1, RegisterKind::Holding, 1, &[5]);
    let metrics = Metrics::new();
    let tick = |files: Vec<std::path::PathBuf>| {
        let plcs = fabctl::manifest::load(&files).unwrap();
        let (mem, metrics) = (&mem, &metrics);
        async move {
            fabctl::engine::reconcile::tick(mem, &plcs, ReadOptions::default(), &(), Some(metrics))
                .await;
        }
    };
    tick(vec![press.clone(), oven]).await;
    let both = metrics.render();
    assert!(
        both.contains(r#"fabctl_plc_up{namespace="plant-a",plc="oven"} 1"#),
        "{both}"
    );
    tick(vec![press]).await;
    let text = metrics.render();
    assert!(!text.contains(r#"plc="oven""#), "{text}");
    assert!(
        text.contains(r#"fabctl_plc_up{namespace="plant-a",plc="press"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"fabctl_register_value{namespace="plant-a",plc="press",register="target"} 5"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn simulator_metrics_are_valid_prometheus_exposition() {
    let plcs = fabctl::manifest::load(&["manifests".into()]).unwrap();
    let sim = fabctl::sim::Simulator::start(
        fabctl::sim::SimConfig::from_plcs(&plcs)
            .unwrap()
            .on_ephemeral_ports(),
    )
    .await
    .unwrap();
    let text = sim.metrics_text();
    sim.shutdown().await;
    assert!(text.contains("fabctl_sim_connections_total"));
    check_metrics(&text);
}

#[test]
fn alert_rules_pass_promtool_and_their_unit_tests() {
    for args in [
        &["check", "rules", "monitoring/alerts.yaml"][..],
        &["test", "rules", "monitoring/rules-test.yaml"][..],
    ] {
        let Some(mut cmd) = promtool() else { return };
        let out = cmd
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn dashboard_and_alerts_only_use_exported_metrics() {
    let exported = metrics_after_a_tick().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("monitoring/grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    let mut exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["expr"].as_str().unwrap().to_owned())
        })
        .collect();
    let rules: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join("monitoring/alerts.yaml")).unwrap(),
    )
    .unwrap();
    exprs.extend(
        rules["groups"][0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["expr"].as_str().unwrap().to_owned()),
    );
    assert!(exprs.len() >= 10);
    for expr in &exprs {
        for word in expr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("fabctl_"))
        {
            assert!(
                exported.contains(word),
                "{word} (in {expr:?}) is not a metric fabctl exports"
            );
        }
    }
}
