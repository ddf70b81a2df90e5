//! Device faults, injected with the simulator: each surfaces as an error naming the
//! PLC and the cause, nothing waits longer than timeout × attempts, the other device
//! is still planned and applied, and no unverified write is reported as done.

use std::time::{Duration, Instant};

use fabctl::register::RegisterKind::Holding;
use fabctl::sim::{FaultOverrides, SimConfig};

use crate::support::{Plant, stderr, stdout};

/// `bad` is the device under test (timeout 200 ms, 3 attempts); `good` is healthy.
const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: bad}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @bad\n  timeoutMs: 200\n  registers:\n    - {name: speed, address: 10, value: 5}\n    - {name: force, address: 11, value: 6}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: good}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @good\n  registers:\n    - {name: speed, address: 10, value: 5}\n";

/// timeout × attempts plus the backoff pauses, plus a wide margin for a busy machine.
const CEILING: Duration = Duration::from_millis(3 * 200 + 150 + 2000);

fn faults_of(config: &mut SimConfig, device: &str, faults: FaultOverrides) {
    for endpoint in &mut config.endpoints {
        for d in &mut endpoint.devices {
            if d.name == device {
                d.faults = faults.clone();
            }
        }
    }
}

async fn drifted(configure: impl FnOnce(&mut SimConfig)) -> Plant {
    let plant = Plant::start_with(PLANT, configure).await;
    assert!(plant.sim.set_words("default/good", Holding, 10, &[1]));
    plant
}

/// Runs `plan`, checks the shared expectations and returns stdout.
async fn plan_fails_naming(plant: &Plant, cause: &str) -> String {
    plan_fails_with(plant, cause).await.0
}

/// [`plan_fails_naming`], returning stdout and stderr.
async fn plan_fails_with(plant: &Plant, cause: &str) -> (String, String) {
    let started = Instant::now();
    let out = plant.fabctl(&["plan", "--color", "never"]).await;
    let elapsed = started.elapsed();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("# default/bad ("), "{text}");
    assert!(text.contains(cause), "expected {cause:?} in:\n{text}");
    assert!(
        text.contains("  ~ speed  holding 10  u16  1 → 5"),
        "the good PLC is still planned:\n{text}"
    );
    assert!(elapsed < CEILING, "took {elapsed:?}");
    (text, stderr(&out))
}

const TIMEOUT_HINT: &str = "hint: default/bad (200 ms) did not answer within spec.timeoutMs; if it is slow rather than down, raise spec.timeoutMs in its manifest.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_above_the_timeout() {
    let plant = drifted(|c| {
        faults_of(
            c,
            "default/bad",
            FaultOverrides {
                latency_ms: Some(500),
                ..Default::default()
            },
        )
    })
    .await;
    let (_, err) = plan_fails_with(&plant, "✗ unreachable: no answer within 200 ms").await;
    assert_eq!(err, TIMEOUT_HINT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_accepts_connections_but_never_answers() {
    let plant = drifted(|_| {}).await;
    assert!(plant.sim.set_silent("default/bad", true));
    let (_, err) = plan_fails_with(&plant, "✗ unreachable: no answer within 200 ms").await;
    assert_eq!(err, TIMEOUT_HINT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused() {
    let plant = Plant::start(&PLANT.replace("port: @bad", "port: @closed")).await;
    assert!(plant.sim.set_words("default/good", Holding, 10, &[1]));
    let (_, err) = plan_fails_with(&plant, "✗ unreachable: cannot connect to 127.0.0.1:").await;
    assert!(
        !err.contains("timeoutMs"),
        "a refused connection is not slow: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_in_the_middle_of_a_read() {
    let plant = drifted(|c| {
        faults_of(
            c,
            "default/bad",
            FaultOverrides {
                drop_rate: Some(1.0),
                ..Default::default()
            },
        )
    })
    .await;
    plan_fails_naming(
        &plant,
        "✗ unreachable: the device closed the connection: it may accept only one client",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_exception_codes() {
    let plant = drifted(|c| {
        faults_of(
            c,
            "default/bad",
            FaultOverrides {
                exception_rate: Some(1.0),
                ..Default::default()
            },
        )
    })
    .await;
    let text = plan_fails_naming(&plant, "✗ speed  holding 10  u16  read refused: Server").await;
    assert!(
        text.contains("✗ force  holding 11  u16  read refused: Server"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_wrong_transaction_ids() {
    let plant = drifted(|c| {
        faults_of(
            c,
            "default/bad",
            FaultOverrides {
                garbage_rate: Some(1.0),
                ..Default::default()
            },
        )
    })
    .await;
    let text = plan_fails_naming(&plant, "  ✗ ").await;
    let line = text.lines().find(|l| l.contains("  ✗ ")).unwrap();
    // Garbage that parsed as a frame is an answer; what did not, a lost connection.
    assert!(
        line.starts_with("  ✗ unusable answer: malformed response")
            || line.starts_with("  ✗ unreachable: connection lost")
            || line.starts_with("  ✗ unreachable: no answer within"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_in_the_middle_of_a_write_counts_only_once_read_back() {
    let plant = Plant::start(PLANT).await;
    assert!(plant.sim.set_words("default/bad", Holding, 10, &[1]));
    assert!(plant.sim.set_words("default/good", Holding, 10, &[1]));
    let planfile = plant.dir.path().join("plan.json");
    assert_eq!(
        plant
            .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
            .await
            .status
            .code(),
        Some(0)
    );
    // The device performs the write, then the connection drops before its reply.
    assert!(plant.sim.drop_after_write("default/bad", true));
    let started = Instant::now();
    let out = plant
        .fabctl(&["apply", planfile.to_str().unwrap(), "--color", "never"])
        .await;
    assert!(started.elapsed() < CEILING, "took {:?}", started.elapsed());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "default/bad/speed: applied (1 → 5) — the device did not answer the write, the \
             read-back shows it applied"
        ),
        "{text}"
    );
    assert!(
        text.contains("default/good/speed: applied (1 → 5)"),
        "{text}"
    );
    let fc06 = plant.sim.counters("default/bad").unwrap().requests_for(6);
    assert_eq!(
        fc06, 1,
        "the write is not re-sent: the read-back showed it arrived"
    );
    // The audit log says what is known: the request was sent, the answer lost, and
    // the read-back value.
    let line = plant
        .audit_outcomes()
        .into_iter()
        .find(|l| l["plc"] == "default/bad")
        .unwrap();
    assert_eq!(
        (line["outcome"].as_str(), line["written"].as_bool()),
        (Some("applied"), Some(true))
    );
    assert_eq!(line["after"], 5, "{line}");
    assert_eq!(
        line["note"],
        "the device did not answer the write, the read-back shows it applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_read_stops_talking_to_the_device() {
    use fabctl::device::modbus::ModbusConnector;
    use fabctl::engine::observe::{ReadOptions, read_all};

    let plant = drifted(|_| {}).await;
    assert!(plant.sim.set_silent("default/bad", true));
    let fc03 = || plant.sim.counters("default/bad").unwrap().requests_for(3);
    let plcs = fabctl::manifest::load(std::slice::from_ref(&plant.manifest)).unwrap();
    // Left alone, the session would try 3 times, 200 ms each, 50 and 100 ms apart.
    let read = read_all(&ModbusConnector, &plcs, ReadOptions::default(), &());
    let cancelled = tokio::time::timeout(Duration::from_millis(100), read).await;
    assert!(
        cancelled.is_err(),
        "a silent device cannot answer within 100 ms"
    );
    assert_eq!(fc03(), 1, "the first attempt was sent");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        fc03(),
        1,
        "the session went on retrying after its read was dropped"
    );
}

/// Records each step a progress bar would take.
#[derive(Default)]
struct Steps(std::sync::Mutex<Vec<u64>>);

impl fabctl::engine::observe::Progress for Steps {
    fn advance(&self, registers: u64) {
        self.0.lock().unwrap().push(registers);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_moves_with_each_answered_read_not_only_when_a_plc_is_done() {
    // Three reads (the registers are too far apart for one), each answered after
    // 400 ms: a bar that moved only when the PLC was done would sit at 0/3 for 1.2 s.
    let template = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: slow}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @slow\n  timeoutMs: 3000\n  registers:\n    - {name: a, address: 0, value: 0}\n    - {name: b, address: 1000, value: 0}\n    - {name: c, address: 2000, value: 0}\n";
    let plant = Plant::start_with(template, |c| {
        faults_of(
            c,
            "default/slow",
            FaultOverrides {
                latency_ms: Some(400),
                ..Default::default()
            },
        )
    })
    .await;
    let plcs = fabctl::manifest::load(std::slice::from_ref(&plant.manifest)).unwrap();
    let steps = Steps::default();
    let (readings, _) = fabctl::engine::observe::read_all(
        &fabctl::device::modbus::ModbusConnector,
        &plcs,
        fabctl::engine::observe::ReadOptions::default(),
        &steps,
    )
    .await;
    assert!(readings[0].is_ok(), "{readings:?}");
    assert_eq!(*steps.0.lock().unwrap(), [1, 1, 1]);
}
