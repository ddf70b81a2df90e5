//! Fleet templates: `PLCModel` documents, PLCs that name one with `spec.model`, the
//! resolved PLC's rules with each problem in the document that set the field, and a
//! model fleet planned and applied against the simulator.

use fabctl::register::RegisterKind::{Coil, Holding};
use fabctl::register::Value;

use crate::support::{Plant, assert_ok, fabctl, stderr, stdout};

const MODELS: &str = r#"apiVersion: fabgitops.io/v1
kind: PLCModel
metadata: {name: hx-200, namespace: plant}
spec:
  limits: {maxReadRegisters: 50}
  transport: tcp
  registers:
    - {name: speed, address: 100, scale: 0.1, min: 0, max: 250}
    - {name: stroke, address: 101, value: 400, min: 50, max: 600}
    - {name: cooling, address: 5, kind: coil, value: true}
---
apiVersion: fabgitops.io/v1
kind: PLCModel
metadata: {name: broken, namespace: plant}
spec:
  registers:
    - {name: a, address: 1, value: 70000}
    - {name: b, address: 1, value: 2}
---
apiVersion: fabgitops.io/v1
kind: PLCModel
metadata: {name: lathe, namespace: plant-b}
spec:
  registers:
    - {name: rpm, address: 1, value: 100}
"#;

const PLCS: &str = r#"apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: hx-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  model: hx-200
  values:
    speed: 300
    strok: 350
  registers:
    - {name: cooling, address: 6, kind: coil, value: false}
    - {name: lamp, address: 101, value: 1}
    - {name: extra, address: 200, value: 3}
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: hx-2, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  model: hx-200
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: hx-3, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  model: hx-20
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: l-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  model: lathe
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: b-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  model: broken
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: b-2, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  model: broken
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: v-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  values: {speed: 1}
  registers:
    - {name: x, address: 1, value: 1}
"#;

/// Writes `files` into a temp dir and runs `fabctl validate` on them there.
fn validate(files: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = fabctl();
    cmd.current_dir(dir.path())
        .args(["validate", "--color", "never"]);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
        cmd.args(["-f", name]);
    }
    cmd.output().unwrap()
}

#[test]
fn every_problem_of_a_model_fleet_is_reported_where_the_field_is_set() {
    // The PLCs come first: a model may be declared in any file, in any order.
    let out = validate(&[("plcs.yaml", PLCS), ("model.yaml", MODELS)]);
    assert_eq!(stdout(&out), "");
    assert_eq!(out.status.code(), Some(1));
    // The broken model's problem is reported once, at the model, though two PLCs
    // (b-1, b-2) use it.
    assert_eq!(
        stderr(&out),
        r#"model.yaml:17:36: error: register `a`: value 70000 is out of range for u16 (0..=65535)
  help: u16 holds whole numbers from 0 to 65535
plcs.yaml:8:12: error: register `speed`: value 300 is above its max 250
  help: the model sets this bound at model.yaml:8:60; fix the value, or the model's bound if the machine allows it
plcs.yaml:9:12: error: `spec.values.strok`: PLCModel `hx-200` has no register `strok`
  help: did you mean `stroke`?
plcs.yaml:11:7: error: register `cooling` is already declared by PLCModel `hx-200`
  help: the model declares it at model.yaml:10:7; set its value in `spec.values`, or give this register another name
plcs.yaml:12:7: error: register `lamp` (holding 101) overlaps register `stroke` of PLCModel `hx-200`
  help: the model declares `stroke` at model.yaml:9:7; move this register to a free address
plcs.yaml:20:10: error: register `speed` of PLCModel `hx-200` has no default and no value here
  help: add `speed: VALUE` to `spec.values` (the model declares it at model.yaml:8:7)
plcs.yaml:27:10: error: unknown PLCModel `hx-20` in namespace `plant`
  help: did you mean `hx-200`?
plcs.yaml:34:10: error: unknown PLCModel `lathe` in namespace `plant`
  help: PLCModel `lathe` is in namespace `plant-b`; a PLC uses a model of its own namespace
plcs.yaml:55:11: error: `spec.values` sets values of a model's registers, but `spec.model` is not set
  help: add `model: NAME` (a PLCModel of this namespace), or declare the registers in `registers:`
Invalid: 9 problems found; nothing was sent to any device.
"#
    );
}

const FLEET: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: hx-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @one
  timeoutMs: 500
  model: hx-200
  values: {speed: 80.5}
  registers:
    - {name: lamp, address: 300, value: 1}
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: hx-2, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @two
  timeoutMs: 500
  model: hx-200
  values: {speed: 95, stroke: 350}
---
apiVersion: fabgitops.io/v1
kind: PLCModel
metadata: {name: hx-200, namespace: plant}
spec:
  limits: {maxReadRegisters: 50}
  registers:
    - {name: speed, address: 100, scale: 0.1, min: 0, max: 250}
    - {name: stroke, address: 101, value: 400, min: 50, max: 600}
    - {name: cooling, address: 5, kind: coil, value: true}
"#;

#[test]
fn a_plc_resolves_to_its_models_registers_with_its_values_then_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.yaml");
    std::fs::write(&path, FLEET.replace("@one", "5601").replace("@two", "5602")).unwrap();
    let plcs = fabctl::manifest::load(std::slice::from_ref(&path)).unwrap();
    let ids: Vec<String> = plcs.iter().map(|p| p.id()).collect();
    assert_eq!(
        ids,
        ["plant/hx-1", "plant/hx-2"],
        "in the order of the file"
    );
    let registers = |i: usize| -> Vec<(String, Value, String)> {
        plcs[i]
            .registers
            .iter()
            .map(|r| {
                let at = format!("{}", r.source);
                let at = at.rsplit('/').next().unwrap().to_owned();
                (r.name.clone(), r.desired.clone(), at)
            })
            .collect()
    };
    assert_eq!(
        registers(0),
        [
            ("speed".into(), Value::Float(80.5), "fleet.yaml:30:7".into()),
            ("stroke".into(), Value::Int(400), "fleet.yaml:31:7".into()),
            (
                "cooling".into(),
                Value::Bool(true),
                "fleet.yaml:32:7".into()
            ),
            ("lamp".into(), Value::Int(1), "fleet.yaml:12:7".into()),
        ]
    );
    assert_eq!(registers(1)[1].1, Value::Int(350));
    assert_eq!(registers(1)[0].1, Value::Int(95));
    // The model's limits are the PLCs'.
    assert_eq!(plcs[0].limits.max_read_registers, 50);
    assert_eq!(plcs[1].limits.max_read_registers, 50);
    let out = fabctl()
        .args(["validate", "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "Manifest valid: 2 PLCs, 7 registers, 1 PLCModel in 1 file.\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_fleet_is_planned_and_applied_like_any_other() {
    let plant = Plant::start(FLEET).await;
    let clean = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(plant.sim.set_words("plant/hx-1", Holding, 100, &[700])); // speed 70.0
    assert!(plant.sim.set_words("plant/hx-2", Holding, 101, &[400])); // stroke 400
    assert!(plant.sim.set_words("plant/hx-2", Coil, 5, &[0])); // cooling off
    let plan = plant
        .fabctl(&["plan", "--detailed-exitcode", "--color", "never"])
        .await;
    assert_eq!(plan.status.code(), Some(2), "{}", stderr(&plan));
    let text = stdout(&plan);
    // Named as any PLC is; the inherited registers are planned as its own.
    let hx1 = text
        .split("\n\n")
        .find(|b| b.starts_with("# plant/hx-1 ("))
        .unwrap();
    assert!(
        hx1.ends_with(" unit 1)\n  ~ speed  holding 100  u16  70 → 80.5\n  3 in sync"),
        "{text}"
    );
    assert!(text.contains("  ~ stroke   holding 101  u16   400 → 350\n  ~ cooling  coil 5       bool  false → true\n"), "{text}");
    assert!(
        text.ends_with("Plan: 3 to change, 0 drifted, 4 in sync.\n"),
        "{text}"
    );
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert!(
        stdout(&apply).ends_with("Apply complete! 3 changed, 0 failed.\n"),
        "{}{}",
        stdout(&apply),
        stderr(&apply)
    );
    assert_eq!(
        plant.sim.read_words("plant/hx-1", Holding, 100, 1),
        Some(vec![805])
    );
    assert_eq!(
        plant.sim.read_words("plant/hx-2", Holding, 101, 1),
        Some(vec![350])
    );
    let again = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_is_refused_when_its_model_changed() {
    let plant = Plant::start(FLEET).await;
    // The model in a file of its own, next to the PLCs.
    let text = std::fs::read_to_string(&plant.manifest).unwrap();
    let (plcs, model) = text.rsplit_once("---\n").unwrap();
    std::fs::write(&plant.manifest, plcs).unwrap();
    let model_file = plant.dir.path().join("model.yaml");
    std::fs::write(&model_file, model).unwrap();
    assert!(plant.sim.set_words("plant/hx-1", Holding, 101, &[100]));
    let planfile = plant.dir.path().join("plan.json");
    let dir = plant.dir.path().to_str().unwrap();
    let mut cmd = fabctl();
    cmd.args(["plan", "-f", dir, "--out"]).arg(&planfile);
    let saved = cmd.output().unwrap();
    assert!(saved.status.success(), "{}", stderr(&saved));
    std::fs::write(&model_file, model.replace("value: 400", "value: 450")).unwrap();
    let mut cmd = fabctl();
    cmd.args(["apply", "-f", dir])
        .arg(&planfile)
        .env("FABCTL_AUDIT_LOG", plant.dir.path().join("audit.jsonl"));
    let apply = cmd.output().unwrap();
    assert_eq!(apply.status.code(), Some(1), "{}", stdout(&apply));
    assert!(
        stderr(&apply).contains("does not match its manifests"),
        "{}",
        stderr(&apply)
    );
    assert_eq!(
        plant.sim.read_words("plant/hx-1", Holding, 101, 1),
        Some(vec![100])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_with_a_model_writes_a_plc_of_the_model_that_plans_clean() {
    let plant = Plant::start(FLEET).await;
    assert!(plant.sim.set_words("plant/hx-2", Holding, 100, &[123])); // speed 12.3
    let addr = plant.sim.addr_of("plant/hx-2").unwrap();
    let text = std::fs::read_to_string(&plant.manifest).unwrap();
    let (_, model) = text.rsplit_once("---\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.yaml"), model).unwrap();
    let out_file = dir.path().join("hx-9.yaml");
    let mut cmd = fabctl();
    cmd.args(["import", "--device", &addr.to_string(), "--model", "hx-200"])
        .args(["--namespace", "plant", "--name", "hx-9", "-f"])
        .arg(dir.path().join("model.yaml"))
        .arg("--out")
        .arg(&out_file);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(&out_file).unwrap();
    let spec = manifest.split_once("spec:\n").unwrap().1;
    assert_eq!(
        spec,
        format!(
            "  deviceAddress: 127.0.0.1\n  port: {}\n  unitId: 1\n  timeoutMs: 1000\n  model: hx-200\n  values:\n    speed: 12.3\n    stroke: 350\n    cooling: true\n",
            addr.port()
        )
    );
    let dir_arg = dir.path().to_str().unwrap().to_owned();
    let plan = tokio::task::spawn_blocking(move || {
        fabctl()
            .args(["plan", "--detailed-exitcode", "-f", &dir_arg])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_ok(&plan);

    // A model that is not in the manifests: nothing is read.
    let mut cmd = fabctl();
    cmd.args(["import", "--device", &addr.to_string(), "--model", "hx-300"])
        .args(["--namespace", "plant", "-f"])
        .arg(dir.path().join("model.yaml"));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{}: error: no PLCModel `hx-300` in namespace `plant` in these manifests\n  help: pass the model's file with -f, or its namespace with --namespace\nerror: 1 problem found in the manifests; nothing was sent to any device\n",
            dir.path().join("model.yaml").display()
        )
    );
}

#[test]
fn the_original_operators_shorthand_stays_valid_beside_a_model() {
    let model = "apiVersion: fabgitops.io/v1\nkind: PLCModel\nmetadata: {name: m}\nspec:\n  registers:\n    - {name: speed, address: 100, value: 5}\n";
    let plc = |target: u16| {
        format!(
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: p}}\nspec:\n  deviceAddress: 127.0.0.1\n  model: m\n  targetRegister: {target}\n  targetValue: 7\n"
        )
    };
    let out = validate(&[("m.yaml", model), ("p.yaml", &plc(4001))]);
    assert_eq!(stderr(&out), "");
    assert_eq!(
        stdout(&out),
        "Manifests valid: 1 PLC, 2 registers, 1 PLCModel in 2 files.\n"
    );
    // The shorthand's register is the PLC's own: it may not share the model's address.
    let out = validate(&[("m.yaml", model), ("p.yaml", &plc(100))]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "p.yaml:7:19: error: register `target` (holding 100) overlaps register `speed` (holding 100)\n  help: `speed` is declared at m.yaml:6:7; give each register its own addresses\nInvalid: 1 problem found; nothing was sent to any device.\n"
    );
}

/// A model's string register gets its text from a PLC's `spec.values`; text for a
/// number is still refused, at the value's line.
#[test]
fn a_plc_gives_text_to_its_models_string_register_in_spec_values() {
    let model = "apiVersion: fabgitops.io/v1
kind: PLCModel
metadata: {name: mixer, namespace: plant}
spec:
  registers:
    - {name: recipe, address: 200, type: string, length: 4}
    - {name: speed, address: 210, value: 5}
";
    let plc = |values: &str| {
        format!(
            "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {{name: mixer-1, namespace: plant}}
spec:
  deviceAddress: 127.0.0.1
  model: mixer
  values: {values}
"
        )
    };
    let good = validate(&[
        ("model.yaml", model),
        ("plc.yaml", &plc("{recipe: \"PVC-40\"}")),
    ]);
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    let bad = validate(&[
        ("model.yaml", model),
        ("plc.yaml", &plc("{recipe: \"PVC-40\", speed: \"12\"}")),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert!(
        err.starts_with(
            "plc.yaml:7:37: error: register `speed`: expected a number for u16, got \"12\""
        ),
        "{err}"
    );
}

/// `import --model` reads the device as the model says it must be read: never an
/// address between the model's registers when the model says `maxGap: 0`, and over the
/// model's transport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_with_a_model_reads_by_the_models_limits_and_transport() {
    let device = "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: meter-1, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @meter
  registers:
    - {name: a, address: 0, value: 1}
    - {name: b, address: 3, value: 2}
";
    let plant = Plant::start(device).await;
    let addr = plant.sim.addr_of("plant/meter-1").unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let model = |extra: &str| {
        format!(
            "apiVersion: fabgitops.io/v1\nkind: PLCModel\nmetadata: {{name: meter, namespace: plant}}\nspec:\n  limits: {{maxGap: 0}}\n{extra}  registers:\n    - {{name: a, address: 0}}\n    - {{name: b, address: 3}}\n"
        )
    };
    let import = |text: String| {
        let path = dir.path().join("model.yaml");
        std::fs::write(&path, text).unwrap();
        let mut cmd = fabctl();
        cmd.args(["import", "--device", &addr, "--model", "meter"])
            .args(["--namespace", "plant", "-f"])
            .arg(&path);
        cmd
    };
    let mut cmd = import(model(""));
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("    a: 1\n    b: 2\n"),
        "{}",
        stdout(&out)
    );
    let counters = plant.sim.counters("plant/meter-1").unwrap();
    assert_eq!(counters.undeclared_reads, 0, "addresses 1 and 2 never read");

    let mut cmd = import(model("  transport: rtu-over-tcp\n"));
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: PLCModel `meter` is reached over rtu-over-tcp, not tcp: pass --transport rtu-over-tcp (and its flags)\n"
    );
}
