//! Chaos soak (ignored by default; about 70 s): the simulator drifts many registers
//! every 300 ms while `fabctl reconcile` runs every second for 60 s. After chaos
//! stops, every enforced register is back within two ticks; corrections add up
//! between the audit log and the metrics; no write ever left the declared bounds.
//!
//! Run: `cargo test --release --test integration -- --ignored chaos_soak --nocapture`

use std::io::{BufRead, BufReader};
use std::time::Duration;

use crate::support::Plant;
use crate::support::loopback::http_get;

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: line-a}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @a\n  registers:\n    - {name: speed, address: 0, type: f32, value: 12.5, min: 0, max: 30}\n    - {name: count, address: 2, type: u32, value: 120000, min: 1, max: 500000}\n    - {name: force, address: 4, scale: 0.1, value: 250.0, min: 0, max: 400}\n    - {name: offset, address: 5, type: i16, value: -3, min: -10, max: 10}\n    - {name: recipe, address: 6, value: 7, mode: observe}\n    - {name: guard, address: 1, kind: coil, value: true}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: line-b}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @b\n  registers:\n    - {name: tension, address: 10, type: f64, value: 35.25, min: 10, max: 60}\n    - {name: limit, address: 20, type: u64, wordOrder: little, value: 10000000000}\n    - {name: speed, address: 30, type: i32, scale: 0.01, value: 42.75, min: 0, max: 80}\n";

fn sum(text: &str, metric: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(metric))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: about 70 s; run with --ignored"]
async fn chaos_soak() {
    let plant = Plant::start(PLANT).await;
    let plcs = fabctl::manifest::load(std::slice::from_ref(&plant.manifest)).unwrap();
    let audit = plant.dir.path().join("audit.jsonl");
    let mut child = crate::support::fabctl()
        .args([
            "reconcile",
            "--schedule",
            "* * * * * *",
            "--metrics-addr",
            "127.0.0.1:0",
            "-f",
        ])
        .arg(&plant.manifest)
        .arg("--audit-log")
        .arg(&audit)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line
                .strip_prefix("metrics: http://")
                .and_then(|r| r.strip_suffix("/metrics"))
            {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("reconcile serves metrics");

    // 60 s of chaos: a drift step every 300 ms.
    let mut drifts = 0;
    for _ in 0..200 {
        drifts += plant.sim.chaos_step().len();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Chaos stopped: two ticks (plus a tick of slack for the schedule's phase).
    tokio::time::sleep(Duration::from_millis(3_000)).await;

    for plc in &plcs {
        for reg in plc.registers.iter().filter(|r| r.is_enforced()) {
            let words = plant
                .sim
                .read_words(&plc.id(), reg.kind, reg.address, reg.width())
                .unwrap();
            assert_eq!(
                words[..],
                reg.codec.encode(&reg.desired).unwrap()[..],
                "{}/{} not back in sync",
                plc.id(),
                reg.name
            );
        }
    }

    let text = http_get(&addr, "/metrics").unwrap();
    let corrections = sum(&text, "fabctl_corrections_total{");
    let drift_events = sum(&text, "fabctl_drift_events_total{");
    let applied = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"outcome\":\"applied\""))
        .count();
    assert_eq!(corrections as usize, applied, "metrics and audit log agree");
    assert!(
        drift_events >= corrections,
        "every correction follows a drift event"
    );
    assert!(corrections > 0.0);

    // No write outside the declared bounds (the simulator logs every Modbus write).
    let log = plant.sim.write_log();
    for w in &log {
        let plc = plcs.iter().find(|p| p.id() == w.device).unwrap();
        for reg in plc.registers.iter().filter(|r| r.kind == w.kind) {
            let start = usize::from(reg.address.wrapping_sub(w.address));
            if reg.address < w.address || start + usize::from(reg.width()) > w.new.len() {
                continue;
            }
            let value = reg
                .codec
                .decode(&w.new[start..start + usize::from(reg.width())])
                .unwrap();
            if value.as_f64().is_some() {
                assert!(
                    !reg.min
                        .is_some_and(|m| fabctl::register::below_min(&value, m))
                        && !reg
                            .max
                            .is_some_and(|m| fabctl::register::above_max(&value, m)),
                    "{}/{} written {value}",
                    plc.id(),
                    reg.name
                );
            }
            assert!(
                reg.is_enforced(),
                "{}/{} is not enforced but was written",
                plc.id(),
                reg.name
            );
        }
    }
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "reconcile exits 0 on SIGTERM after its tick"
    );
    println!(
        "soak: {drifts} drifts, {corrections} corrections, {drift_events} drift events, {} Modbus writes, all enforced registers back in sync",
        log.len()
    );
}
