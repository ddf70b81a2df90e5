//! `fabctl plan` and `apply`: the real binary against the in-process simulator.

use fabctl::register::RegisterKind::{Coil, Holding, Input};

use crate::support::{Plant, assert_ok, stderr, stdout};

const PLANT: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: press, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @press
  timeoutMs: 500
  registers:
    - {name: speed, address: 100, type: f32, value: 12.5, tolerance: 0.05, min: 0, max: 30}
    - {name: count, address: 110, type: u32, wordOrder: little, value: 120000}
    - {name: force, address: 120, scale: 0.1, value: 250.0}
    - {name: recipe, address: 130, value: 7, mode: observe}
    - {name: guard, address: 1, kind: coil, value: true}
    - {name: temp, address: 5, kind: input, type: i16, value: 45}
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: oven, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @oven
  registers:
    - {name: setpoint, address: 10, value: 180}
"#;

/// Drifts the enforced registers of `press` and `oven`, and the observe and
/// read-only ones of `press`.
fn drift(plant: &Plant) {
    let sim = &plant.sim;
    assert!(sim.set_words("plant/press", Holding, 100, &[0x4120, 0])); // speed 10.0
    assert!(sim.set_words("plant/press", Holding, 110, &[1, 0])); // count 1
    assert!(sim.set_words("plant/press", Holding, 120, &[2000])); // force 200.0
    assert!(sim.set_words("plant/press", Holding, 130, &[8])); // recipe 8 (observe)
    assert!(sim.set_words("plant/press", Coil, 1, &[0])); // guard off
    assert!(sim.set_words("plant/press", Input, 5, &[50])); // temp 50 (read-only)
    // The oven is not served when a test makes it unreachable.
    let _ = sim.set_words("plant/oven", Holding, 10, &[170]);
}

fn summary(out: &std::process::Output) -> serde_json::Value {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "change_summary")
        .expect("a change_summary line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detailed_exitcode_is_0_in_sync_2_on_drift_1_on_error() {
    let plant = Plant::start(PLANT).await;
    let clean = plant
        .fabctl(&["plan", "--detailed-exitcode", "-o", "json"])
        .await;
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    let s = summary(&clean);
    assert_eq!(
        (
            s["to_change"].as_u64(),
            s["drifted"].as_u64(),
            s["in_sync"].as_u64(),
            s["errors"].as_u64()
        ),
        (Some(0), Some(0), Some(7), Some(0))
    );

    drift(&plant);
    let drifted = plant
        .fabctl(&["plan", "--detailed-exitcode", "-o", "json"])
        .await;
    assert_eq!(drifted.status.code(), Some(2));
    let s = summary(&drifted);
    assert_eq!(
        (
            s["to_change"].as_u64(),
            s["drifted"].as_u64(),
            s["in_sync"].as_u64(),
            s["errors"].as_u64()
        ),
        (Some(5), Some(2), Some(0), Some(0))
    );
    // Without the flag, drift is not a failure.
    assert_eq!(plant.fabctl(&["plan"]).await.status.code(), Some(0));

    plant.sim.set_silent("plant/oven", true);
    let failing = plant
        .fabctl(&["plan", "--detailed-exitcode", "-o", "json"])
        .await;
    assert_eq!(failing.status.code(), Some(1));
    assert_eq!(summary(&failing)["errors"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_corrects_enforced_registers_and_never_writes_observe_or_read_only() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_ok(&apply);
    assert!(
        stdout(&apply).ends_with("Apply complete! 5 changed, 0 failed.\n"),
        "{}",
        stdout(&apply)
    );

    // A separate Modbus client sees the corrected values.
    let addr = plant.sim.addr_of("plant/press").unwrap();
    let mut ctx = tokio_modbus::client::tcp::connect_slave(addr, tokio_modbus::Slave(1))
        .await
        .unwrap();
    use tokio_modbus::prelude::Reader;
    assert_eq!(
        ctx.read_holding_registers(100, 2).await.unwrap().unwrap(),
        [0x4148, 0]
    ); // 12.5
    assert_eq!(
        ctx.read_holding_registers(110, 2).await.unwrap().unwrap(),
        [0xD4C0, 0x0001]
    ); // 120000 CDAB
    assert_eq!(
        ctx.read_holding_registers(120, 1).await.unwrap().unwrap(),
        [2500]
    );
    assert_eq!(ctx.read_coils(1, 1).await.unwrap().unwrap(), [true]);
    assert_eq!(
        plant.sim.read_words("plant/oven", Holding, 10, 1),
        Some(vec![180])
    );

    // Observe-only and read-only registers kept their drift and were never written.
    let counters = plant.sim.counters("plant/press").unwrap();
    assert_eq!(counters.writes_to(Holding, 130), 0);
    assert_eq!(
        plant.sim.read_words("plant/press", Holding, 130, 1),
        Some(vec![8])
    );
    assert_eq!(
        plant.sim.read_words("plant/press", Input, 5, 1),
        Some(vec![50])
    );
    assert!(
        plant
            .sim
            .write_log()
            .iter()
            .all(|w| w.kind != Input && !(w.kind == Holding && w.address == 130))
    );

    // The plan after apply shows only the drift fabctl must not correct.
    let after = plant
        .fabctl(&["plan", "--detailed-exitcode", "-o", "json"])
        .await;
    let s = summary(&after);
    assert_eq!(
        (s["to_change"].as_u64(), s["drifted"].as_u64()),
        (Some(0), Some(2))
    );

    // Every write is in the audit log with its outcome.
    let audit = plant.audit_outcomes();
    assert_eq!(audit.len(), 5);
    assert!(audit.iter().all(|l| l["outcome"] == "applied"
        && l["written"] == true
        && l["plan_digest"].as_str().unwrap().starts_with("sha256:")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforced_drift_corrected_then_plan_is_clean() {
    let plant = Plant::start(PLANT).await;
    assert!(plant.sim.set_words("plant/press", Holding, 120, &[2000]));
    assert!(plant.sim.set_words("plant/oven", Holding, 10, &[170]));
    assert_eq!(
        plant
            .fabctl(&["plan", "--detailed-exitcode"])
            .await
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        plant
            .fabctl(&["apply", "--auto-approve"])
            .await
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        plant
            .fabctl(&["plan", "--detailed-exitcode"])
            .await
            .status
            .code(),
        Some(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_skips_a_register_another_client_changed() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    let planfile = plant.dir.path().join("plan.json");
    let plan = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));

    // Another client sets the force while the plan waits for review.
    let addr = plant.sim.addr_of("plant/press").unwrap();
    let mut ctx = tokio_modbus::client::tcp::connect_slave(addr, tokio_modbus::Slave(1))
        .await
        .unwrap();
    use tokio_modbus::prelude::Writer;
    ctx.write_single_register(120, 3100).await.unwrap().unwrap();

    let apply = plant.fabctl(&["apply", planfile.to_str().unwrap()]).await;
    assert_eq!(apply.status.code(), Some(1));
    let out = stdout(&apply);
    assert!(out.contains("plant/press/force: stale"), "{out}");
    assert!(
        out.ends_with("Apply failed! 4 changed, 0 failed, 1 skipped.\n"),
        "{out}"
    );
    assert!(
        stderr(&apply).contains(
            "hint: 1 register changed on the device since the plan and was not written; run `fabctl plan` to see its live value, then apply again."
        ),
        "{}",
        stderr(&apply)
    );
    assert_eq!(
        plant.sim.read_words("plant/press", Holding, 120, 1),
        Some(vec![3100])
    );
    let stale: Vec<_> = plant
        .audit_outcomes()
        .into_iter()
        .filter(|l| l["outcome"] == "stale")
        .collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (stale[0]["register"].as_str(), stale[0]["written"].as_bool()),
        (Some("force"), Some(false))
    );
}

/// A saved plan applied twice: the second time every register already holds its
/// desired value, so nothing is written and the apply succeeds, saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_applying_an_applied_plan_writes_nothing_and_succeeds() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    let planfile = plant.dir.path().join("plan.json");
    let plan = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let first = plant.fabctl(&["apply", planfile.to_str().unwrap()]).await;
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    let writes = plant.sim.write_log().len();

    let again = plant
        .fabctl(&["apply", "--color", "never", planfile.to_str().unwrap()])
        .await;
    let out = stdout(&again);
    assert_eq!(again.status.code(), Some(0), "{out}{}", stderr(&again));
    assert!(
        out.contains("plant/press/force: in_sync (already 250, not written)\n"),
        "{out}"
    );
    assert!(
        out.ends_with("Apply complete! 0 changed, 0 failed, 5 already in sync.\n"),
        "{out}"
    );
    assert_eq!(plant.sim.write_log().len(), writes, "nothing was written");

    let json = plant
        .fabctl(&["apply", "-o", "json", planfile.to_str().unwrap()])
        .await;
    assert_eq!(json.status.code(), Some(0), "{}", stdout(&json));
    let events: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let force = events
        .iter()
        .find(|e| e["type"] == "apply_complete" && e["register"] == "force")
        .expect("an apply_complete event for force");
    assert_eq!(force["outcome"], "in_sync");
    assert_eq!(force["after"], serde_json::Value::Null);
    let summary = events.last().unwrap();
    assert_eq!(
        (&summary["type"], &summary["changed"], &summary["in_sync"]),
        (&"apply_summary".into(), &0.into(), &5.into())
    );
    let audited: Vec<_> = plant
        .audit_outcomes()
        .into_iter()
        .filter(|l| l["register"] == "force")
        .map(|l| (l["outcome"].clone(), l["written"].clone()))
        .collect();
    assert_eq!(
        audited,
        [
            ("applied".into(), true.into()),
            ("in_sync".into(), false.into()),
            ("in_sync".into(), false.into())
        ]
    );
}

/// `127.1` is no spelling validation treats as an alias, but the system resolver maps
/// it to 127.0.0.1 (without DNS): the run resolves host names before contacting any
/// device and refuses two PLCs that claim one register of one device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_plcs_claiming_one_register_of_one_resolved_device_are_refused_before_any_traffic() {
    let plant = Plant::start(PLANT).await;
    let port = plant.sim.addr_of("plant/oven").unwrap().port();
    let other = plant.dir.path().join("oven-by-name.yaml");
    std::fs::write(
        &other,
        format!(
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: oven-by-name, namespace: plant}}\nspec:\n  deviceAddress: \"127.1\"\n  port: {port}\n  registers:\n    - {{name: setpoint, address: 10, value: 170}}\n"
        ),
    )
    .unwrap();
    let other = other.to_str().unwrap();
    let validate = plant.fabctl(&["validate", "-f", other]).await;
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));

    for command in [&["plan"][..], &["apply", "--auto-approve"]] {
        let args: Vec<&str> = command.iter().copied().chain(["-f", other]).collect();
        let out = plant.fabctl(&args).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{}{err}", stdout(&out));
        assert!(
            err.contains(&format!(
                "error: register `setpoint` (holding 10) overlaps register `setpoint` of plant/oven-by-name (holding 10)\n  help: `setpoint` is declared at {other}:8:7; 127.0.0.1:{port} and 127.1:{port} are one device; give each register its own addresses\n"
            )),
            "{err}"
        );
        assert!(
            err.contains("1 problem found in the manifests; nothing was sent to any device"),
            "{err}"
        );
    }
    assert_eq!(plant.sim.total_requests(), 0);
    assert_eq!(plant.sim.total_connections(), 0);
}

/// A plan warns about an address in Modicon notation (stderr, or a JSON diagnostic
/// line) and its exit code stays what the registers say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_warns_about_modicon_addresses_without_changing_its_exit_code() {
    let plant = Plant::start(
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: drive}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @drive\n  registers:\n    - {name: speed, address: 40101, value: 1500}\n",
    )
    .await;
    let out = plant
        .fabctl(&["plan", "--detailed-exitcode", "--color", "never"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next(),
        Some(
            format!(
                "{}:8:30: warning: register `speed`: address 40101 looks like a Modicon reference (4xxxx); did you mean address 100?",
                plant.path()
            )
            .as_str()
        )
    );
    assert!(
        stdout(&out).ends_with("No changes. Your PLCs match the manifests (1 register in sync).\n"),
        "{}",
        stdout(&out)
    );

    let json = plant.fabctl(&["plan", "-o", "json"]).await;
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&json).lines().next().unwrap()).unwrap();
    assert_eq!(
        (&first["type"], &first["severity"], &first["line"]),
        (&"diagnostic".into(), &"warning".into(), &8.into())
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .ends_with("did you mean address 100?")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unreachable_device_does_not_stop_the_others() {
    let template = PLANT.replace("port: @oven", "port: @closed\n  timeoutMs: 200");
    let plant = Plant::start(&template).await;
    drift(&plant);
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    assert_eq!(plan.status.code(), Some(1));
    let out = stdout(&plan);
    assert!(out.contains("# plant/oven"), "{out}");
    assert!(
        out.contains("✗ unreachable: cannot connect to 127.0.0.1:"),
        "{out}"
    );
    assert!(
        out.ends_with("Plan: 4 to change, 2 drifted, 0 in sync, 1 unreachable.\n"),
        "{out}"
    );

    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(1));
    assert!(
        stdout(&apply).ends_with(
            "Apply failed! 4 changed, 0 failed, 0 skipped, 1 PLC could not be planned.\n"
        ),
        "{}",
        stdout(&apply)
    );
    assert_eq!(
        plant.sim.read_words("plant/press", Holding, 120, 1),
        Some(vec![2500])
    );
    assert!(
        stderr(&apply).contains(
            "error: not everything could be planned: 1 PLC not read, 0 unreadable registers; those were not applied"
        ),
        "{}",
        stderr(&apply)
    );

    // Nothing left to change on the reachable PLC: still not "complete".
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(1));
    assert!(
        stdout(&apply).ends_with(
            "Apply failed! 0 changed, 0 failed, 0 skipped, 1 PLC could not be planned.\n"
        ),
        "{}",
        stdout(&apply)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tty_or_approval_nothing_is_written() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    let before = plant.sim.total_requests();
    let apply = plant.fabctl(&["apply"]).await;
    assert_eq!(apply.status.code(), Some(1));
    assert_eq!(
        stderr(&apply),
        "error: cannot ask for approval: standard input is not a terminal; pass --auto-approve, or save a plan with `fabctl plan --out FILE` and run `fabctl apply FILE`\n"
    );
    assert_eq!(plant.sim.total_requests(), before, "no request may be sent");
}

/// Answers the prompt on a real terminal (util-linux `script` provides the pty).
async fn apply_answering(plant: &Plant, answer: &str) -> std::process::Output {
    let command = format!(
        "{} apply --color never -f {} --audit-log {}",
        env!("CARGO_BIN_EXE_fabctl"),
        plant.path(),
        plant.dir.path().join("audit.jsonl").display()
    );
    let answer = answer.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("util-linux script");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_yes_at_the_prompt_writes() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    for answer in ["no\n", "y\n", "YES\n"] {
        let out = apply_answering(&plant, answer).await;
        assert!(
            stdout(&out).contains("Only 'yes' will be accepted to approve."),
            "{}",
            stdout(&out)
        );
        assert!(
            stdout(&out).contains("Apply cancelled."),
            "{}",
            stdout(&out)
        );
        assert!(plant.sim.write_log().is_empty(), "answer {answer:?} wrote");
    }
    let out = apply_answering(&plant, "yes\n").await;
    assert!(
        stdout(&out).contains("Apply complete! 5 changed, 0 failed."),
        "{}",
        stdout(&out)
    );
    assert!(!plant.sim.write_log().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_contiguous_registers_are_read_with_one_request() {
    let registers: String = (0..100)
        .map(|i| format!("    - {{name: r{i}, address: {}, value: {i}}}\n", 1000 + i))
        .collect();
    let template = format!(
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: big}}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @big\n  registers:\n{registers}"
    );
    let plant = Plant::start(&template).await;
    let plan = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let counters = plant.sim.counters("default/big").unwrap();
    assert_eq!(counters.requests_for(3), 1);
    assert_eq!(counters.total_requests(), 1);
    assert_eq!(plant.sim.total_connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_human_plan_whole_output() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    let out = plant.fabctl(&["plan", "--color", "never"]).await;
    let press = plant.sim.addr_of("plant/press").unwrap();
    let oven = plant.sim.addr_of("plant/oven").unwrap();
    assert_eq!(
        stdout(&out),
        format!(
            "# plant/press ({press} unit 1)\n\
             \x20 ~ speed   holding 100  f32   10 → 12.5\n\
             \x20 ~ count   holding 110  u32   1 → 120000\n\
             \x20 ~ force   holding 120  u16   200 → 250\n\
             \x20 ! recipe  holding 130  u16   8 → 7 (observe only)\n\
             \x20 ~ guard   coil 1       bool  false → true\n\
             \x20 ! temp    input 5      i16   50 → 45 (read-only)\n\
             \n\
             # plant/oven ({oven} unit 1)\n\
             \x20 ~ setpoint  holding 10  u16  170 → 180\n\
             \n\
             Plan: 5 to change, 2 drifted, 0 in sync.\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_refusing_writes_mid_apply_is_reported_per_register_and_audited() {
    let plant = Plant::start(PLANT).await;
    drift(&plant);
    let planfile = plant.dir.path().join("plan.json");
    let plan = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    // Between plan and apply the press starts refusing writes (its reads still work).
    assert!(plant.sim.refuse_writes("plant/press", true));

    let apply = plant
        .fabctl(&["apply", planfile.to_str().unwrap(), "--color", "never"])
        .await;
    assert_eq!(apply.status.code(), Some(1));
    let out = stdout(&apply);
    for register in ["speed", "count", "force", "guard"] {
        assert!(
            out.contains(&format!("plant/press/{register}: failed — write refused: ServerDeviceFailure (exception 0x04)")),
            "{register}: {out}"
        );
    }
    assert!(
        out.contains("plant/oven/setpoint: applied (170 → 180)"),
        "{out}"
    );
    assert!(
        out.ends_with("Apply failed! 1 changed, 4 failed, 0 skipped.\n"),
        "{out}"
    );
    assert_eq!(
        plant.sim.read_words("plant/press", Holding, 120, 1),
        Some(vec![2000])
    );

    let audit = plant.audit_outcomes();
    assert_eq!(audit.len(), 5, "every attempted write is in the audit log");
    let failed: Vec<_> = audit.iter().filter(|l| l["plc"] == "plant/press").collect();
    assert_eq!(failed.len(), 4);
    for line in failed {
        assert_eq!(line["outcome"], "failed");
        assert_eq!(line["written"], true, "the write request was sent");
        assert_eq!(
            line["error"],
            "write refused: ServerDeviceFailure (exception 0x04)"
        );
        assert!(
            line["after"].is_number() || line["after"].is_boolean(),
            "the read-back value is recorded: {line}"
        );
    }
}
