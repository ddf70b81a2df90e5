//! `fabctl import`: a manifest from a running PLC (every register observe unless
//! `--enforce`), and a clean plan right after.

use fabctl::register::RegisterKind::Holding;

use crate::support::{Plant, assert_ok, stderr, stdout};

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: site}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @site\n  registers:\n    - {name: a, address: 4000, value: 2500}\n    - {name: b, address: 4001, value: 7}\n    - {name: f, address: 4002, type: f32, value: 12.5}\n    - {name: c, address: 10, kind: coil, value: true}\n    - {name: t, address: 5, kind: input, value: 451}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_manifest_plans_clean() {
    let plant = Plant::start(PLANT).await;
    let addr = plant.sim.addr_of("default/site").unwrap();
    let out_file = plant.dir.path().join("imported.yaml");
    let mut cmd = crate::support::fabctl();
    cmd.args([
        "import",
        "--device",
        &addr.to_string(),
        "--holding",
        "4000-4003",
        "--coils",
        "10",
        "--input",
        "5",
        "--name",
        "site-1",
        "--out",
    ])
    .arg(&out_file);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Next: review the file (names, min/max, tolerances), run `fabctl plan` on it, then switch registers to `mode: enforce` one by one"),
        "{}",
        stderr(&out)
    );
    let manifest = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        manifest.contains(
            "    - {name: hr_4000, address: 4000, kind: holding, mode: observe, value: 2500}\n"
        ),
        "{manifest}"
    );
    assert!(
        manifest.contains(
            "    - {name: coil_10, address: 10, kind: coil, mode: observe, value: true}\n"
        ),
        "{manifest}"
    );
    assert!(!manifest.contains("enforce}"), "{manifest}");
    assert!(
        manifest
            .contains("    - {name: ir_5, address: 5, kind: input, mode: observe, value: 451}\n"),
        "{manifest}"
    );

    let mut cmd = crate::support::fabctl();
    cmd.args(["plan", "--detailed-exitcode", "--color", "never", "-f"])
        .arg(&out_file);
    let plan = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_ok(&plan);
    assert!(
        stdout(&plan)
            .ends_with("No changes. Your PLCs match the manifests (6 registers in sync).\n"),
        "{}",
        stdout(&plan)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_addresses_are_skipped_with_a_note() {
    let plant = Plant::start(PLANT).await;
    let addr = plant.sim.addr_of("default/site").unwrap();
    let mut cmd = crate::support::fabctl();
    cmd.args([
        "import",
        "--device",
        &addr.to_string(),
        "--holding",
        "3999-4001",
    ]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: skipped holding 3999: IllegalDataAddress (exception 0x02)"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("name: hr_4001, address: 4001"));
}

/// Words imported as bool would be registers whose writes clear 15 other bits.
#[test]
fn words_are_never_imported_as_bool() {
    let out = crate::support::run(&[
        "import",
        "--device",
        "127.0.0.1:1",
        "--holding",
        "10",
        "--type",
        "bool",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert_eq!(
        stderr(&out),
        "error: --type bool: a bool in a holding or input register is one bit of a word; \
         import the words (u16) and declare their bits with `type: bool, bit: N`\n"
    );
}

/// The counter case: a register imported observe is reported when it moves on, and
/// `apply --auto-approve` never rolls it back to the imported value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_counter_is_never_rolled_back() {
    let plant = Plant::start(PLANT).await;
    let addr = plant.sim.addr_of("default/site").unwrap();
    let out_file = plant.dir.path().join("imported.yaml");
    let mut cmd = crate::support::fabctl();
    cmd.args([
        "import",
        "--device",
        &addr.to_string(),
        "--holding",
        "4001",
        "--out",
    ])
    .arg(&out_file);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The counter moves on after the import.
    assert!(plant.sim.set_words("default/site", Holding, 4001, &[8]));
    let mut cmd = crate::support::fabctl();
    cmd.args(["apply", "--auto-approve", "--color", "never", "-f"])
        .arg(&out_file)
        .env("FABCTL_AUDIT_LOG", plant.dir.path().join("audit.jsonl"));
    let apply = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_ok(&apply);
    assert!(stdout(&apply).contains("! hr_4001"), "{}", stdout(&apply));
    assert_eq!(
        plant.sim.read_words("default/site", Holding, 4001, 1),
        Some(vec![8])
    );
    assert!(plant.sim.write_log().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_is_an_opt_in_for_writable_registers_only() {
    let plant = Plant::start(PLANT).await;
    let addr = plant.sim.addr_of("default/site").unwrap();
    let mut cmd = crate::support::fabctl();
    cmd.args([
        "import",
        "--device",
        &addr.to_string(),
        "--holding",
        "4000",
        "--input",
        "5",
        "--enforce",
    ]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = stdout(&out);
    assert!(
        manifest.contains("    - {name: hr_4000, address: 4000, kind: holding, value: 2500}\n"),
        "{manifest}"
    );
    assert!(
        manifest
            .contains("    - {name: ir_5, address: 5, kind: input, mode: observe, value: 451}\n"),
        "{manifest}"
    );
    assert!(
        stderr(&out).contains("writable registers were imported as `mode: enforce`"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_read_nothing_fails_and_writes_no_file() {
    let plant = Plant::start(PLANT).await;
    let addr = plant.sim.addr_of("default/site").unwrap();
    let out_file = plant.dir.path().join("imported.yaml");
    let mut cmd = crate::support::fabctl();
    cmd.args([
        "import",
        "--device",
        &addr.to_string(),
        "--holding",
        "100-102",
        "--out",
    ])
    .arg(&out_file);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "read nothing from {addr}: none of the 3 registers asked for could be imported (first: holding 100: IllegalDataAddress (exception 0x02)); check the ranges, --unit and --type"
        )),
        "{}",
        stderr(&out)
    );
    assert!(!out_file.exists());
    assert!(!stderr(&out).contains("Next:"), "{}", stderr(&out));
}
