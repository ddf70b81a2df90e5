//! Bits in words (`type: bool` with `bit: N`) and registers read back elsewhere
//! (`readAddress`): the real binary against the simulator playing a drive without
//! Mask Write and a coupler with a split output image, and against pymodbus.

use fabctl::register::RegisterKind::Holding;
use fabctl::sim::{Quirks, ReadBack};

use crate::support::pymodbus::Peer;
use crate::support::{Plant, run, stderr, stdout};

/// A drive's control word at holding 10: run (bit 3) and jog (bit 5).
const DRIVE: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: drive, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @drive
  registers:
    - {name: run_cmd, address: 10, type: bool, bit: 3, value: true}
    - {name: jog_cmd, address: 10, type: bool, bit: 5, value: false}
"#;

/// Bits 0, 1, 5, 8 and 15 set; run (bit 3) off, jog (bit 5) on: both must change,
/// and nothing else.
const OTHERS_SET: u16 = 0x8123;
const AFTER: u16 = 0x810B;

async fn drive(mask_write: bool) -> Plant {
    let plant = Plant::start_with(DRIVE, |config| {
        let quirks = Quirks {
            mask_write,
            read_back: Vec::new(),
            unsupported: Vec::new(),
        };
        assert!(config.set_quirks("plant/drive", quirks));
    })
    .await;
    assert!(
        plant
            .sim
            .set_words("plant/drive", Holding, 10, &[OTHERS_SET])
    );
    plant
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_two_bits_leaves_the_other_14_and_uses_one_mask_write() {
    let plant = drive(true).await;
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    let addr = plant.sim.addr_of("plant/drive").unwrap();
    assert_eq!(
        stdout(&plan),
        format!(
            "# plant/drive ({addr} unit 1)\n\
             \x20 ~ run_cmd  holding 10.3  bool  false → true\n\
             \x20 ~ jog_cmd  holding 10.5  bool  true → false\n\
             \n\
             Plan: 2 to change, 0 drifted, 0 in sync.\n"
        )
    );
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert_eq!(
        plant.sim.read_words("plant/drive", Holding, 10, 1),
        Some(vec![AFTER])
    );
    let counters = plant.sim.counters("plant/drive").unwrap();
    assert_eq!(
        (
            counters.requests_for(22),
            counters.requests_for(6),
            counters.requests_for(16)
        ),
        (1, 0, 0)
    );
    let log = plant.sim.write_log();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].old.clone(), log[0].new.clone()),
        (vec![OTHERS_SET], vec![AFTER])
    );
    let audit: Vec<_> = plant
        .audit_outcomes()
        .into_iter()
        .map(|l| {
            (
                l["register"].clone(),
                l["address"].clone(),
                l["bit"].clone(),
                l["outcome"].clone(),
            )
        })
        .collect();
    assert_eq!(
        audit,
        [
            ("run_cmd".into(), 10.into(), 3.into(), "applied".into()),
            ("jog_cmd".into(), 10.into(), 5.into(), "applied".into())
        ]
    );
    let again = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mask_write_the_word_is_read_modified_and_written_once() {
    let plant = drive(false).await;
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert_eq!(
        plant.sim.read_words("plant/drive", Holding, 10, 1),
        Some(vec![AFTER])
    );
    let counters = plant.sim.counters("plant/drive").unwrap();
    // One FC22 refused, then one FC06 of the whole word.
    assert_eq!(
        (counters.requests_for(22), counters.requests_for(6)),
        (1, 1)
    );
    let log = stderr(&apply);
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("has no Mask Write Register"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&apply));
    assert!(
        warnings[0].contains(
            "plant/drive (127.0.0.1:"
        ) && warnings[0].ends_with(
            "unit 1) has no Mask Write Register (FC22 answered IllegalFunction): its bits are written by read-modify-write of their word from now on"
        ),
        "{}",
        warnings[0]
    );
}

/// Read-modify-write writes the whole word: when another bit changed after the plan,
/// writing would undo that change, so the bits are stale and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_bit_changed_since_the_plan_is_stale_without_mask_write() {
    let plant = drive(false).await;
    let planfile = plant.dir.path().join("plan.json");
    let plan = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    // The PLC program sets bit 2 while the plan waits for review.
    assert!(
        plant
            .sim
            .set_words("plant/drive", Holding, 10, &[OTHERS_SET | 0x0004])
    );
    let apply = plant.fabctl(&["apply", planfile.to_str().unwrap()]).await;
    assert_eq!(apply.status.code(), Some(1));
    let stale = "stale — not written: holding 10 changed since the plan (0x8123 -> 0x8127) \
                 and the device has no Mask Write (FC22): writing the word would overwrite that change";
    let expected = format!(
        "plant/drive/run_cmd: {stale}\nplant/drive/jog_cmd: {stale}\n\n\
         Apply failed! 0 changed, 0 failed, 2 skipped.\n"
    );
    assert!(stdout(&apply).ends_with(&expected), "{}", stdout(&apply));
    assert_eq!(
        plant.sim.read_words("plant/drive", Holding, 10, 1),
        Some(vec![OTHERS_SET | 0x0004])
    );
    assert_eq!(
        plant.sim.counters("plant/drive").unwrap().requests_for(6),
        0
    );
    assert!(plant.sim.write_log().is_empty());
}

/// A coupler whose output image is written at 0 and read at 512.
const COUPLER: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: coupler, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @coupler
  registers:
    - {name: valves, address: 0, readAddress: 512, value: 3}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_read_back_elsewhere_is_planned_applied_and_verified_there() {
    let plant = Plant::start(COUPLER).await;
    let plan = plant.fabctl(&["plan", "-v", "--color", "never"]).await;
    let addr = plant.sim.addr_of("plant/coupler").unwrap();
    assert_eq!(
        stdout(&plan),
        format!(
            "# plant/coupler ({addr} unit 1)\n\
             \x20 = valves  holding 0 (read at 512)  u16  3\n\
             \x20 1 in sync\n\
             \n\
             No changes. Your PLCs match the manifests (1 register in sync).\n"
        )
    );
    assert!(plant.sim.set_words("plant/coupler", Holding, 0, &[1]));
    let json = plant.fabctl(&["plan", "-o", "json"]).await;
    let change: serde_json::Value = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .find(|v: &serde_json::Value| v["type"] == "planned_change")
        .unwrap();
    assert_eq!(
        (
            change["address"].clone(),
            change["read_address"].clone(),
            change["live"].clone()
        ),
        (0.into(), 512.into(), 1.into())
    );
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert!(
        stdout(&apply).contains("plant/coupler/valves: applied (1 → 3)"),
        "{}",
        stdout(&apply)
    );
    assert_eq!(
        plant.sim.read_words("plant/coupler", Holding, 0, 1),
        Some(vec![3])
    );
    let counters = plant.sim.counters("plant/coupler").unwrap();
    assert_eq!(counters.writes_to(Holding, 0), 1);
    let again = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

/// The same coupler managed without `readAddress`: the read at 0 shows the input
/// image, so the write is never verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_read_address_the_coupler_never_verifies() {
    let manifest = COUPLER.replace(", readAddress: 512", "");
    let plant = Plant::start_with(&manifest, |config| {
        let read_back = vec![ReadBack {
            kind: Holding,
            from: 0,
            to: 512,
            count: 16,
        }];
        let quirks = Quirks {
            mask_write: true,
            read_back,
            unsupported: Vec::new(),
        };
        assert!(config.set_quirks("plant/coupler", quirks));
    })
    .await;
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(1));
    assert!(
        stdout(&apply)
            .contains("plant/coupler/valves: verify_failed — read-back shows 0 instead of 3"),
        "{}",
        stdout(&apply)
    );
    // Written, at 0, where reads at 512 show it.
    assert_eq!(
        plant.sim.read_words("plant/coupler", Holding, 0, 1),
        Some(vec![3])
    );
}

/// pymodbus implements FC22 itself: a bit applied there keeps the other bits, as a
/// second, plain read of the word shows.
#[test]
fn a_bit_applied_to_pymodbus_keeps_the_other_bits() {
    let Some(peer) = Peer::start(serde_json::json!({"holding": {"10": OTHERS_SET}})) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, registers: &str| {
        let path = dir.path().join(name);
        let text = format!(
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: drive, namespace: plant}}\nspec:\n  deviceAddress: 127.0.0.1\n  port: {}\n  registers:\n{registers}",
            peer.port
        );
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bits = write(
        "bits.yaml",
        "    - {name: run_cmd, address: 10, type: bool, bit: 3, value: true}\n    - {name: jog_cmd, address: 10, type: bool, bit: 5, value: false}\n",
    );
    let word = write(
        "word.yaml",
        &format!("    - {{name: control_word, address: 10, value: {AFTER}, mode: observe}}\n"),
    );
    let before = run(&["plan", "-f", &word, "--detailed-exitcode"]);
    assert_eq!(before.status.code(), Some(2), "{}", stdout(&before));

    let apply = run(&["apply", "-f", &bits, "--auto-approve"]);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&apply),
        peer.log()
    );
    assert!(
        stdout(&apply).ends_with("Apply complete! 2 changed, 0 failed.\n"),
        "{}",
        stdout(&apply)
    );

    let after = run(&["plan", "-f", &word, "-o", "json"]);
    let line: serde_json::Value = stdout(&after)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .find(|v: &serde_json::Value| v["register"] == "control_word")
        .unwrap();
    assert_eq!(
        (line["type"].as_str(), line["live"].as_u64()),
        (Some("in_sync"), Some(u64::from(AFTER))),
        "{}",
        stdout(&after)
    );
}
