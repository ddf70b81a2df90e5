//! `fabctl reconcile --schedule`: converges a drifting plant, and a tick still running
//! when the next is due is skipped, never run twice at once.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use fabctl::register::RegisterKind::Holding;
use fabctl::sim::FaultOverrides;

use crate::support::Plant;

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: fast}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @fast\n  registers:\n    - {name: a, address: 0, value: 5}\n    - {name: b, address: 1, type: f32, value: 12.5}\n";

const SLOW: &str = "---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: slow}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @slow\n  timeoutMs: 3000\n  registers:\n    - {name: a, address: 0, value: 5}\n";

/// The fast PLC and the slow one, which answers after 1.5 s.
async fn fast_and_slow() -> Plant {
    Plant::start_with(&format!("{PLANT}{SLOW}"), |config| {
        for endpoint in &mut config.endpoints {
            for device in &mut endpoint.devices {
                if device.name == "default/slow" {
                    device.faults = FaultOverrides {
                        latency_ms: Some(1500),
                        ..Default::default()
                    };
                }
            }
        }
    })
    .await
}

/// Runs reconcile every second for `seconds`, then SIGTERM; returns its stdout lines.
async fn reconcile_for(plant: &Plant, seconds: u64, during: impl AsyncFnOnce()) -> Vec<String> {
    let mut child = crate::support::fabctl()
        .args(["reconcile", "--schedule", "* * * * * *", "-f"])
        .arg(&plant.manifest)
        .arg("--audit-log")
        .arg(plant.dir.path().join("audit.jsonl"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let started = Instant::now();
    during().await;
    let left = Duration::from_secs(seconds).saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "reconcile exits 0 on SIGTERM: {status}");
    lines.join().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_second_schedule_converges_a_drifting_plant() {
    let plant = Plant::start(PLANT).await;
    let lines = reconcile_for(&plant, 5, async || {
        for _ in 0..3 {
            plant.sim.chaos_step();
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    })
    .await;
    assert_eq!(
        plant.sim.read_words("default/fast", Holding, 0, 3),
        Some(vec![5, 0x4148, 0]),
        "{lines:#?}"
    );
    assert!(
        lines.iter().filter(|l| l.contains(" tick: ")).count() >= 3,
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| !l.contains(" 0 corrected")),
        "something was corrected: {lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_tick_is_skipped() {
    // The slow PLC answers after 1.5 s: every tick outlasts the one-second schedule.
    let plant = fast_and_slow().await;
    let lines = reconcile_for(&plant, 5, async || {}).await;
    let ticks = lines.iter().filter(|l| l.contains(" tick: ")).count();
    let skipped = lines.iter().filter(|l| l.contains("tick skipped")).count();
    assert!(ticks >= 1 && skipped >= 1, "{lines:#?}");
    // Ticks never overlap: one connection per endpoint per tick, never two at once.
    assert!(ticks + skipped >= 4, "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_tick_finish() {
    // The slow PLC answers after 1.5 s; the fast one at once. SIGTERM is sent as soon
    // as the fast PLC was read, so the first tick is still waiting for the slow one.
    let plant = fast_and_slow().await;
    let signalled = std::sync::Mutex::new(None);
    let lines = reconcile_for(&plant, 0, async || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while plant
            .sim
            .counters("default/fast")
            .is_none_or(|c| c.requests_for(3) == 0)
        {
            assert!(Instant::now() < deadline, "no tick started");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        *signalled.lock().unwrap() = Some(Instant::now());
    })
    .await;
    let waited = signalled.lock().unwrap().unwrap().elapsed();
    assert_eq!(
        lines.iter().filter(|l| l.contains(" tick: ")).count(),
        1,
        "the tick running at SIGTERM finished and reported, and no other started: {lines:#?}"
    );
    assert!(waited >= Duration::from_secs(1), "{waited:?} {lines:#?}");
}
