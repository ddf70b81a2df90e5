//! `fabctl validate`: the example plant, the original operator's sample, and a corpus
//! of invalid manifests whose whole messages are asserted.

use crate::support::{run, stderr, stdout};

#[test]
fn the_example_plant_is_valid() {
    let out = run(&["validate", "-f", "manifests/"]);
    assert_eq!(stderr(&out), "");
    assert_eq!(
        stdout(&out),
        "Manifests valid: 7 PLCs, 23 registers, 1 PLCModel in 5 files.\n"
    );
    assert!(out.status.success());
}

#[test]
fn manifests_is_the_default_path() {
    let out = run(&["validate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Manifests valid: 7 PLCs, 23 registers, 1 PLCModel in 5 files.\n"
    );
}

#[test]
fn the_original_operators_sample_loads_unchanged() {
    // tests/fixtures/original-sample-plc.yaml is a byte-for-byte copy of the original
    // operator's sample resources.
    let out = run(&["validate", "-f", "tests/fixtures/original-sample-plc.yaml"]);
    assert_eq!(stderr(&out), "");
    assert_eq!(
        stdout(&out),
        "Manifest valid: 2 PLCs, 2 registers in 1 file.\n"
    );
    assert!(out.status.success());
}

#[test]
fn the_shorthand_means_one_u16_holding_register_named_target() {
    let plcs = fabctl::manifest::load(&["tests/fixtures/original-sample-plc.yaml".into()]).unwrap();
    let plc = &plcs[0];
    assert_eq!(plc.id(), "default/production-line-1");
    assert_eq!(plc.endpoint(), "mock-plc.default.svc.cluster.local:5502");
    assert_eq!(plc.poll_interval.as_secs(), 5);
    assert!(plc.auto_correct);
    let [reg] = plc.registers.as_slice() else {
        panic!("one register expected")
    };
    assert_eq!(reg.name, "target");
    assert_eq!(reg.address, 4001);
    assert_eq!(reg.kind, fabctl::register::RegisterKind::Holding);
    assert_eq!(reg.codec.value_type, fabctl::register::ValueType::U16);
    assert_eq!(reg.desired, fabctl::register::Value::Int(2500));
}

#[test]
fn other_kinds_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: 127.0.0.1, targetRegister: 1, targetValue: 2}\n",
    )
    .unwrap();
    let out = run(&["validate", "-f", path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(
        stderr(&out),
        format!(
            "{}:1:1: note: skipping v1 ConfigMap (not an IndustrialPLC)\n",
            path.display()
        )
    );
    assert_eq!(
        stdout(&out),
        "Manifest valid: 1 PLC, 1 register in 1 file.\n"
    );
}

#[test]
fn json_output_reports_each_problem_with_its_location() {
    let out = run(&[
        "validate",
        "-o",
        "json",
        "-f",
        "tests/invalid/unknown-field.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["type"], "diagnostic");
    assert_eq!(lines[1]["severity"], "error");
    assert_eq!(lines[1]["file"], "tests/invalid/unknown-field.yaml");
    assert_eq!(lines[1]["line"], 11);
    assert_eq!(lines[1]["column"], 7);
    assert_eq!(
        lines[1]["message"],
        "unknown field `adress` in `spec.registers[0]`"
    );
    assert_eq!(lines[1]["hint"], "did you mean `address`?");
    assert_eq!(lines[2]["type"], "validate_summary");
    assert_eq!(lines[2]["valid"], false);
    assert_eq!(lines[2]["errors"], 2);
}

#[test]
fn a_missing_path_is_an_error() {
    let out = run(&["validate", "-f", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("no/such/dir: error: cannot read: No such file or directory"),
        "{}",
        stderr(&out)
    );
}

/// Every `tests/invalid/NAME.yaml` fails validation with exactly the message in
/// `tests/invalid/NAME.expected`.
#[test]
fn every_invalid_manifest_is_rejected_with_its_whole_message() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let rel = format!(
            "tests/invalid/{}",
            case.file_name().unwrap().to_str().unwrap()
        );
        let expected = std::fs::read_to_string(case.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{rel} has no .expected file"));
        let out = run(&["validate", "-f", &rel]);
        if out.status.code() != Some(1) || stderr(&out) != expected || !stdout(&out).is_empty() {
            failures.push(format!(
                "{rel}: exit {:?}\n--- expected\n{expected}--- got\n{}",
                out.status.code(),
                stderr(&out)
            ));
        }
        assert!(
            expected.starts_with(&format!("{rel}:")),
            "{rel}: the message names the file and line"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_resource_from_the_cluster_is_validated_like_a_file() {
    let text = std::fs::read_to_string("tests/fixtures/original-sample-plc.yaml").unwrap();
    let docs: Vec<fabctl::manifest::IndustrialPLC> = serde_saphyr::from_multiple(&text).unwrap();
    let plc = fabctl::manifest::from_resource(&docs[0]).unwrap();
    assert_eq!(plc.id(), "default/production-line-1");
    assert_eq!(plc.registers[0].name, "target");

    let mut bad = docs[0].clone();
    bad.spec.target_value = Some(70000);
    let err = fabctl::manifest::from_resource(&bad).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("cluster:default/production-line-1:"),
        "{message}"
    );
    assert!(
        message.contains("`spec.targetValue` 70000 is out of range for a u16 holding register"),
        "{message}"
    );
}

/// Two files, each with problems: one run reports all of them, file by file, each at
/// its own line and column.
#[test]
fn one_run_reports_every_problem_of_every_file() {
    let out = run(&[
        "validate",
        "-f",
        "tests/invalid/bool-for-number.yaml",
        "-f",
        "tests/invalid/every-problem-at-once.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        r#"tests/invalid/bool-for-number.yaml:12:14: error: register `speed`: expected a number for u16, got true
  help: u16 holds whole numbers from 0 to 65535
tests/invalid/every-problem-at-once.yaml:14:14: error: `spec.registers[0].value` must be a number or true/false, got a string ("12")
  help: remove the quotes
tests/invalid/every-problem-at-once.yaml:17:14: error: `spec.registers[1].value` must be a number or true/false, got a string ("yes")
  help: write true or false (or a number): fabctl reads YAML 1.2, where yes/no/on/off are strings
tests/invalid/every-problem-at-once.yaml:21:14: error: `spec.registers[2].value` must be a number or true/false, got a string ("off")
  help: write true or false (or a number): fabctl reads YAML 1.2, where yes/no/on/off are strings
tests/invalid/every-problem-at-once.yaml:22:7: error: missing required field `address` in `spec.registers[3]`
  help: add `address:`
tests/invalid/every-problem-at-once.yaml:23:7: error: unknown field `adress` in `spec.registers[3]`
  help: did you mean `address`?
tests/invalid/every-problem-at-once.yaml:27:13: error: `spec.registers[4].type` must be one of u16, i16, u32, i32, u64, i64, f32, f64, bool, string, got `f23`
  help: did you mean `f32`?
tests/invalid/every-problem-at-once.yaml:31:14: error: register `setpoint`: value 9 is below its min 10
  help: fix the value, or the bound if the machine allows it
tests/invalid/every-problem-at-once.yaml:33:13: error: register name `Feed Rate` (spec.registers[6]) may only hold lowercase letters, digits, '_' and '-'
  help: try `feed_rate`
Invalid: 9 problems found; nothing was sent to any device.
"#
    );
}

/// What the schema lets through but the resource type refuses is located at the
/// field, with its path, not at the top of the document.
#[test]
fn a_field_the_type_refuses_is_reported_at_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.yaml");
    std::fs::write(
        &path,
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: press-1\n  generation: soon\nspec: {deviceAddress: 127.0.0.1, targetRegister: 1, targetValue: 2}\n",
    )
    .unwrap();
    let out = run(&["validate", "-f", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{}:5:15: error: `metadata.generation`: invalid type: string \"soon\", expected i64\nInvalid: 1 problem found; nothing was sent to any device.\n",
            path.display()
        )
    );
}

/// `::1` is an IPv6 address, not a host and a port; and 127.0.0.1 and ::1 are two
/// addresses a server may listen on separately, so they are not one device.
#[test]
fn an_ipv6_address_is_no_port_and_not_the_ipv4_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plcs.yaml");
    std::fs::write(
        &path,
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: v6}\nspec:\n  deviceAddress: \"::1\"\n  port: 5502\n  registers:\n    - {name: a, address: 4002, value: 1}\n---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: v4}\nspec:\n  deviceAddress: 127.0.0.1\n  port: 5502\n  registers:\n    - {name: a, address: 4002, value: 1}\n",
    )
    .unwrap();
    let out = run(&["validate", "-f", path.to_str().unwrap()]);
    assert_eq!(stderr(&out), "");
    assert!(out.status.success());
}

/// Addresses that look like Modicon references are warned about with the address
/// they probably mean; a warning leaves the manifests valid.
#[test]
fn modicon_references_are_warned_about_and_still_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drive.yaml");
    std::fs::write(
        &path,
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: drive}\nspec:\n  deviceAddress: 10.0.0.9\n  registers:\n    - {name: speed, address: 40101, value: 1500}\n    - {name: current, address: 30002, kind: input, value: 0, mode: observe}\n    - {name: plain, address: 4010, value: 1}\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let out = run(&["validate", "-f", file]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        format!(
            "{file}:7:30: warning: register `speed`: address 40101 looks like a Modicon reference (4xxxx); did you mean address 100?\n  help: fabctl addresses are zero-based protocol addresses: reference 40101 is holding address 40101 - 40001 = 100; keep 40101 only if the device's manual gives it as a protocol address\n{file}:8:32: warning: register `current`: address 30002 looks like a Modicon reference (3xxxx); did you mean address 1?\n  help: fabctl addresses are zero-based protocol addresses: reference 30002 is input address 30002 - 30001 = 1; keep 30002 only if the device's manual gives it as a protocol address\n"
        )
    );
    assert_eq!(
        stdout(&out),
        "Manifest valid: 1 PLC, 3 registers in 1 file.\n"
    );

    let json = run(&["validate", "-o", "json", "-f", file]);
    assert_eq!(json.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        (&lines[0]["type"], &lines[0]["severity"], &lines[0]["line"]),
        (&"diagnostic".into(), &"warning".into(), &7.into())
    );
    assert_eq!(lines[2]["valid"], true);
}

#[test]
fn the_shorthand_target_register_is_warned_about_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.yaml");
    std::fs::write(
        &path,
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: seed}\nspec:\n  deviceAddress: 10.0.0.9\n  targetRegister: 40001\n  targetValue: 2500\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let out = run(&["validate", "-f", file]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).starts_with(&format!(
            "{file}:6:19: warning: register `target`: address 40001 looks like a Modicon reference (4xxxx); did you mean address 0?\n"
        )),
        "{}",
        stderr(&out)
    );
}
