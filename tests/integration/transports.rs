//! Every transport end to end: plan → drift → apply → verify over RTU framing on TCP
//! (a transparent gateway) and over a serial line, against the simulator and against
//! pymodbus; several unit ids behind one endpoint; a serial line that does not exist.

use fabctl::register::RegisterKind::{Coil, Holding};
use fabctl::sim::SimTransport;

use crate::support::pymodbus::Peer;
use crate::support::{Plant, run, socat, stdout};

/// Two drives (unit ids 3 and 4) behind one endpoint; `TRANSPORT` is replaced.
const DRIVES: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: drive-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @line
  unitId: 3
  timeoutMs: 1000
TRANSPORT
  registers:
    - {name: speed, address: 10, value: 1500}
    - {name: run, address: 2, kind: coil, value: true}
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: drive-2, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @line
  unitId: 4
  timeoutMs: 1000
TRANSPORT
  registers:
    - {name: speed, address: 10, value: 900}
"#;

fn drives(transport: &str) -> String {
    DRIVES.replace("TRANSPORT", transport)
}

/// A serial line's manifest lines.
fn serial(device: &str) -> String {
    format!("  transport: rtu\n  serial: {{device: {device}, baudRate: 115200}}")
}

/// Drifts both drives in the simulator.
fn drift(plant: &Plant) {
    assert!(plant.sim.set_words("plant/drive-1", Holding, 10, &[1200]));
    assert!(plant.sim.set_words("plant/drive-1", Coil, 2, &[0]));
    assert!(plant.sim.set_words("plant/drive-2", Holding, 10, &[700]));
}

/// What the simulator now holds.
fn verify(plant: &Plant) {
    let sim = &plant.sim;
    assert_eq!(
        sim.read_words("plant/drive-1", Holding, 10, 1),
        Some(vec![1500])
    );
    assert_eq!(sim.read_words("plant/drive-1", Coil, 2, 1), Some(vec![1]));
    assert_eq!(
        sim.read_words("plant/drive-2", Holding, 10, 1),
        Some(vec![900])
    );
}

/// plan (drift: exit 2) → apply → plan (in sync: exit 0) with the manifest at `file`.
fn plan_apply_verify(file: &str, context: &dyn Fn() -> String) {
    let plan = run(&["plan", "-f", file, "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(2),
        "{}{}",
        stdout(&plan),
        context()
    );
    assert!(
        stdout(&plan).contains("Plan: 3 to change, 0 drifted, 0 in sync."),
        "{}",
        stdout(&plan)
    );
    let apply = run(&["apply", "-f", file, "--auto-approve"]);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}{}",
        stdout(&apply),
        context()
    );
    assert!(
        stdout(&apply).contains("Apply complete! 3 changed, 0 failed."),
        "{}",
        stdout(&apply)
    );
    let again = run(&["plan", "-f", file, "--detailed-exitcode"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}{}",
        stdout(&again),
        context()
    );
    assert!(
        stdout(&again).contains("3 registers in sync"),
        "{}",
        stdout(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtu_over_tcp_against_the_simulator_one_socket_for_every_unit() {
    let plant = Plant::start_with(&drives("  transport: rtu-over-tcp"), |c| {
        c.transport = SimTransport::RtuOverTcp;
    })
    .await;
    drift(&plant);
    let file = plant.path().to_owned();
    let before = plant.sim.total_connections();
    let plan = tokio::task::spawn_blocking(move || {
        let plan = run(&["plan", "-f", &file, "--detailed-exitcode"]);
        plan_apply_verify(&file, &String::new);
        plan
    })
    .await
    .unwrap();
    assert!(
        stdout(&plan).contains("# plant/drive-2 (127.0.0.1:"),
        "{}",
        stdout(&plan)
    );
    // Two plans, an apply (its plan, then its writes) and a plan: one connection each
    // for both unit ids, never one per unit.
    assert_eq!(plant.sim.total_connections() - before, 5);
    verify(&plant);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modbus_tcp_client_gets_no_answer_from_an_rtu_gateway() {
    // The framing is what the manifest says, not guessed: Modbus TCP to an RTU
    // gateway is an error, never a value.
    let plant = Plant::start_with(&drives(""), |c| c.transport = SimTransport::RtuOverTcp).await;
    let plan = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(1), "{}", stdout(&plan));
    assert!(stdout(&plan).contains("2 unreachable"), "{}", stdout(&plan));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtu_on_the_simulators_serial_line() {
    let plant = Plant::start_with(&drives(""), |c| c.transport = SimTransport::Rtu).await;
    let line = plant.sim.line_of("plant/drive-1").expect("a serial line");
    assert_eq!(
        plant.sim.line_of("plant/drive-2"),
        Some(line.clone()),
        "one line"
    );
    let manifest = drives(&serial(&line.display().to_string())).replace("@line", "502");
    std::fs::write(&plant.manifest, manifest).unwrap();
    drift(&plant);
    let file = plant.path().to_owned();
    let plan = tokio::task::spawn_blocking(move || {
        let plan = run(&["plan", "-f", &file]);
        plan_apply_verify(&file, &String::new);
        plan
    })
    .await
    .unwrap();
    assert!(
        stdout(&plan).contains(&format!("# plant/drive-2 ({} unit 4)", line.display())),
        "{}",
        stdout(&plan)
    );
    verify(&plant);
}

#[test]
fn a_serial_line_that_does_not_exist_is_that_plcs_device_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("line.yaml");
    let manifest = drives(&serial("/dev/fabctl-no-such-line")).replace("@line", "502");
    std::fs::write(&file, manifest).unwrap();
    let plan = run(&["plan", "-f", file.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(1), "{}", stdout(&plan));
    let out = stdout(&plan);
    assert!(
        out.contains("✗ unreachable: cannot connect to /dev/fabctl-no-such-line: no such serial device (is the adapter plugged in?"),
        "{out}"
    );
    assert!(out.contains("2 unreachable"), "{out}");
}

/// The drives' manifest against pymodbus: both units start at zero there.
fn peer_config(transport: serde_json::Value) -> serde_json::Value {
    let mut config = serde_json::json!({"units": [3, 4]});
    if let (Some(config), Some(extra)) = (config.as_object_mut(), transport.as_object()) {
        config.extend(extra.clone());
    }
    config
}

#[test]
fn rtu_over_tcp_against_pymodbus() {
    let Some(peer) = Peer::start(peer_config(
        serde_json::json!({"transport": "rtu-over-tcp"}),
    )) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.yaml");
    let manifest = drives("  transport: rtu-over-tcp").replace("@line", &peer.port.to_string());
    std::fs::write(&file, manifest).unwrap();
    plan_apply_verify(file.to_str().unwrap(), &|| peer.log());
}

#[test]
fn rtu_against_pymodbus_on_a_serial_line() {
    let Some(line) = socat::Line::open() else {
        return;
    };
    let [theirs, ours] = &line.ends;
    let config = serde_json::json!({
        "transport": "rtu",
        // pyserial cannot set parity on a pseudo-terminal.
        "serial": {"device": theirs, "baudRate": 19200, "parity": "none"},
    });
    let Some(peer) = Peer::start(peer_config(config)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("line.yaml");
    let serial =
        format!("  transport: rtu\n  serial: {{device: {ours}, baudRate: 19200, parity: none}}");
    std::fs::write(&file, drives(&serial).replace("@line", "502")).unwrap();
    plan_apply_verify(file.to_str().unwrap(), &|| peer.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_corrects_drift_on_a_serial_line() {
    let plant = Plant::start_with(&drives(""), |c| c.transport = SimTransport::Rtu).await;
    let line = plant.sim.line_of("plant/drive-1").expect("a serial line");
    let manifest = drives(&serial(&line.display().to_string())).replace("@line", "502");
    std::fs::write(&plant.manifest, manifest).unwrap();
    drift(&plant);
    let audit = plant.dir.path().join("audit.jsonl");
    let audit = audit.to_str().unwrap().to_owned();
    let out = plant
        .fabctl(&["reconcile", "--once", "--audit-log", &audit])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    verify(&plant);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reads_a_serial_line_and_writes_its_manifest() {
    let plant = Plant::start_with(&drives(""), |c| c.transport = SimTransport::Rtu).await;
    let line = plant.sim.line_of("plant/drive-2").expect("a serial line");
    let line = line.display().to_string();
    let out = plant.dir.path().join("imported.yaml");
    let out = out.to_str().unwrap().to_owned();
    let import = tokio::task::spawn_blocking(move || {
        let import = run(&[
            "import",
            "--transport",
            "rtu",
            "--serial-device",
            &line,
            "--baud-rate",
            "38400",
            "--parity",
            "none",
            "--stop-bits",
            "2",
            "--unit",
            "4",
            "--holding",
            "10",
            "--out",
            &out,
        ]);
        let imported = std::fs::read_to_string(&out).unwrap_or_default();
        let plan = run(&["plan", "-f", &out, "--detailed-exitcode"]);
        (import, imported, line, plan)
    });
    let (import, imported, line, plan) = import.await.unwrap();
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&import)
    );
    let expected = format!(
        "  deviceAddress: {line}\n  transport: rtu\n  serial: {{device: {line}, baudRate: 38400, parity: none, dataBits: 8, stopBits: 2}}\n  unitId: 4\n"
    );
    assert!(imported.contains(&expected), "{imported}");
    assert!(
        imported
            .contains("    - {name: hr_10, address: 10, kind: holding, mode: observe, value: 900}"),
        "{imported}"
    );
    assert!(imported.contains("  name: plc-"), "{imported}");
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
}

#[test]
fn import_refuses_serial_settings_no_line_has_before_any_traffic() {
    let out = run(&[
        "import",
        "--transport",
        "rtu",
        "--serial-device",
        "/dev/fabctl-no-such-line",
        "--baud-rate",
        "20000",
        "--holding",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        crate::support::stderr(&out).starts_with(
            "error: --baud-rate: baud rate 20000 is not a standard one; use the device's baud rate, one of 1200, 2400,"
        ),
        "{}",
        crate::support::stderr(&out)
    );
    let out = run(&["import", "--transport", "rtu", "--holding", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        crate::support::stderr(&out),
        "error: --transport rtu reads a serial line: give --serial-device PATH (and --baud-rate, --parity…) instead of --device\n"
    );
    let out = run(&["import", "--holding", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        crate::support::stderr(&out).starts_with("error: give the device: --device HOST:PORT"),
        "{}",
        crate::support::stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbled_rtu_replies_are_errors_never_values() {
    let plant = Plant::start_with(&drives("  transport: rtu-over-tcp"), |c| {
        c.transport = SimTransport::RtuOverTcp;
        c.faults.garbage_rate = 1.0;
    })
    .await;
    let plan = plant.fabctl(&["plan", "-o", "json"]).await;
    assert_eq!(plan.status.code(), Some(1), "{}", stdout(&plan));
    let out = stdout(&plan);
    assert!(!out.contains("\"type\":\"in_sync\""), "{out}");
    assert!(!out.contains("\"type\":\"planned_change\""), "{out}");
    assert!(out.contains("\"type\":\"device_error\""), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_refuses_a_broadcast_or_reserved_unit_on_rtu_before_any_traffic() {
    let plant = Plant::start_with(&drives("  transport: rtu-over-tcp"), |c| {
        c.transport = SimTransport::RtuOverTcp;
    })
    .await;
    let addr = plant.sim.addr_of("plant/drive-1").expect("an endpoint");
    let device = addr.to_string();
    let outs = tokio::task::spawn_blocking(move || {
        ["0", "248", "255"].map(|unit| {
            let args = ["import", "--transport", "rtu-over-tcp", "--device", &device];
            run(&[&args[..], &["--unit", unit, "--holding", "10"]].concat())
        })
    })
    .await
    .unwrap();
    let [zero, reserved, _] = &outs;
    for out in &outs {
        assert_eq!(out.status.code(), Some(1));
    }
    assert_eq!(
        crate::support::stderr(zero),
        "error: --unit 0 cannot be used with --transport rtu-over-tcp: unit 0 is broadcast on a serial line: every device on it would perform the writes, and none answers; use the device's own unit id, 1 to 247\n"
    );
    assert!(
        crate::support::stderr(reserved)
            .starts_with("error: --unit 248 cannot be used with --transport rtu-over-tcp: unit ids 248 to 255 are reserved"),
        "{}",
        crate::support::stderr(reserved)
    );
    assert_eq!(plant.sim.total_connections(), 0);
    assert_eq!(plant.sim.total_requests(), 0);
}

/// One drive on a serial line that answers a little later than `timeoutMs`, paced by
/// a request interval: the late answer of a read given up arrives after the line was
/// opened again, while the next request waits for its turn.
const SLOW_DRIVE: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: drive-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @line
  unitId: 3
  timeoutMs: 100
  limits: {requestIntervalMs: 400}
TRANSPORT
  registers:
    - {name: speed, address: 10, value: 1500}
    - {name: torque, address: 2000, value: 80}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_on_a_serial_line_is_never_another_registers_value() {
    let plant = Plant::start_with(&SLOW_DRIVE.replace("TRANSPORT", ""), |c| {
        c.transport = SimTransport::Rtu;
        c.faults.latency = std::time::Duration::from_millis(250);
    })
    .await;
    let line = plant.sim.line_of("plant/drive-1").expect("a serial line");
    let manifest = SLOW_DRIVE
        .replace("TRANSPORT", &serial(&line.display().to_string()))
        .replace("@line", "502");
    std::fs::write(&plant.manifest, manifest).unwrap();
    assert!(plant.sim.set_words("plant/drive-1", Holding, 10, &[1111]));
    assert!(plant.sim.set_words("plant/drive-1", Holding, 2000, &[2222]));
    let file = plant.path().to_owned();
    let plan = tokio::task::spawn_blocking(move || run(&["plan", "-f", &file, "-o", "json"]))
        .await
        .unwrap();
    let out = stdout(&plan);
    // Every read is answered too late: no value is ever assigned to a register, least
    // of all the other register's.
    assert!(!out.contains("1111") && !out.contains("2222"), "{out}");
    assert!(out.contains("no answer within 100 ms"), "{out}");
}
