//! Byte orders and strings (`byteOrder`, `type: string`): planned, applied and
//! verified against the simulator, imported from it, and read and written alike with
//! pymodbus, whose own encoding is the reference.

use fabctl::register::RegisterKind::Holding;
use serde_json::json;

use crate::support::pymodbus::Peer;
use crate::support::{Plant, assert_ok, run, stderr, stdout};

/// A recipe name in 8 registers (16 characters) and a flow meter's f32 in DCBA.
const LINE: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: line, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @line
  registers:
    - {name: recipe, address: 200, type: string, length: 8, value: "PVC-41"}
    - {name: flow, address: 300, type: f32, wordOrder: little, byteOrder: little, value: 12.5}
"#;

/// "PVC-40": P=0x50 V=0x56 C=0x43 -=0x2D 4=0x34 0=0x30, NUL-padded to 8 registers.
const PVC_40: [u16; 8] = [0x5056, 0x432D, 0x3430, 0, 0, 0, 0, 0];
const PVC_41: [u16; 8] = [0x5056, 0x432D, 0x3431, 0, 0, 0, 0, 0];
/// 11.0 is 0x41300000 and 12.5 is 0x41480000; DCBA sends D C, then B A.
const ELEVEN_DCBA: [u16; 2] = [0x0000, 0x3041];
const TWELVE_AND_A_HALF_DCBA: [u16; 2] = [0x0000, 0x4841];

async fn line() -> Plant {
    let plant = Plant::start(LINE).await;
    assert!(plant.sim.set_words("plant/line", Holding, 200, &PVC_40));
    assert!(
        plant
            .sim
            .set_words("plant/line", Holding, 300, &ELEVEN_DCBA)
    );
    plant
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_string_and_a_dcba_float_are_planned_applied_and_verified() {
    let plant = line().await;
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    let addr = plant.sim.addr_of("plant/line").unwrap();
    assert_eq!(
        stdout(&plan),
        format!(
            "# plant/line ({addr} unit 1)\n\
             \x20 ~ recipe  holding 200..207  string(8)   \"PVC-40\" → \"PVC-41\"\n\
             \x20 ~ flow    holding 300       f32 (DCBA)  11 → 12.5\n\
             \n\
             Plan: 2 to change, 0 drifted, 0 in sync.\n"
        )
    );

    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert_eq!(
        plant.sim.read_words("plant/line", Holding, 200, 8),
        Some(PVC_41.to_vec())
    );
    assert_eq!(
        plant.sim.read_words("plant/line", Holding, 300, 2),
        Some(TWELVE_AND_A_HALF_DCBA.to_vec())
    );
    let outcomes = plant.audit_outcomes();
    let recipe = outcomes.iter().find(|l| l["register"] == "recipe").unwrap();
    assert_eq!(recipe["before"], "PVC-40", "{recipe}");
    assert_eq!(recipe["after"], "PVC-41", "{recipe}");

    let again = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(
        stdout(&again).contains("2 registers in sync"),
        "{}",
        stdout(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_events_carry_strings_as_strings_with_their_length_and_order() {
    let plant = line().await;
    let plan = plant.fabctl(&["plan", "-o", "json"]).await;
    let events: Vec<serde_json::Value> = stdout(&plan)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let recipe = events.iter().find(|e| e["register"] == "recipe").unwrap();
    assert_eq!(recipe["type"], "planned_change");
    assert_eq!(recipe["value_type"], "string");
    assert_eq!(recipe["length"], 8);
    assert_eq!(recipe["live"], "PVC-40");
    assert_eq!(recipe["desired"], "PVC-41");
    assert!(recipe.get("order").is_none(), "{recipe}");
    let flow = events.iter().find(|e| e["register"] == "flow").unwrap();
    assert_eq!(flow["value_type"], "f32");
    assert_eq!(flow["order"], "DCBA");
    assert_eq!(flow["live"], 11.0);
    assert!(flow.get("length").is_none(), "{flow}");

    let apply = plant
        .fabctl(&["apply", "-o", "json", "--auto-approve"])
        .await;
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    let events: Vec<serde_json::Value> = stdout(&apply)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let done = |name: &str| {
        events
            .iter()
            .find(|e| e["type"] == "apply_complete" && e["register"] == name)
            .unwrap_or_else(|| panic!("{name}: {events:#?}"))
            .clone()
    };
    let recipe = done("recipe");
    assert_eq!(
        (&recipe["before"], &recipe["after"], &recipe["length"]),
        (&json!("PVC-40"), &json!("PVC-41"), &json!(8))
    );
    let flow = done("flow");
    assert_eq!(
        (&flow["before"], &flow["after"], &flow["order"]),
        (&json!(11.0), &json!(12.5), &json!("DCBA"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_of_a_string_applies_and_a_revert_puts_the_text_back() {
    let plant = line().await;
    let planfile = plant.dir.path().join("plan.json");
    let plan = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let saved = std::fs::read_to_string(&planfile).unwrap();
    assert!(saved.contains("\"desired\": \"PVC-41\""), "{saved}");
    let apply = plant
        .fabctl(&["apply", planfile.to_str().unwrap(), "--auto-approve"])
        .await;
    assert_ok(&apply);
    assert_eq!(
        plant.sim.read_words("plant/line", Holding, 200, 8),
        Some(PVC_41.to_vec())
    );

    let run_id = plant.audit_outcomes()[0]["run_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let history = plant.fabctl(&["history", "line/recipe"]).await;
    assert!(
        stdout(&history).contains("plant/line/recipe  \"PVC-40\" → \"PVC-41\""),
        "{}",
        stdout(&history)
    );
    let revert = plant.dir.path().join("revert.json");
    let plan = plant
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
    assert!(
        stdout(&plan).contains("~ recipe  holding 200..207  string(8)   \"PVC-41\" → \"PVC-40\""),
        "{}{}",
        stdout(&plan),
        stderr(&plan)
    );
    let apply = plant
        .fabctl(&["apply", revert.to_str().unwrap(), "--auto-approve"])
        .await;
    assert_ok(&apply);
    assert_eq!(
        plant.sim.read_words("plant/line", Holding, 200, 8),
        Some(PVC_40.to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reads_strings_and_byte_orders_into_a_manifest_that_plans_clean() {
    let plant = line().await;
    assert!(
        plant
            .sim
            .set_words("plant/line", Holding, 300, &TWELVE_AND_A_HALF_DCBA)
    );
    let device = plant.sim.addr_of("plant/line").unwrap().to_string();
    let out_file = plant.dir.path().join("imported.yaml");
    let text = run(&[
        "import",
        "--device",
        &device,
        "--holding",
        "200-207",
        "--type",
        "string",
        "--length",
        "8",
    ]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(
        stdout(&text).contains(
            "- {name: hr_200, address: 200, kind: holding, type: string, length: 8, mode: observe, value: \"PVC-40\"}"
        ),
        "{}",
        stdout(&text)
    );
    let float = run(&[
        "import",
        "--device",
        &device,
        "--holding",
        "300-301",
        "--type",
        "f32",
        "--order",
        "DCBA",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(float.status.code(), Some(0), "{}", stderr(&float));
    let yaml = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        yaml.contains(
            "- {name: hr_300, address: 300, kind: holding, type: f32, wordOrder: little, byteOrder: little, mode: observe, value: 12.5}"
        ),
        "{yaml}"
    );
    let plan = run(&[
        "plan",
        "-f",
        out_file.to_str().unwrap(),
        "--detailed-exitcode",
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));

    // Read in the default order, the DCBA float is absurd: import says which orders
    // read a plausible number.
    let abcd = run(&[
        "import",
        "--device",
        &device,
        "--holding",
        "300-301",
        "--type",
        "f32",
    ]);
    assert_eq!(abcd.status.code(), Some(0), "{}", stderr(&abcd));
    assert!(
        stderr(&abcd).contains(
            "note: holding 300: 2.592e-41 as ABCD looks implausible; it reads 197632 as CDAB (--order CDAB), 12.5 as DCBA (--order DCBA): keep the order the device's manual or HMI confirms"
        ),
        "{}",
        stderr(&abcd)
    );
    assert!(
        !stderr(&float).contains("implausible"),
        "{}",
        stderr(&float)
    );

    let missing = run(&[
        "import",
        "--device",
        &device,
        "--holding",
        "200-207",
        "--type",
        "string",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("--type string needs --length N"),
        "{}",
        stderr(&missing)
    );
    let bad = run(&[
        "import",
        "--device",
        &device,
        "--holding",
        "300-301",
        "--order",
        "ACBD",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("--order \"ACBD\": use ABCD, CDAB, BADC or DCBA"),
        "{}",
        stderr(&bad)
    );
}

/// Each value in each order, as pymodbus encodes it (`byte_swap`: the bytes of every
/// register swapped in Python, since pymodbus has no byte order of its own).
fn pymodbus_entries(values: [serde_json::Value; 8]) -> serde_json::Value {
    let [
        abcd,
        cdab,
        badc,
        dcba,
        text,
        swapped_text,
        f64_dcba,
        i32_badc,
    ] = values;
    json!([
        {"address": 100, "type": "FLOAT32", "count": 2, "value": abcd},
        {"address": 110, "type": "FLOAT32", "count": 2, "value": cdab, "word_order": "little"},
        {"address": 120, "type": "FLOAT32", "count": 2, "value": badc, "byte_swap": true},
        {"address": 130, "type": "FLOAT32", "count": 2, "value": dcba,
         "word_order": "little", "byte_swap": true},
        {"address": 200, "type": "STRING", "count": 8, "value": text},
        {"address": 210, "type": "STRING", "count": 8, "value": swapped_text, "byte_swap": true},
        {"address": 300, "type": "FLOAT64", "count": 4, "value": f64_dcba,
         "word_order": "little", "byte_swap": true},
        {"address": 310, "type": "INT32", "count": 2, "value": i32_badc, "byte_swap": true},
    ])
}

/// The same registers declared in a manifest.
fn pymodbus_manifest(dir: &std::path::Path, port: u16, values: [&str; 8]) -> String {
    let [
        abcd,
        cdab,
        badc,
        dcba,
        text,
        swapped_text,
        f64_dcba,
        i32_badc,
    ] = values;
    let yaml = format!(
        "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {{name: orders, namespace: interop}}
spec:
  deviceAddress: 127.0.0.1
  port: {port}
  registers:
    - {{name: abcd, address: 100, type: f32, value: {abcd}}}
    - {{name: cdab, address: 110, type: f32, wordOrder: little, value: {cdab}}}
    - {{name: badc, address: 120, type: f32, byteOrder: little, value: {badc}}}
    - {{name: dcba, address: 130, type: f32, wordOrder: little, byteOrder: little, value: {dcba}}}
    - {{name: text, address: 200, type: string, length: 8, value: \"{text}\"}}
    - {{name: swapped, address: 210, type: string, length: 8, byteOrder: little, value: \"{swapped_text}\"}}
    - {{name: wide, address: 300, type: f64, wordOrder: little, byteOrder: little, value: {f64_dcba}}}
    - {{name: count, address: 310, type: i32, byteOrder: little, value: {i32_badc}}}
"
    );
    let path = dir.join("orders.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn pymodbus_encodings_read_plan_and_write_alike_in_every_order() {
    let before = [
        json!(12.5),
        json!(-0.75),
        json!(250.1),
        json!(1e-3),
        json!("PVC-40"),
        json!("Mix 7 "),
        json!(-2.5e10),
        json!(-123456),
    ];
    let Some(peer) = Peer::start(json!({"encoded": pymodbus_entries(before)})) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // fabctl reads what pymodbus encoded as the values pymodbus encoded.
    let same = pymodbus_manifest(
        dir.path(),
        peer.port,
        [
            "12.5", "-0.75", "250.1", "0.001", "PVC-40", "Mix 7 ", "-2.5e10", "-123456",
        ],
    );
    let plan = run(&["plan", "-f", &same, "--detailed-exitcode", "-v"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}{}\n{}",
        stdout(&plan),
        stderr(&plan),
        peer.log()
    );
    assert!(
        stdout(&plan).contains("8 registers in sync"),
        "{}",
        stdout(&plan)
    );

    // What fabctl writes, pymodbus decodes as the values fabctl was given.
    let after = [
        "21.75",
        "3.5",
        "-1024",
        "65504",
        "PVC-41",
        "A",
        "1e300",
        "2147483647",
    ];
    let changed = pymodbus_manifest(dir.path(), peer.port, after);
    let apply = run(&["apply", "-f", &changed, "--auto-approve"]);
    assert_ok(&apply);
    assert!(
        stdout(&apply).contains("Apply complete! 8 changed, 0 failed."),
        "{}",
        stdout(&apply)
    );
    let decoded = peer.decode(pymodbus_entries([
        json!(null),
        json!(null),
        json!(null),
        json!(null),
        json!(null),
        json!(null),
        json!(null),
        json!(null),
    ]));
    assert_eq!(
        decoded,
        json!([
            21.75, 3.5, -1024.0, 65504.0, "PVC-41", "A", 1e300, 2147483647
        ]),
        "{}",
        peer.log()
    );
}

/// A resource saved from the cluster (`kubectl get -o yaml`) holds the agent's
/// `.status`, whose values of a string register are text.
#[test]
fn a_status_with_text_values_validates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.yaml");
    std::fs::write(
        &path,
        "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: line-1, namespace: plant-a}
spec:
  deviceAddress: 127.0.0.1
  registers:
    - {name: recipe, address: 200, type: string, length: 8, value: \"PVC-40\"}
status:
  registers:
    - {name: recipe, kind: holding, address: 200, live: \"PVC-39\", desired: \"PVC-40\", inSync: false, action: Drifted}
",
    )
    .unwrap();
    let out = run(&["validate", "-f", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
