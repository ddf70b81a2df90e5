//! Change management: the audit log records the intent before every write request
//! (a kill leaves no unrecorded write; a log that cannot be written means no write).

use std::time::{Duration, Instant};

use fabctl::register::RegisterKind::Holding;
use fabctl::sim::FaultOverrides;

use crate::support::{Plant, fabctl, stderr, stdout};

/// Ten registers far enough apart that each is its own read and its own write.
fn ten_registers() -> String {
    let mut text = String::from(
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press, namespace: plant}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  timeoutMs: 2000\n  registers:\n",
    );
    for i in 0..10 {
        text.push_str(&format!(
            "    - {{name: r{i}, address: {}, value: {}, min: 0, max: 100}}\n",
            i * 20,
            i + 1
        ));
    }
    text
}

/// The plant with every register at 0 (each one to change).
async fn drifted(latency_ms: Option<u64>) -> Plant {
    let plant = Plant::start_with(&ten_registers(), |c| {
        for endpoint in &mut c.endpoints {
            for d in &mut endpoint.devices {
                d.faults = FaultOverrides {
                    latency_ms,
                    ..Default::default()
                };
            }
        }
    })
    .await;
    for i in 0..10 {
        assert!(plant.sim.set_words("plant/press", Holding, i * 20, &[0]));
    }
    plant
}

fn live(plant: &Plant) -> Vec<u16> {
    (0..10)
        .map(|i| {
            plant
                .sim
                .read_words("plant/press", Holding, i * 20, 1)
                .unwrap()[0]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_mid_apply_leaves_an_intent_line_for_every_register_written() {
    let plant = drifted(Some(60)).await;
    let audit = plant.dir.path().join("audit.jsonl");
    let mut child = fabctl()
        .args(["apply", "--auto-approve", "-f", plant.path(), "--audit-log"])
        .arg(&audit)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as the device has seen a write, while the others are on their way.
    let started = Instant::now();
    while plant.sim.write_log().len() < 3 {
        assert!(started.elapsed() < Duration::from_secs(20), "no write came");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let written = plant.sim.write_log();
    assert!(written.len() < 10, "killed mid-apply: {written:?}");

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let intents: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["event"] == "intent").collect();
    for w in &written {
        let intent = intents
            .iter()
            .find(|l| l["address"] == w.address)
            .unwrap_or_else(|| panic!("no intent line for the write at {}", w.address));
        assert_eq!(intent["plc"], "plant/press");
        assert_eq!(intent["before"], 0);
        assert_eq!(intent["desired"], w.new[0]);
        assert_eq!(intent["run_id"], intents[0]["run_id"]);
    }
    // Every register changed on the device has its intent, and the run wrote no outcome.
    for (i, value) in live(&plant).into_iter().enumerate() {
        if value != 0 {
            assert!(intents.iter().any(|l| l["register"] == format!("r{i}")));
        }
    }
    assert!(lines.iter().all(|l| l["event"] == "intent"), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_audit_log_means_no_write() {
    let plant = drifted(None).await;
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--audit-log", "/dev/full"])
        .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(
            "plant/press/r0: failed — not written: the audit log cannot record the intent to write: No space left on device (os error 28)"
        ),
        "{text}"
    );
    assert!(
        text.ends_with(
            "Apply failed! 0 changed, 10 failed, 0 skipped, the audit log could not be written.\n"
        ),
        "{text}"
    );
    assert!(
        stderr(&out).contains("error: the audit log /dev/full could not be written: No space left on device (os error 28)"),
        "{}",
        stderr(&out)
    );
    assert!(plant.sim.write_log().is_empty());
    assert_eq!(
        live(&plant),
        [0; 10],
        "an independent read: nothing written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_log_that_cannot_be_opened_means_no_write() {
    let plant = drifted(None).await;
    let dir = plant.dir.path().join("a-directory");
    std::fs::create_dir(&dir).unwrap();
    let out = plant
        .fabctl(&[
            "apply",
            "--auto-approve",
            "--audit-log",
            dir.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "error: cannot open the audit log {}: Is a directory (os error 21); nothing was written",
            dir.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(plant.sim.write_log().is_empty());
    assert_eq!(live(&plant), [0; 10]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_write_has_an_intent_then_an_outcome_naming_the_real_account() {
    let plant = drifted(None).await;
    // `$USER` is a hint anyone can set: the line names the uid's account.
    let out = fabctl()
        .args(["apply", "--auto-approve", "-f", plant.path()])
        .env("FABCTL_AUDIT_LOG", plant.dir.path().join("audit.jsonl"))
        .env("USER", "mallory")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = plant.audit_lines();
    assert_eq!(lines.len(), 20);
    let (intents, outcomes) = lines.split_at(10);
    assert!(intents.iter().all(|l| l["event"] == "intent"));
    assert!(
        outcomes
            .iter()
            .all(|l| l["event"] == "outcome" && l["outcome"] == "applied")
    );
    let uid = rustix::process::getuid().as_raw();
    assert!(lines.iter().all(|l| {
        l["uid"] == uid
            && l["run_id"] == lines[0]["run_id"]
            && l["user"] != "mallory"
            && l["env_user"] == "mallory"
            && l["manifests_digest"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
    }));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(plant.dir.path().join("audit.jsonl"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

const TWO_DEVICES: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press, namespace: plant}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  registers:\n    - {name: speed, address: 10, value: 5, min: 0, max: 10}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: oven, namespace: plant}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @oven\n  registers:\n    - {name: speed, address: 10, value: 5}\n";

/// Rewrites a saved plan as an attacker would: edit, then recompute the digest.
fn tamper(text: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    use sha2::Digest;
    let mut file: serde_json::Value = serde_json::from_str(text).unwrap();
    edit(&mut file["plan"]);
    let hash = sha2::Sha256::digest(serde_json::to_vec(&file["plan"]).unwrap());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    file["digest"] = format!("sha256:{hex}").into();
    serde_json::to_string_pretty(&file).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_plan_with_its_digest_recomputed_is_refused_without_traffic() {
    let plant = Plant::start(TWO_DEVICES).await;
    assert!(plant.sim.set_words("plant/press", Holding, 10, &[1]));
    let oven_port = plant.sim.addr_of("plant/oven").unwrap().port();
    let planfile = plant.dir.path().join("plan.json");
    let out = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&planfile).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["format_version"], 2);
    assert_eq!(saved["manifests"]["paths"][0], plant.path());
    assert!(
        saved["manifests"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let requests = plant.sim.total_requests();

    let press = |plan: &mut serde_json::Value| -> serde_json::Value { plan["plcs"][0].take() };
    let variants: Vec<(&str, String, String)> = vec![
        (
            "above the manifest's max",
            tamper(&text, |plan| {
                let mut p = press(plan);
                p["registers"][0]["desired"] = 400.into();
                p["registers"][0]["desired_words"] = serde_json::json!([400]);
                p["registers"][0]["max"] = 1000.0.into();
                plan["plcs"][0] = p;
            }),
            "  - plant/press/speed: desired is 400 in the plan, 5 in the manifests".into(),
        ),
        (
            "an undeclared register",
            tamper(&text, |plan| {
                let mut p = press(plan);
                let mut ghost = p["registers"][0].clone();
                ghost["name"] = "ghost".into();
                ghost["address"] = 50.into();
                p["registers"].as_array_mut().unwrap().push(ghost);
                plan["plcs"][0] = p;
            }),
            "  - plant/press/ghost: no manifest declares this register".into(),
        ),
        (
            "another device's port",
            tamper(&text, |plan| {
                let mut p = press(plan);
                p["port"] = oven_port.into();
                plan["plcs"][0] = p;
            }),
            format!(
                "  - plant/press: port is {oven_port} in the plan, {} in the manifests",
                plant.sim.addr_of("plant/press").unwrap().port()
            ),
        ),
    ];
    for (name, content, expected) in variants {
        let path = plant.dir.path().join("tampered.json");
        std::fs::write(&path, content).unwrap();
        // Without -f: the plan names its manifests.
        let out = fabctl()
            .args(["apply", path.to_str().unwrap()])
            .env("FABCTL_AUDIT_LOG", plant.dir.path().join("audit.jsonl"))
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(&format!(
                "error: {} does not match its manifests ({}); nothing was written:\n",
                path.display(),
                plant.path()
            )),
            "{name}: {err}"
        );
        assert!(err.contains(&format!("{expected}\n")), "{name}: {err}");
        assert!(
            err.contains("plan again with `fabctl plan --out FILE`, or have the plan signed"),
            "{name}: {err}"
        );
        assert_eq!(plant.sim.total_requests(), requests, "{name}: no traffic");
    }
    assert!(plant.sim.write_log().is_empty());

    // The manifests edited after the plan: the plan no longer says what they declare.
    let manifest = std::fs::read_to_string(&plant.manifest).unwrap();
    std::fs::write(
        &plant.manifest,
        manifest.replacen("value: 5, min: 0", "value: 7, min: 0", 1),
    )
    .unwrap();
    let out = plant.fabctl(&["apply", planfile.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("  - plant/press/speed: desired is 5 in the plan, 7 in the manifests"),
        "{}",
        stderr(&out)
    );
    assert!(plant.sim.write_log().is_empty());

    // Back as planned, the untouched plan applies.
    std::fs::write(&plant.manifest, manifest).unwrap();
    let out = plant.fabctl(&["apply", planfile.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        plant.sim.read_words("plant/press", Holding, 10, 1),
        Some(vec![5])
    );
}

fn run_ok(args: &[&str]) -> std::process::Output {
    let out = fabctl().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_applied_only_with_enough_distinct_trusted_approvals() {
    let plant = Plant::start(TWO_DEVICES).await;
    assert!(plant.sim.set_words("plant/press", Holding, 10, &[1]));
    let dir = plant.dir.path();
    let key = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    for name in ["alice", "bob", "mallory"] {
        let out = run_ok(&["keygen", &key(name)]);
        let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
        assert_eq!(stdout(&out), public);
        assert!(public.starts_with("ed25519:"));
    }
    let planfile = key("plan.json");
    let out = run_ok(&[
        "plan",
        "-f",
        plant.path(),
        "--out",
        &planfile,
        "--sign-key",
        &key("alice"),
    ]);
    assert!(stderr(&out).contains("Signed it as "), "{}", stderr(&out));
    let requests = plant.sim.total_requests();

    let apply = |extra: &[&str]| {
        let mut args = vec![
            "apply".to_owned(),
            planfile.clone(),
            "--verify-key".into(),
            key("alice.pub"),
            "--verify-key".into(),
            key("bob.pub"),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        fabctl()
            .args(&args)
            .env("FABCTL_AUDIT_LOG", dir.join("audit.jsonl"))
            .output()
            .unwrap()
    };
    let refused = |out: &std::process::Output, expected: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
        assert!(stderr(out).contains(expected), "{}", stderr(out));
    };

    // One approval, two required.
    refused(
        &apply(&["--require-approvals", "2"]),
        &format!(
            "{planfile} carries 1 valid approval by trusted keys, 2 required; nothing was written"
        ),
    );
    // An untrusted key does not count.
    run_ok(&["approve", &planfile, "--sign-key", &key("mallory")]);
    refused(
        &apply(&["--require-approvals", "2"]),
        "carries 1 valid approval by trusted keys, 2 required (not counted: 1 by keys not trusted here)",
    );
    // Nor does the same key twice.
    let text = std::fs::read_to_string(&planfile).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = file["signatures"][0].clone();
    file["signatures"].as_array_mut().unwrap().push(first);
    std::fs::write(&planfile, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    refused(
        &apply(&["--require-approvals", "2"]),
        "carries 1 valid approval by trusted keys, 2 required (not counted: 1 by keys not trusted here, 1 repeated by a key already counted)",
    );
    std::fs::write(&planfile, &text).unwrap();

    // Bob approves: the approver sees the plan.
    let out = run_ok(&[
        "approve",
        &planfile,
        "--sign-key",
        &key("bob"),
        "--color",
        "never",
    ]);
    assert!(
        stdout(&out).contains("  ~ speed  holding 10  u16  1 → 5"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("; it carries 3 signatures."),
        "{}",
        stderr(&out)
    );

    // A signed plan edited (digest recomputed) no longer holds its signatures.
    let signed = std::fs::read_to_string(&planfile).unwrap();
    let tampered = tamper(&signed, |plan| {
        plan["plcs"][0]["registers"][0]["desired"] = 9.into();
        plan["plcs"][0]["registers"][0]["desired_words"] = serde_json::json!([9]);
    });
    std::fs::write(&planfile, tampered).unwrap();
    refused(
        &apply(&["--require-approvals", "2"]),
        "the signatures by ed25519:",
    );
    refused(
        &apply(&["--require-approvals", "2"]),
        "do not match the plan: it was changed after it was signed; nothing was written",
    );
    assert_eq!(
        plant.sim.total_requests(),
        requests,
        "no traffic while refused"
    );

    // Two distinct trusted approvals: applied.
    std::fs::write(&planfile, &signed).unwrap();
    let out = apply(&["--require-approvals", "2", "--color", "never"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(": 2 of 2 required."),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        plant.sim.read_words("plant/press", Holding, 10, 1),
        Some(vec![5])
    );
    // Keys from the environment, as CI passes them.
    let out = fabctl()
        .args(["apply", &planfile, "--auto-approve"])
        .env(
            "FABCTL_VERIFY_KEYS",
            format!("{},{}", key("bob.pub"), key("alice.pub")),
        )
        .env("FABCTL_REQUIRE_APPROVALS", "3")
        .env("FABCTL_AUDIT_LOG", dir.join("audit.jsonl"))
        .output()
        .unwrap();
    refused(
        &out,
        "carries 2 valid approvals by trusted keys, 3 required",
    );

    // Keys to verify mean saved plans only; a key to sign means a plan saved.
    let requests = plant.sim.total_requests();
    let out = fabctl()
        .args([
            "apply",
            "--auto-approve",
            "-f",
            plant.path(),
            "--verify-key",
            &key("bob.pub"),
        ])
        .env("FABCTL_AUDIT_LOG", dir.join("audit.jsonl"))
        .output()
        .unwrap();
    refused(
        &out,
        "--verify-key checks the signatures of a saved plan: pass the PLANFILE to apply",
    );
    let out = fabctl()
        .args(["plan", "-f", plant.path()])
        .env("FABCTL_SIGN_KEY", key("alice"))
        .output()
        .unwrap();
    refused(
        &out,
        "--sign-key signs a saved plan: add --out FILE (or unset FABCTL_SIGN_KEY)",
    );
    assert_eq!(
        plant.sim.total_requests(),
        requests,
        "refused before any traffic"
    );
}

const THREE: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press, namespace: plant}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  registers:\n    - {name: speed, address: 10, value: 50, min: 0, max: 100}\n    - {name: force, address: 11, value: 60, min: 0, max: 100}\n    - {name: temp, address: 20, value: 70, min: 0, max: 100}\n";

fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn words(plant: &Plant) -> [u16; 3] {
    let read = |a| plant.sim.read_words("plant/press", Holding, a, 1).unwrap()[0];
    [read(10), read(11), read(20)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_shows_a_run_and_revert_puts_back_what_it_changed() {
    let plant = Plant::start(THREE).await;
    for (address, value) in [(10, 1), (11, 2), (20, 3)] {
        assert!(
            plant
                .sim
                .set_words("plant/press", Holding, address, &[value])
        );
    }
    let out = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(words(&plant), [50, 60, 70]);

    // The run, as history shows it.
    let out = plant.fabctl(&["history", "-o", "json"]).await;
    let lines = json_lines(&out);
    let run = &lines[0];
    assert_eq!(run["type"], "run");
    assert_eq!(
        (run["changed"].as_u64(), run["failed"].as_u64()),
        (Some(3), Some(0))
    );
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let changes: Vec<_> = lines
        .iter()
        .filter(|l| l["type"] == "register_change")
        .collect();
    assert_eq!(changes.len(), 3);
    assert_eq!(
        (
            &changes[0]["register"],
            &changes[0]["before"],
            &changes[0]["after"]
        ),
        (&"speed".into(), &1.into(), &50.into())
    );
    let out = plant.fabctl(&["history"]).await;
    let table = stdout(&out);
    assert!(table.starts_with("RUN  "), "{table}");
    assert!(table.contains(&run_id), "{table}");
    let out = plant.fabctl(&["history", "press/force"]).await;
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("plant/press/force  2 → 60            applied"),
        "{text}"
    );

    // Someone else sets force afterwards: the revert must not undo that.
    assert!(plant.sim.set_words("plant/press", Holding, 11, &[99]));
    let revert = plant.dir.path().join("revert.json");
    let out = plant
        .fabctl(&[
            "plan",
            "--revert",
            &run_id,
            "--out",
            revert.to_str().unwrap(),
            "--color",
            "never",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "# plant/press (127.0.0.1:{} unit 1)\n  ~ speed  holding 10  u16  50 → 1\n  ! force  holding 11  u16  99 → 2 (stale: changed since the reverted run)\n  ~ temp   holding 20  u16  70 → 3\n\nPlan: 2 to change, 1 drifted, 0 in sync.\n",
            plant.sim.addr_of("plant/press").unwrap().port()
        )
    );
    assert_eq!(words(&plant), [50, 99, 70], "planning writes nothing");

    // Applied like any saved plan; the stale register is reported, not written.
    let out = plant
        .fabctl(&["apply", revert.to_str().unwrap(), "--color", "never"])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The closing line agrees with the exit status: the revert is incomplete.
    assert!(
        stdout(&out).ends_with(
            "Apply failed! 2 changed, 0 failed, 0 skipped, 1 register changed since the reverted run was not put back.\n"
        ),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        words(&plant),
        [1, 99, 3],
        "an independent read of the simulator"
    );

    // The revert's lines name the run they revert.
    let revert_lines: Vec<_> = plant
        .audit_lines()
        .into_iter()
        .filter(|l| l["run_id"] != run_id.as_str())
        .collect();
    assert_eq!(revert_lines.len(), 4, "two intents, two outcomes");
    assert!(revert_lines.iter().all(|l| l["reverts"] == run_id.as_str()));
    let out = plant.fabctl(&["history"]).await;
    assert!(
        stdout(&out).contains(&format!("reverts {run_id}")),
        "{}",
        stdout(&out)
    );

    // A revert plan whose desired value was edited (digest recomputed) is refused.
    let text = std::fs::read_to_string(&revert).unwrap();
    let edited = tamper(&text, |plan| {
        plan["plcs"][0]["registers"][0]["desired"] = 40.into();
        plan["plcs"][0]["registers"][0]["desired_words"] = serde_json::json!([40]);
    });
    std::fs::write(&revert, edited).unwrap();
    let out = plant.fabctl(&["apply", revert.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("  - plant/press/speed: desired is 40 in the plan, 1 in the manifests"),
        "{}",
        stderr(&out)
    );
    assert_eq!(words(&plant), [1, 99, 3]);

    // Nor is one whose stale register (changed since the run) was turned into a write.
    let edited = tamper(&text, |plan| {
        plan["plcs"][0]["registers"][1]["action"] = serde_json::json!({"action": "change"});
    });
    std::fs::write(&revert, edited).unwrap();
    let out = plant.fabctl(&["apply", revert.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("  - plant/press/force: the plan writes it, but by the manifests it is not to be written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(words(&plant), [1, 99, 3]);

    let out = plant.fabctl(&["plan", "--revert", "no-such-run"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no run no-such-run in the audit log"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_audit_log_means_no_write() {
    use std::os::unix::fs::PermissionsExt;
    let plant = drifted(None).await;
    let log = plant.dir.path().join("read-only.jsonl");
    std::fs::write(&log, "").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o400)).unwrap();
    let mut cmd = fabctl();
    // Root may write to any file: the test then runs fabctl as nobody, for whom a
    // 0400 file of root's is read-only indeed.
    if rustix::process::geteuid().is_root() {
        std::fs::set_permissions(plant.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_fabctl"))
            .env("NO_COLOR", "1");
    }
    let out = cmd
        .args(["apply", "--auto-approve", "-f", plant.path(), "--audit-log"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: cannot open the audit log {}: Permission denied (os error 13); nothing was written",
            log.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(plant.sim.write_log().is_empty());
    assert_eq!(
        live(&plant),
        [0; 10],
        "an independent read: nothing written"
    );
}
