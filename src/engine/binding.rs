//! What binds a saved plan to its manifests: the manifests' digest (SHA-256 over the
//! files' contents, in load order), and the check, when a saved plan is applied,
//! that every device, register, bound, mode and desired value it would write is the
//! one its manifests declare today.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::device::Exception;
use crate::engine::observe::Reading;
use crate::engine::plan::{Action, Plan, PlanOptions, PlcPlan, RegisterPlan, plan_plc};
use crate::engine::revert::{Written, mark_stale};
use crate::manifest::Plc;

/// SHA-256 over the manifest files `paths` name (each file's length and bytes, in
/// load order), `None` when one cannot be read.
pub fn manifests_digest(paths: &[PathBuf]) -> Option<String> {
    let files = crate::manifest::manifest_files(paths);
    if files.is_empty() {
        return None;
    }
    let mut hash = Sha256::new();
    for file in files {
        let bytes = std::fs::read(file).ok()?;
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(&bytes);
    }
    Some(hex_digest(&hash.finalize()))
}

/// `sha256:` and the hex digits.
pub fn hex_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", super::signing::hex(bytes))
}

/// A saved plan that does not match its manifests.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} does not match its manifests ({}); nothing was written:\n{}\nplan again with `fabctl plan --out FILE`, or have the plan signed and pass --verify-key (see docs/change-management.md)",
    path.display(),
    manifests,
    problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
)]
pub struct BindingError {
    pub path: PathBuf,
    /// The manifest paths it was checked against.
    pub manifests: String,
    pub problems: Vec<String>,
}

/// Every difference between a saved plan and the manifests in what it would write to:
/// each PLC's device and settings, each register's address, kind, type, encoding,
/// bounds, mode, tolerance and desired value (and the words that encode it, for a
/// register to change). The live values the plan saw are the plan's own. A register
/// or PLC the manifests do not declare is a difference; manifests may declare more
/// than the plan holds (`--target`).
pub fn differences(plan: &Plan, plcs: &[Plc]) -> Vec<String> {
    differences_as(plan, plcs, None)
}

/// [`differences`] for a `plan --revert` plan: `plcs` hold the reverted run's
/// `before` values, and a register changed since the run (what the run `written`
/// does not match) is expected as drift, never as a write.
pub fn revert_differences(plan: &Plan, plcs: &[Plc], written: &Written) -> Vec<String> {
    differences_as(plan, plcs, Some(written))
}

fn differences_as(plan: &Plan, plcs: &[Plc], reverted: Option<&Written>) -> Vec<String> {
    let mut problems = Vec::new();
    for saved in &plan.plcs {
        let id = saved.id();
        let Some(plc) = plcs.iter().find(|p| p.id() == id) else {
            problems.push(format!("{id}: no manifest declares this PLC"));
            continue;
        };
        let mut expected = expected_plan(plc, saved);
        if let Some(written) = reverted {
            let mut one = Plan {
                plcs: vec![expected],
            };
            mark_stale(&mut one, written);
            expected = one.plcs.remove(0);
        }
        differing_fields(&id, &header(saved), &header(&expected), &mut problems);
        for reg in &saved.registers {
            let name = format!("{id}/{}", reg.name);
            let Some(want) = expected.registers.iter().find(|r| r.name == reg.name) else {
                problems.push(format!("{name}: no manifest declares this register"));
                continue;
            };
            let writes = reg.action == Action::Change;
            differing_fields(
                &name,
                &register_fields(reg, writes),
                &register_fields(want, writes),
                &mut problems,
            );
            if writes && want.action != Action::Change {
                problems.push(format!(
                    "{name}: the plan writes it, but by the manifests it is {}",
                    describe(&want.action)
                ));
            }
        }
    }
    problems
}

/// What planning `plc` would give, had it read what the saved plan saw.
fn expected_plan(plc: &Plc, saved: &PlcPlan) -> PlcPlan {
    let readings = plc
        .registers
        .iter()
        .map(|reg| {
            saved
                .registers
                .iter()
                .find(|r| r.name == reg.name)
                .and_then(|r| r.live_words.clone())
                .map_or(Reading::Exception(Exception::ILLEGAL_DATA_ADDRESS), |w| {
                    Reading::Words(w)
                })
        })
        .collect();
    plan_plc(
        plc,
        &Ok(readings),
        PlanOptions {
            respect_auto_correct: false,
            windows_at: None,
        },
    )
}

/// A PLC's settings without its registers and errors.
fn header(plc: &PlcPlan) -> serde_json::Value {
    let mut value = serde_json::to_value(plc).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("registers");
        map.remove("error");
    }
    value
}

/// A register's declared fields: what the plan saw and decided left out, and its
/// desired words only when it is to be written.
fn register_fields(reg: &RegisterPlan, writes: bool) -> serde_json::Value {
    let mut value = serde_json::to_value(reg).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        for seen in ["live", "live_words", "action", "message", "reason"] {
            map.remove(seen);
        }
        if !writes {
            map.remove("desired_words");
        }
    }
    value
}

/// One line per field whose value differs: `name: FIELD is A in the plan, B in the manifests`.
fn differing_fields(
    name: &str,
    plan: &serde_json::Value,
    manifest: &serde_json::Value,
    problems: &mut Vec<String>,
) {
    let empty = serde_json::Map::new();
    let plan = plan.as_object().unwrap_or(&empty);
    let manifest = manifest.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = plan.keys().chain(manifest.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (p, m) = (plan.get(key), manifest.get(key));
        if p != m {
            problems.push(format!(
                "{name}: {key} is {} in the plan, {} in the manifests",
                show(p),
                show(m)
            ));
        }
    }
}

fn show(value: Option<&serde_json::Value>) -> String {
    value.map_or_else(|| "not set".to_owned(), ToString::to_string)
}

fn describe(action: &Action) -> String {
    match action {
        Action::InSync => "in sync".into(),
        Action::Change => "to change".into(),
        Action::Drift { reason } => format!("not to be written ({})", reason.describe()),
        Action::Error { error } => format!("unplannable ({error})"),
        Action::Conflict { .. } => "in conflict (not written)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::observe::PlcReadings;
    use crate::register::{Value, Words};

    const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p, namespace: a}\nspec:\n  deviceAddress: 10.0.0.1\n  registers:\n    - {name: a, address: 0, value: 1, min: 0, max: 10}\n    - {name: b, address: 1, value: 2, mode: observe}\n";

    fn setup() -> (Vec<Plc>, Plan) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, PLANT).unwrap();
        let plcs = crate::manifest::load(&[path]).unwrap();
        let readings: Vec<PlcReadings> = vec![Ok(vec![
            Reading::Words(Words::from([0])),
            Reading::Words(Words::from([0])),
        ])];
        let plan = Plan::new(&plcs, &readings, PlanOptions::default());
        (plcs, plan)
    }

    #[test]
    fn a_plan_made_from_the_manifests_matches_them() {
        let (plcs, plan) = setup();
        assert_eq!(differences(&plan, &plcs), Vec::<String>::new());
    }

    #[test]
    fn each_edit_is_named() {
        let (plcs, mut plan) = setup();
        let a = &mut plan.plcs[0].registers[0];
        a.desired = Value::Int(400);
        a.desired_words = Words::from([400]);
        a.max = Some(crate::register::Bound::Int(1000));
        plan.plcs[0].registers[1].mode = crate::manifest::Mode::Enforce;
        plan.plcs[0].registers[1].action = Action::Change;
        let mut ghost = plan.plcs[0].registers[0].clone();
        ghost.name = "ghost".into();
        plan.plcs[0].registers.push(ghost);
        plan.plcs[0].port = 5555;
        assert_eq!(
            differences(&plan, &plcs),
            [
                "a/p: port is 5555 in the plan, 502 in the manifests",
                "a/p/a: desired is 400 in the plan, 1 in the manifests",
                "a/p/a: desired_words is [400] in the plan, [1] in the manifests",
                "a/p/a: max is 1000 in the plan, 10 in the manifests",
                "a/p/b: mode is \"enforce\" in the plan, \"observe\" in the manifests",
                "a/p/b: the plan writes it, but by the manifests it is not to be written (observe only)",
                "a/p/ghost: no manifest declares this register",
            ]
        );
    }
}
