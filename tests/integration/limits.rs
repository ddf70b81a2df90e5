//! Devices that accept less than the protocol allows, played by the simulator: a
//! meter reading at most 64 registers per request (learned by halving, logged once),
//! a device writing at most 32 per FC16 (`maxWriteRegisters`), devices refusing reads
//! that span an unmapped gap with IllegalDataValue or ServerDeviceFailure (retried
//! without the gap), and `maxGap: 0` (no undeclared address is ever read).

use fabctl::register::RegisterKind::Holding;
use fabctl::sim::{DeviceLimits, SimConfig, UndeclaredRead};

use crate::support::{Plant, stderr, stdout};

const DEVICE: &str = "default/meter";

/// One PLC `meter` with `registers` (YAML list entries) and `spec` lines before them.
fn meter(spec: &str, registers: &str) -> String {
    format!(
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: meter}}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @meter\n{spec}  registers:\n{registers}"
    )
}

/// `count` contiguous u16 holding registers from 0, register i holding `i + 1`.
fn block(count: u16) -> String {
    (0..count)
        .map(|i| format!("    - {{name: r{i}, address: {i}, value: {}}}\n", i + 1))
        .collect()
}

async fn limited(template: &str, limits: DeviceLimits) -> Plant {
    Plant::start_with(template, |c: &mut SimConfig| {
        assert!(c.set_limits(DEVICE, limits));
    })
    .await
}

fn fc(plant: &Plant, function: u8) -> u64 {
    plant.sim.counters(DEVICE).unwrap().requests_for(function)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meter_reading_64_registers_per_request_is_learned_and_logged_once() {
    let plant = limited(
        &meter("", &block(100)),
        DeviceLimits {
            max_read_registers: 64,
            ..DeviceLimits::default()
        },
    )
    .await;
    // Register 99 drifted: the plan reads all 100, apply re-reads and writes it.
    assert!(plant.sim.set_words(DEVICE, Holding, 99, &[7]));
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--color", "never"])
        .await;
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    assert!(
        text.ends_with("Apply complete! 1 changed, 0 failed.\n"),
        "{text}"
    );
    assert!(!text.contains("refused"), "{text}");
    let line = "127.0.0.1:";
    let warning = "unit 1: reads of 100 registers refused (IllegalDataValue); reading at most 50 per request from now on — set spec.limits.maxReadRegisters: 50 to skip this";
    assert_eq!(
        err.matches(warning).count(),
        1,
        "the fallback is logged once: {err}"
    );
    assert!(err.contains(line) && err.contains("WARN"), "{err}");
    assert_eq!(
        plant.sim.read_words(DEVICE, Holding, 99, 1),
        Some(vec![100])
    );
    // Plan: one refused read of 100, then 50 + 50. Compare-and-set and read-back of
    // one register each.
    assert_eq!(fc(&plant, 3), 3 + 2, "FC03 requests");

    // The setting the warning names avoids the fallback: no refused read, no warning.
    let configured = limited(
        &meter("  limits: {maxReadRegisters: 50}\n", &block(100)),
        DeviceLimits {
            max_read_registers: 64,
            ..DeviceLimits::default()
        },
    )
    .await;
    let out = configured.fabctl(&["plan", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("refused"), "{}", stderr(&out));
    for l in stdout(&out).lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
    }
    assert_eq!(fc(&configured, 3), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_split_at_max_write_registers() {
    let template = meter("  limits: {maxWriteRegisters: 32}\n", &block(100));
    let limits = DeviceLimits {
        max_write_registers: 32,
        ..DeviceLimits::default()
    };
    let plant = limited(&template, limits).await;
    assert!(plant.sim.set_words(DEVICE, Holding, 0, &[0; 100]));
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--color", "never"])
        .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.ends_with("Apply complete! 100 changed, 0 failed.\n"),
        "{text}"
    );
    assert_eq!(fc(&plant, 16), 4, "32 + 32 + 32 + 4 registers");
    let expected: Vec<u16> = (1..=100).collect();
    assert_eq!(
        plant.sim.read_words(DEVICE, Holding, 0, 100),
        Some(expected)
    );

    // Without the setting, the one FC16 of 100 registers is refused.
    let unset = limited(&meter("", &block(100)), limits).await;
    assert!(unset.sim.set_words(DEVICE, Holding, 0, &[0; 100]));
    let out = unset
        .fabctl(&["apply", "--auto-approve", "--color", "never"])
        .await;
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("IllegalDataValue"),
        "{}",
        stdout(&out)
    );
}

/// Registers at 0-1 and 5-6: reads bridge the gap 2-4 unless told not to.
const GAPPED: &str = "    - {name: a, address: 0, value: 1}\n    - {name: b, address: 1, value: 2}\n    - {name: c, address: 5, value: 3}\n    - {name: d, address: 6, value: 4}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_refused_across_a_gap_is_read_again_without_it() {
    for (answer, name) in [
        (UndeclaredRead::IllegalDataValue, "IllegalDataValue"),
        (UndeclaredRead::ServerDeviceFailure, "ServerDeviceFailure"),
    ] {
        let plant = limited(
            &meter("", GAPPED),
            DeviceLimits {
                undeclared_read: answer,
                ..DeviceLimits::default()
            },
        )
        .await;
        let out = plant.fabctl(&["plan", "--color", "never"]).await;
        let (text, err) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{name}: {text}{err}");
        assert!(
            !text.contains("refused"),
            "{name}: no register lost: {text}"
        );
        let warning = format!(
            "unit 1: a read of 7 addresses spanning undeclared ones refused ({name}); reading only declared addresses from now on — set spec.limits.maxGap: 0 to skip this"
        );
        assert_eq!(err.matches(&warning).count(), 1, "{name}: {err}");
        assert_eq!(
            fc(&plant, 3),
            3,
            "{name}: the refused read, then 0-1 and 5-6"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_gap_0_never_reads_an_undeclared_address() {
    let bridged = Plant::start(&meter("", GAPPED)).await;
    let out = bridged.fabctl(&["plan"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let counters = bridged.sim.counters(DEVICE).unwrap();
    assert_eq!(counters.undeclared_reads, 1, "the default bridges the gap");

    let plant = Plant::start(&meter("  limits: {maxGap: 0}\n", GAPPED)).await;
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--color", "never"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("maxGap"), "{}", stderr(&out));
    assert!(plant.sim.set_words(DEVICE, Holding, 0, &[9]));
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--color", "never"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let counters = plant.sim.counters(DEVICE).unwrap();
    assert_eq!(counters.undeclared_reads, 0);
    // Two plans of 0-1 and 5-6, then the compare-and-set and read-back of `a`.
    assert_eq!(counters.requests_for(3), 2 + 2 + 1 + 1);
}

/// Runs `fabctl import` of holding 0-99 from the meter with `flags`; the manifest.
async fn import(plant: &Plant, flags: &[&str]) -> (String, String) {
    import_with(plant, &[&["--holding", "0-99"], flags].concat()).await
}

/// Runs `fabctl import` from the meter with `args`; the manifest and stderr.
async fn import_with(plant: &Plant, args: &[&str]) -> (String, String) {
    let addr = plant.sim.addr_of(DEVICE).unwrap();
    let out_file = plant.dir.path().join("imported.yaml");
    let mut cmd = crate::support::fabctl();
    cmd.args(["import", "--device", &addr.to_string()])
        .args(args)
        .arg("--out")
        .arg(&out_file);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(&out_file).unwrap();
    // The manifest is valid and plans clean against the same device.
    let check = crate::support::run(&["validate", "-f", out_file.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}{manifest}", stderr(&check));
    let plan = crate::support::run(&["plan", "-f", out_file.to_str().unwrap(), "--color", "never"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
    assert!(!stderr(&plan).contains("refused"), "{}", stderr(&plan));
    (manifest, stderr(&out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_from_a_limited_device_learns_or_is_told_its_limit() {
    let limits = DeviceLimits {
        max_read_registers: 64,
        ..DeviceLimits::default()
    };
    let plant = limited(&meter("", &block(100)), limits).await;
    let (manifest, err) = import(&plant, &[]).await;
    assert!(
        manifest.contains("  limits: {maxReadRegisters: 50}\n"),
        "{manifest}"
    );
    assert_eq!(
        manifest.matches(", mode: observe, value: ").count(),
        100,
        "{manifest}"
    );
    assert!(
        manifest.contains("{name: hr_99, address: 99, kind: holding, mode: observe, value: 100}"),
        "{manifest}"
    );
    assert!(
        err.contains("set spec.limits.maxReadRegisters: 50 to skip this"),
        "{err}"
    );
    let learned = fc(&plant, 3);

    let (manifest, err) = import(&plant, &["--max-read-registers", "64"]).await;
    assert!(
        manifest.contains("  limits: {maxReadRegisters: 64}\n"),
        "{manifest}"
    );
    assert!(!err.contains("refused"), "{err}");
    assert_eq!(
        manifest.matches(", mode: observe, value: ").count(),
        100,
        "{manifest}"
    );
    // Import 64 + 36, then plan 64 + 36: nothing refused.
    assert_eq!(fc(&plant, 3) - learned, 4);
}

/// The size learned is one the device answered: halving ten words of u32 values tries
/// 5, which splits a value, so reads of 4 are what the device answered, and what the
/// warning and the manifest's `limits:` say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_writes_the_largest_read_the_device_answered() {
    let limits = DeviceLimits {
        max_read_registers: 8,
        ..DeviceLimits::default()
    };
    let plant = limited(&meter("", &block(10)), limits).await;
    let (manifest, err) = import_with(&plant, &["--holding", "0-9", "--type", "u32"]).await;
    assert!(
        manifest.contains("  limits: {maxReadRegisters: 4}\n"),
        "{manifest}"
    );
    assert_eq!(manifest.matches("type: u32").count(), 5, "{manifest}");
    assert!(
        err.contains("unit 1: reads of 10 registers refused (IllegalDataValue); reading at most 4 per request from now on — set spec.limits.maxReadRegisters: 4 to skip this"),
        "{err}"
    );
}

/// pymodbus as an independent peer: its sparse holding table answers a read across
/// the unmapped gap with IllegalDataAddress (the standard answer: told at `-v`, not
/// a warning); every register is still read, and `maxGap: 0` skips the refused read.
#[test]
fn a_gap_pymodbus_refuses_is_read_around() {
    let holding = serde_json::json!({"0": 1, "1": 2, "5": 3, "6": 4});
    let Some(peer) = crate::support::pymodbus::Peer::start(
        serde_json::json!({"holding": holding, "sparse": true}),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (spec, told_at_v) in [("", true), ("  limits: {maxGap: 0}\n", false)] {
        let text = meter(spec, GAPPED).replace("@meter", &peer.port.to_string());
        let path = dir.path().join("meter.yaml");
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let quiet = crate::support::run(&["plan", "-f", path, "--color", "never"]);
        assert!(!stderr(&quiet).contains("refused"), "{}", stderr(&quiet));
        let out = crate::support::run(&["plan", "-f", path, "--color", "never", "-v"]);
        let (text, err) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{text}{err}{}", peer.log());
        assert!(text.contains("(4 registers in sync)"), "{text}");
        let told = err.lines().any(|l| {
            l.contains(" INFO ") && l.ends_with("unit 1: a read of 7 addresses spanning undeclared ones refused (IllegalDataAddress); reading only declared addresses from now on — set spec.limits.maxGap: 0 to skip this")
        });
        assert_eq!(told, told_at_v, "{err}");
    }
}

#[test]
fn limits_a_register_cannot_fit_are_refused_at_the_line_of_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meter.yaml");
    let text = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: meter}\nspec:\n  deviceAddress: 127.0.0.1\n  limits:\n    maxReadRegisters: 2\n    maxWriteRegisters: 1\n    writeFunction: single\n    maxGap: 200\n  registers:\n    - {name: energy, address: 0, type: u64, value: 1}\n    - {name: setpoint, address: 10, type: f32, value: 1.5}\n";
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();
    let out = crate::support::run(&["validate", "-f", file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{file}:10:13: error: `spec.limits.maxGap` must be between 0 and 125, got 200\nInvalid: 1 problem found; nothing was sent to any device.\n"
        )
    );
    std::fs::write(&path, text.replace("    maxGap: 200\n", "")).unwrap();
    let out = crate::support::run(&["validate", "-f", file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{file}:7:23: error: register `energy` is 4 registers wide, more than `maxReadRegisters: 2`: a value is never split across reads\n  help: set maxReadRegisters to at least 4\n\
             {file}:8:24: error: register `energy` is 4 registers wide, more than `maxWriteRegisters: 1`: a value is never split across writes\n  help: set maxWriteRegisters to at least 4, or `mode: observe` on `energy`\n\
             {file}:11:7: error: register `energy`: a u64 takes 4 registers, which only one FC16 request writes, and `spec.limits.writeFunction: single` allows FC06 only\n  help: set `mode: observe` on the register, or writeFunction: auto if the device has FC16\n\
             {file}:12:7: error: register `setpoint`: a f32 takes 2 registers, which only one FC16 request writes, and `spec.limits.writeFunction: single` allows FC06 only\n  help: set `mode: observe` on the register, or writeFunction: auto if the device has FC16\n\
             Invalid: 4 problems found; nothing was sent to any device.\n"
        )
    );
    // Observed registers are never written: only the read limit applies.
    let observed = text
        .replace("    maxGap: 200\n", "")
        .replace("    maxReadRegisters: 2\n", "")
        .replace(
            "type: u64, value: 1}",
            "type: u64, mode: observe, value: 1}",
        )
        .replace(
            "type: f32, value: 1.5}",
            "type: f32, mode: observe, value: 1.5}",
        );
    std::fs::write(&path, observed).unwrap();
    let out = crate::support::run(&["validate", "-f", file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
