//! The tug of war: `fabctl reconcile --schedule` against a device whose own program
//! rewrites a register fabctl enforces (the simulator's scenario `program`, and
//! pymodbus as an independent peer). After `--conflict-after` corrections in a row the
//! register is reported in conflict and no longer written, until it stays in sync by
//! itself or its manifest changes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fabctl::register::RegisterKind::Holding;
use fabctl::register::Value;
use fabctl::sim::ProgramStep;

use crate::support::Plant;
use crate::support::pymodbus::Peer;

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  registers:\n    - {name: speed, address: 0, value: 5}\n    - {name: mode, address: 1, value: 2}\n";

/// Every wait on the binary is bounded by this.
const WAIT: Duration = Duration::from_secs(20);

/// The press, whose program writes 7 into `speed` every 700 ms (fabctl wants 5): at
/// least once between two ticks of the one-second schedule.
async fn fighting_plant() -> Plant {
    Plant::start_with(PLANT, |config| {
        config.endpoints[0].devices[0].program = vec![ProgramStep {
            register: "speed".into(),
            value: Value::Int(7),
            every_ms: 700,
        }];
    })
    .await
}

/// `fabctl reconcile --schedule` every second, its stdout lines collected as they come.
struct Reconciler {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Reconciler {
    fn start(manifest: &Path, audit: &Path, extra: &[&str]) -> Reconciler {
        let mut child = crate::support::fabctl()
            .args(["reconcile", "--schedule", "* * * * * *", "-f"])
            .arg(manifest)
            .arg("--audit-log")
            .arg(audit)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Reconciler {
            child,
            lines,
            reader: Some(reader),
        }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until some line satisfies `pred`; returns its index.
    async fn wait_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> usize {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(i) = self.lines().iter().position(|l| pred(l)) {
                return i;
            }
            assert!(
                Instant::now() < deadline,
                "no line {what} within {WAIT:?}: {:#?}",
                self.lines()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for `n` more tick summaries than there are now.
    async fn wait_ticks(&self, n: usize) {
        let ticks = || self.lines().iter().filter(|l| is_tick(l)).count();
        let target = ticks() + n;
        let deadline = Instant::now() + WAIT;
        while ticks() < target {
            assert!(Instant::now() < deadline, "{:#?}", self.lines());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then every line printed.
    async fn stop(mut self) -> Vec<String> {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let mut child = std::mem::replace(
            &mut self.child,
            std::process::Command::new("true").spawn().unwrap(),
        );
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        assert!(status.success(), "reconcile exits 0 on SIGTERM: {status}");
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.lines()
    }
}

impl Drop for Reconciler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_tick(line: &str) -> bool {
    line.contains(" tick: ") || line.contains(r#""type":"reconcile_tick""#)
}

/// Corrections of `register` the audit log records as applied (verified by read-back).
fn applied(audit: &Path, register: &str) -> usize {
    std::fs::read_to_string(audit)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["outcome"] == "applied" && l["register"] == register)
        .count()
}

/// Modbus writes that reached the simulator's `speed` (a write the program undid
/// before its read-back is one too, but not a verified correction).
fn speed_writes(plant: &Plant) -> u64 {
    plant
        .sim
        .counters("default/press")
        .unwrap()
        .writes_to(Holding, 0)
}

const CONFLICT_LINE: &str = "  ⇄ default/press speed  holding 0  u16  7 → 5 (conflict: rewritten by another writer after 3 corrections; not written)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_rewritten_after_three_corrections_is_reported_and_no_longer_written() {
    let plant = fighting_plant().await;
    let audit = plant.dir.path().join("audit.jsonl");
    let reconciler = Reconciler::start(&plant.manifest, &audit, &[]);
    reconciler
        .wait_line("in conflict", |l| l.contains('⇄'))
        .await;
    let writes = speed_writes(&plant);
    assert!(writes >= 3, "{:#?}", reconciler.lines());
    assert_eq!(applied(&audit, "speed"), 3, "{:#?}", reconciler.lines());
    reconciler.wait_ticks(3).await;
    let lines = reconciler.stop().await;
    assert_eq!(
        speed_writes(&plant),
        writes,
        "three more ticks wrote nothing: {lines:#?}"
    );
    assert_eq!(applied(&audit, "speed"), 3);
    assert_eq!(
        plant.sim.read_words("default/press", Holding, 0, 1),
        Some(vec![7]),
        "the program's value stands"
    );
    let at = lines.iter().position(|l| l == CONFLICT_LINE);
    let at = at.unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(
        lines.iter().filter(|l| l.contains('⇄')).count(),
        1,
        "reported once, when it starts: {lines:#?}"
    );
    let after: Vec<&String> = lines[at..].iter().filter(|l| is_tick(l)).collect();
    assert!(after.len() >= 3, "{lines:#?}");
    for tick in after {
        assert!(
            tick.contains(" 0 corrected, 0 failed, 0 skipped, 0 drifted (not written), 1 in conflict (not written), 1 in sync, 0 unreachable"),
            "{tick}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_clears_when_the_register_stays_in_sync_by_itself() {
    let plant = fighting_plant().await;
    let audit = plant.dir.path().join("audit.jsonl");
    let reconciler = Reconciler::start(&plant.manifest, &audit, &[]);
    reconciler
        .wait_line("in conflict", |l| l.contains('⇄'))
        .await;
    let writes = speed_writes(&plant);
    // The other writer stops and leaves the desired value.
    assert!(plant.sim.pause_program("default/press", true));
    assert!(plant.sim.set_words("default/press", Holding, 0, &[5]));
    reconciler
        .wait_line("resolved", |l| {
            l == "  conflict resolved: default/press speed: written again from now on (it stayed in sync by itself)"
        })
        .await;
    assert_eq!(
        speed_writes(&plant),
        writes,
        "in sync by itself: not written"
    );
    // Written again: the next drift is corrected.
    assert!(plant.sim.set_words("default/press", Holding, 0, &[9]));
    let deadline = Instant::now() + WAIT;
    while speed_writes(&plant) <= writes {
        assert!(Instant::now() < deadline, "{:#?}", reconciler.lines());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    reconciler.stop().await;
    assert_eq!(
        plant.sim.read_words("default/press", Holding, 0, 1),
        Some(vec![5])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_clears_when_the_manifest_changes_and_json_reports_both() {
    let plant = fighting_plant().await;
    let audit = plant.dir.path().join("audit.jsonl");
    let reconciler = Reconciler::start(
        &plant.manifest,
        &audit,
        &["--conflict-after", "1", "-o", "json"],
    );
    let at = reconciler
        .wait_line("in conflict", |l| l.contains(r#""type":"conflict""#))
        .await;
    assert_eq!(applied(&audit, "speed"), 1, "--conflict-after 1");
    let writes = speed_writes(&plant);
    let event: serde_json::Value = serde_json::from_str(&reconciler.lines()[at]).unwrap();
    assert_eq!(event["plc"], "default/press");
    assert_eq!(event["register"], "speed");
    assert_eq!(event["kind"], "holding");
    assert_eq!(event["address"], 0);
    assert_eq!(event["value_type"], "u16");
    assert_eq!(event["live"], 7);
    assert_eq!(event["desired"], 5);
    assert_eq!(event["corrections"], 1);
    assert_eq!(
        event["message"],
        "conflict: rewritten by another writer after 1 correction; not written"
    );
    // The user changes the desired value: written again at the next tick.
    let text = std::fs::read_to_string(&plant.manifest).unwrap();
    std::fs::write(
        &plant.manifest,
        text.replace(
            "{name: speed, address: 0, value: 5}",
            "{name: speed, address: 0, value: 6}",
        ),
    )
    .unwrap();
    let resolved = reconciler
        .wait_line("resolved", |l| l.contains(r#""type":"conflict_resolved""#))
        .await;
    let event: serde_json::Value = serde_json::from_str(&reconciler.lines()[resolved]).unwrap();
    assert_eq!(
        (&event["plc"], &event["register"], &event["reason"]),
        (
            &"default/press".into(),
            &"speed".into(),
            &"manifest_changed".into()
        )
    );
    let deadline = Instant::now() + WAIT;
    while speed_writes(&plant) <= writes {
        assert!(Instant::now() < deadline, "{:#?}", reconciler.lines());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = reconciler.stop().await;
    let audited: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        audited
            .iter()
            .any(|l| l["outcome"] == "applied" && l["after"] == 6),
        "{audited:#?} {lines:#?}"
    );
    let tick = lines
        .iter()
        .find(|l| l.contains(r#""type":"reconcile_tick""#) && l.contains(r#""conflicts":1"#));
    assert!(tick.is_some(), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_after_zero_never_gives_up() {
    let plant = fighting_plant().await;
    let audit = plant.dir.path().join("audit.jsonl");
    let reconciler = Reconciler::start(&plant.manifest, &audit, &["--conflict-after", "0"]);
    let deadline = Instant::now() + WAIT;
    while speed_writes(&plant) < 5 {
        assert!(Instant::now() < deadline, "{:#?}", reconciler.lines());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = reconciler.stop().await;
    assert!(!lines.iter().any(|l| l.contains('⇄')), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pymodbus_program_register_ends_in_conflict() {
    let Some(peer) = Peer::start(serde_json::json!({
        "holding": {"10": 7},
        "program": [{"kind": "holding", "address": 10, "value": 7, "period_ms": 700}],
    })) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("pyplc.yaml");
    std::fs::write(
        &manifest,
        format!("apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: pyplc}}\nspec:\n  deviceAddress: 127.0.0.1\n  port: {}\n  registers:\n    - {{name: setpoint, address: 10, value: 5}}\n", peer.port),
    )
    .unwrap();
    let audit = dir.path().join("audit.jsonl");
    let reconciler = Reconciler::start(&manifest, &audit, &[]);
    reconciler
        .wait_line("in conflict", |l| l.contains('⇄'))
        .await;
    let attempts = || {
        std::fs::read_to_string(&audit)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let at_conflict = attempts();
    reconciler.wait_ticks(2).await;
    assert_eq!(
        attempts(),
        at_conflict,
        "nothing written after the conflict"
    );
    let lines = reconciler.stop().await;
    // Three in a row end in conflict; on a loaded machine a program scan can come
    // late, a correction then holds for a tick and the count starts over.
    assert!(
        applied(&audit, "setpoint") >= 3,
        "{lines:#?}\n{}",
        peer.log()
    );
    assert!(
        lines.iter().any(|l| l
            == "  ⇄ default/pyplc setpoint  holding 10  u16  7 → 5 (conflict: rewritten by another writer after 3 corrections; not written)"),
        "{lines:#?}"
    );
}
