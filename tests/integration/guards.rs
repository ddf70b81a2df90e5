//! Write guards: blast radius (`--max-changes`), write windows, pacing, and two
//! concurrent applies on one PLC.

use std::time::{Duration, Instant};

use fabctl::register::RegisterKind::Holding;

use crate::support::{Plant, stderr, stdout};

fn plant(extra_spec: &str) -> String {
    format!(
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: press}}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n{extra_spec}  registers:\n    - {{name: a, address: 0, value: 5}}\n    - {{name: b, address: 10, value: 6}}\n    - {{name: c, address: 20, value: 7}}\n"
    )
}

fn drift(plant: &Plant) {
    for address in [0, 10, 20] {
        assert!(plant.sim.set_words("default/press", Holding, address, &[1]));
    }
}

/// A window that is closed now: it opens twelve hours from the current hour.
fn closed_window() -> String {
    let hour = (jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .hour()
        + 12)
        % 24;
    format!("  writeWindows:\n    - {{schedule: \"0 {hour} * * *\", duration: 1h}}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_changes_refuses_a_plan_with_a_larger_blast_radius() {
    let plant = Plant::start(&plant("")).await;
    drift(&plant);
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--max-changes", "2"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: the plan changes 3 registers, more than --max-changes 2; nothing was written\n"
    );
    assert!(plant.sim.write_log().is_empty());
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--max-changes", "3"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_its_write_windows_a_plc_is_not_written_without_ignore_windows() {
    let plant = Plant::start(&plant(&closed_window())).await;
    drift(&plant);
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    assert!(
        stdout(&plan).contains("! a  holding 0   u16  1 → 5 (outside write window)"),
        "{}",
        stdout(&plan)
    );
    assert!(
        stderr(&plan).contains(
            "hint: 3 registers differ but are outside their PLC's write windows, so apply will not write them now; `fabctl apply --ignore-windows` writes them anyway."
        ),
        "{}",
        stderr(&plan)
    );

    for command in [
        &["apply", "--auto-approve"][..],
        &["reconcile", "--once"][..],
    ] {
        let out = plant.fabctl(command).await;
        assert_eq!(out.status.code(), Some(0), "{command:?}: {}", stderr(&out));
        assert!(
            plant.sim.write_log().is_empty(),
            "{command:?} wrote outside the window"
        );
    }
    let out = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert!(
        stdout(&out).ends_with("Apply complete! 0 changed, 0 failed.\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(
            "hint: 3 registers were not written because their PLC is outside its write windows; apply inside a window, or with --ignore-windows to write now."
        ),
        "{}",
        stderr(&out)
    );

    // A plan saved with --ignore-windows still carries the windows: applying it
    // without the flag is refused.
    let planfile = plant.dir.path().join("plan.json");
    plant
        .fabctl(&[
            "plan",
            "--ignore-windows",
            "--out",
            planfile.to_str().unwrap(),
        ])
        .await;
    let out = plant
        .fabctl(&["apply", planfile.to_str().unwrap(), "--color", "never"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(
            "default/press/a: refused — not written: the PLC is outside its write windows"
        ),
        "{}",
        stdout(&out)
    );
    assert!(plant.sim.write_log().is_empty());

    let out = plant
        .fabctl(&["apply", "--auto-approve", "--ignore-windows"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        plant.sim.read_words("default/press", Holding, 0, 1),
        Some(vec![5])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_an_open_window_writes_proceed() {
    let plant = Plant::start(&plant(
        "  writeWindows:\n    - {schedule: \"* * * * *\", duration: 5m, timeZone: Europe/Berlin}\n",
    ))
    .await;
    drift(&plant);
    let out = plant.fabctl(&["reconcile", "--once"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        plant.sim.read_words("default/press", Holding, 20, 1),
        Some(vec![7])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_to_a_slow_device_are_paced() {
    let plant = Plant::start(&plant("  minWriteIntervalMs: 300\n")).await;
    drift(&plant);
    let started = Instant::now();
    let out = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Three separate write requests (addresses 0, 10, 20): at least two pauses.
    assert_eq!(
        plant.sim.counters("default/press").unwrap().requests_for(6),
        3
    );
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "took only {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_applies_never_lose_an_update_silently() {
    let template = plant("");
    let plant = Plant::start(&template).await;
    drift(&plant);
    // Two engineers plan different values for `a` from the same live state.
    let other = plant.dir.path().join("other.yaml");
    std::fs::write(
        &other,
        std::fs::read_to_string(&plant.manifest)
            .unwrap()
            .replace("value: 5", "value: 9"),
    )
    .unwrap();
    let mine = plant.dir.path().join("mine.json");
    let theirs = plant.dir.path().join("theirs.json");
    assert_eq!(
        plant
            .fabctl(&[
                "plan",
                "--target",
                "press/a",
                "--out",
                mine.to_str().unwrap()
            ])
            .await
            .status
            .code(),
        Some(0)
    );
    let mut cmd = crate::support::fabctl();
    cmd.args([
        "plan",
        "--target",
        "press/a",
        "--out",
        theirs.to_str().unwrap(),
        "-f",
    ])
    .arg(&other);
    assert_eq!(
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
            .status
            .code(),
        Some(0)
    );

    let first = ["apply", mine.to_str().unwrap(), "--color", "never"];
    // Each saved plan is applied against the manifests it was made from.
    let mut second = crate::support::fabctl();
    second
        .args(["apply", theirs.to_str().unwrap(), "--color", "never", "-f"])
        .arg(&other)
        .env("FABCTL_AUDIT_LOG", plant.dir.path().join("audit.jsonl"));
    let second = tokio::task::spawn_blocking(move || second.output().unwrap());
    let (a, b) = tokio::join!(plant.fabctl(&first), second);
    let b = b.unwrap();
    let outcomes = [stdout(&a), stdout(&b)];
    let applied = outcomes
        .iter()
        .filter(|o| o.contains("default/press/a: applied"))
        .count();
    let stale = outcomes
        .iter()
        .filter(|o| o.contains("default/press/a: stale"))
        .count();
    assert_eq!(
        (applied, stale),
        (1, 1),
        "one wins, the other reports stale:\n{}\n{}",
        outcomes[0],
        outcomes[1]
    );
    let winner = if outcomes[0].contains("applied") {
        5
    } else {
        9
    };
    assert_eq!(
        plant.sim.read_words("default/press", Holding, 0, 1),
        Some(vec![winner])
    );
    assert_eq!(
        plant.sim.write_log().len(),
        1,
        "exactly one write reached the device"
    );
}

/// A PLC on 127.0.0.2, served there.
async fn plant_on_127_0_0_2() -> Plant {
    let template = plant("").replace("127.0.0.1", "127.0.0.2");
    Plant::start_with(&template, |config| {
        for endpoint in &mut config.endpoints {
            endpoint.listen.set_ip("127.0.0.2".parse().unwrap());
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plc_outside_allow_devices_is_never_connected_to() {
    let plant = plant_on_127_0_0_2().await;
    drift(&plant);
    for (command, allowed) in [
        (
            &[
                "plan",
                "--detailed-exitcode",
                "--allow-devices",
                "127.0.0.1/32",
            ][..],
            "127.0.0.1/32",
        ),
        (
            &["apply", "--auto-approve", "--allow-devices", "127.0.0.1/32"][..],
            "127.0.0.1/32",
        ),
        (
            &[
                "reconcile",
                "--once",
                "--allow-devices",
                "10.0.0.0/16,127.0.0.1",
            ][..],
            "10.0.0.0/16,127.0.0.1/32",
        ),
    ] {
        let out = plant.fabctl(command).await;
        assert_eq!(out.status.code(), Some(1), "{command:?}: {}", stdout(&out));
        assert!(
            stdout(&out).contains(&format!(
                "127.0.0.2 is outside --allow-devices {allowed}: not connected"
            )),
            "{command:?}: {}",
            stdout(&out)
        );
    }
    assert_eq!(plant.sim.total_connections(), 0);
    assert_eq!(plant.sim.total_requests(), 0);

    // Inside the allowlist, the PLC is enforced as without one.
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--allow-devices", "127.0.0.0/8"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        plant.sim.read_words("default/press", Holding, 0, 1),
        Some(vec![5])
    );
}

#[test]
fn allow_devices_refuses_a_network_that_is_not_one_before_any_traffic() {
    let out = crate::support::run(&["plan", "--allow-devices", "10.0.0.5/16", "-f", "manifests"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "invalid value '10.0.0.5/16' for '--allow-devices <CIDR,...>': 10.0.0.5/16 has bits set beyond its prefix: did you mean 10.0.0.0/16?"
        ),
        "{}",
        stderr(&out)
    );
}
