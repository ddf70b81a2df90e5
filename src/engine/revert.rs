//! `plan --revert RUN_ID`: the plan that puts back what one run changed. Each
//! register the run wrote (or may have written: an intent without outcome) gets its
//! `before` value as the desired value; compare-and-set is on what the run wrote, so
//! a register changed since by anyone else is `stale`: shown, never written.

use std::collections::BTreeMap;

use crate::engine::audit::history::History;
use crate::engine::plan::{Action, DriftReason, Plan};
use crate::manifest::Plc;
use crate::register::Value;

/// What a run wrote, register by register: `(plc, register)` → (before, written).
pub type Written = BTreeMap<(String, String), (Value, Value)>;

/// The registers `run` wrote or may have written, with the value before it and the
/// value it wrote. Registers whose `before` is unknown cannot be put back and are
/// named in the second list.
pub fn written(history: &History, run: &str) -> (Written, Vec<String>) {
    let mut out = Written::new();
    let mut unknown = Vec::new();
    for change in history.run_changes(run) {
        // Not written (stale, refused, never sent): nothing to put back.
        if change.written == Some(false) {
            continue;
        }
        let name = format!("{}/{}", change.plc, change.register);
        let before = serde_json::from_value::<Value>(change.before.clone());
        let wrote = serde_json::from_value::<Value>(change.desired.clone());
        match (before, wrote) {
            (Ok(before), Ok(wrote)) if before != wrote => {
                out.insert(
                    (change.plc.clone(), change.register.clone()),
                    (before, wrote),
                );
            }
            (Ok(_), Ok(_)) => {}
            _ => unknown.push(name),
        }
    }
    (out, unknown)
}

/// The manifests' PLCs narrowed to what the run wrote, each register's desired value
/// set to its value before the run. Registers no manifest declares any more are
/// returned by name: their type and bounds are unknown, they cannot be planned.
pub fn fleet(plcs: Vec<Plc>, written: &Written) -> (Vec<Plc>, Vec<String>) {
    let mut missing: Vec<String> = written
        .keys()
        .filter(|(plc, reg)| {
            !plcs
                .iter()
                .any(|p| p.id() == *plc && p.registers.iter().any(|r| r.name == *reg))
        })
        .map(|(plc, reg)| format!("{plc}/{reg}"))
        .collect();
    missing.sort();
    let mut out = Vec::new();
    for mut plc in plcs {
        let id = plc.id();
        plc.registers
            .retain_mut(|reg| match written.get(&(id.clone(), reg.name.clone())) {
                Some((before, _)) => {
                    reg.desired = before.clone();
                    true
                }
                None => false,
            });
        if !plc.registers.is_empty() {
            out.push(plc);
        }
    }
    (out, missing)
}

/// Compare-and-set on what the run wrote: a register to change whose live words are
/// not those of the value the run wrote was changed since, and becomes `stale`.
pub fn mark_stale(plan: &mut Plan, written: &Written) {
    for plc in &mut plan.plcs {
        let id = plc.id();
        for reg in &mut plc.registers {
            if reg.action != Action::Change {
                continue;
            }
            let Some((_, wrote)) = written.get(&(id.clone(), reg.name.clone())) else {
                continue;
            };
            let expected = reg.codec().encode(wrote).ok();
            if expected.is_none() || reg.live_words != expected {
                reg.action = Action::Drift {
                    reason: DriftReason::ChangedSinceRun,
                };
            }
        }
    }
}
