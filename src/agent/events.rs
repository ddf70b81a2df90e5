//! Kubernetes events (events.k8s.io/v1) the agent publishes on an `IndustrialPLC`:
//!
//! | reason | type | when |
//! |---|---|---|
//! | `DriftCorrected` | Normal | corrections were written and verified (every time, with the count) |
//! | `DriftDetected` | Warning | drift that is not written (observe mode, read-only kind, `autoCorrect: false`) appears or changes |
//! | `WriteConflict` | Warning | a register is left to another writer (rewritten after each of the last corrections): no longer written |
//! | `WriteConflictResolved` | Normal | a register in conflict is written again (its manifest changed, `fabctl sync`, or it stayed in sync by itself) |
//! | `ConnectionFailed` | Warning | the device becomes unreachable |
//! | `CorrectionFailed` | Warning | a correction was refused or not verified by read-back |
//! | `InvalidSpec` | Warning | the spec becomes invalid (nothing is sent to the device) |
//! | `ModelNotFound` | Warning | `spec.model` names no PLCModel (nothing is sent to the device) |
//!
//! Events mark changes; the status holds the current state and the metrics count.
//! So a drift that persists over many polls gives one `DriftDetected`, not one per
//! poll, and a device that stays down gives one `ConnectionFailed`. Deciding is pure;
//! publishing failures are logged and never fail the reconcile.

use std::collections::BTreeSet;

use kube::Resource;
use kube::runtime::events::{Event, EventType, Recorder};

use super::status::{self, Assessment, Observation};
use crate::manifest::IndustrialPLC;
use crate::manifest::spec::{IndustrialPLCStatus, RegisterAction, RegisterStatus};
use crate::register::Value;

/// An event to publish.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub type_: EventType,
    pub reason: &'static str,
    pub action: &'static str,
    pub note: String,
}

/// The events one reconcile publishes, given what it observed and the previous status.
pub fn decide(observation: &Observation, previous: Option<&IndustrialPLCStatus>) -> Vec<Notice> {
    let mut out = Vec::new();
    match observation {
        Observation::InvalidSpec(message) => {
            let was_invalid = status::find(previous, status::READY)
                .is_some_and(|c| c.status == "False" && c.reason == "InvalidSpec");
            if !was_invalid {
                out.push(Notice {
                    type_: EventType::Warning,
                    reason: "InvalidSpec",
                    action: "Validate",
                    note: format!(
                        "nothing is sent to the device until the spec is fixed: {message}"
                    ),
                });
            }
        }
        Observation::ModelNotFound(message) => {
            let was_missing = status::find(previous, status::READY)
                .is_some_and(|c| c.status == "False" && c.reason == "ModelNotFound");
            if !was_missing {
                out.push(Notice {
                    type_: EventType::Warning,
                    reason: "ModelNotFound",
                    action: "Resolve",
                    note: format!(
                        "nothing is sent to the device until the model exists: {message}"
                    ),
                });
            }
        }
        Observation::Tick(a) => {
            if let Some(error) = &a.unreachable {
                let was_down =
                    status::find(previous, status::REACHABLE).is_some_and(|c| c.status == "False");
                if !was_down {
                    out.push(Notice {
                        type_: EventType::Warning,
                        reason: "ConnectionFailed",
                        action: "Connect",
                        note: format!("{}: {error}", a.device),
                    });
                }
                return out;
            }
            if !a.corrections.is_empty() {
                let list: Vec<String> = a
                    .corrections
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} → {}",
                            c.register,
                            show(c.before.as_ref()),
                            show(c.after.as_ref())
                        )
                    })
                    .collect();
                out.push(Notice {
                    type_: EventType::Normal,
                    reason: "DriftCorrected",
                    action: "Correct",
                    note: format!(
                        "corrected {} register{} (verified by read-back): {}",
                        a.corrections.len(),
                        plural(a.corrections.len()),
                        list.join(", ")
                    ),
                });
            }
            let failed: Vec<String> = a
                .correction_failures()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.name,
                        r.message.as_deref().unwrap_or("not verified")
                    )
                })
                .collect();
            if !failed.is_empty() {
                out.push(Notice {
                    type_: EventType::Warning,
                    reason: "CorrectionFailed",
                    action: "Correct",
                    note: format!(
                        "{} correction{} not verified: {}",
                        failed.len(),
                        plural(failed.len()),
                        failed.join("; ")
                    ),
                });
            }
            if let Some(note) = new_conflicts(a, previous) {
                out.push(Notice {
                    type_: EventType::Warning,
                    reason: "WriteConflict",
                    action: "Correct",
                    note,
                });
            }
            if !a.resumed.is_empty() {
                let list: Vec<String> = a
                    .resumed
                    .iter()
                    .map(|r| format!("{} ({})", r.register, r.reason.describe()))
                    .collect();
                out.push(Notice {
                    type_: EventType::Normal,
                    reason: "WriteConflictResolved",
                    action: "Correct",
                    note: format!(
                        "writing again {} register{} left to another writer: {}",
                        a.resumed.len(),
                        plural(a.resumed.len()),
                        list.join(", ")
                    ),
                });
            }
            if let Some(note) = new_drift(a, previous) {
                out.push(Notice {
                    type_: EventType::Warning,
                    reason: "DriftDetected",
                    action: "Observe",
                    note,
                });
            }
        }
    }
    for n in &mut out {
        n.note = status::truncate(std::mem::take(&mut n.note), 1024);
    }
    out
}

/// The note of `DriftDetected` when the set of unwritten drifted registers is not
/// the one the previous status reported.
fn new_drift(a: &Assessment, previous: Option<&IndustrialPLCStatus>) -> Option<String> {
    let now: Vec<&RegisterStatus> = a.drifted().collect();
    if now.is_empty() {
        return None;
    }
    let before: BTreeSet<&str> = previous
        .map(|p| {
            p.registers
                .iter()
                .filter(|r| r.action == RegisterAction::Drifted)
                .map(|r| r.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let names: BTreeSet<&str> = now.iter().map(|r| r.name.as_str()).collect();
    if names == before {
        return None;
    }
    let list: Vec<String> = now
        .iter()
        .map(|r| {
            format!(
                "{} {} (desired {}, {})",
                r.name,
                show(r.live.as_ref()),
                r.desired,
                r.message
                    .as_deref()
                    .and_then(|m| m.strip_prefix("not written: "))
                    .unwrap_or("not written")
            )
        })
        .collect();
    Some(format!(
        "{} register{} drifted and not written: {}",
        now.len(),
        plural(now.len()),
        list.join(", ")
    ))
}

/// The note of `WriteConflict` for the registers in conflict that the previous
/// status did not report in conflict.
fn new_conflicts(a: &Assessment, previous: Option<&IndustrialPLCStatus>) -> Option<String> {
    let before: BTreeSet<&str> = previous
        .map(|p| {
            p.registers
                .iter()
                .filter(|r| r.action == RegisterAction::Conflict)
                .map(|r| r.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let new: Vec<String> = a
        .conflicts()
        .filter(|r| !before.contains(r.name.as_str()))
        .map(|r| {
            format!(
                "{} {} (desired {}, {})",
                r.name,
                show(r.live.as_ref()),
                r.desired,
                r.message.as_deref().unwrap_or("conflict")
            )
        })
        .collect();
    (!new.is_empty()).then(|| {
        format!(
            "{} register{} rewritten by another writer (the PLC program, an HMI?); fabctl stopped writing: {}. It writes again when the manifest changes, on fabctl sync, or once the register stays in sync by itself",
            new.len(),
            plural(new.len()),
            new.join("; ")
        )
    })
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "?".into(), |v| v.to_string())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Publishes the notices on `obj`; failures are logged, not returned.
pub async fn publish(recorder: &Recorder, obj: &IndustrialPLC, notices: &[Notice]) {
    let reference = obj.object_ref(&());
    for n in notices {
        let event = Event {
            type_: n.type_,
            reason: n.reason.into(),
            note: Some(n.note.clone()),
            action: n.action.into(),
            secondary: None,
        };
        if let Err(e) = recorder.publish(&event, &reference).await {
            tracing::warn!(
                "cannot publish event {} on {}/{}: {e}",
                n.reason,
                reference.namespace.as_deref().unwrap_or_default(),
                reference.name.as_deref().unwrap_or_default()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::status::Counts;
    use crate::agent::status::{Correction, Inputs};
    use crate::register::RegisterKind;

    fn drifted(name: &str) -> RegisterStatus {
        RegisterStatus {
            name: name.into(),
            kind: RegisterKind::Holding,
            address: 0,
            live: Some(Value::Int(8)),
            desired: Value::Int(7),
            in_sync: false,
            action: RegisterAction::Drifted,
            message: Some("not written: observe only".into()),
        }
    }

    fn tick(registers: Vec<RegisterStatus>) -> Observation {
        Observation::Tick(Assessment {
            device: "h:502 unit 1".into(),
            unreachable: None,
            registers,
            corrections: Vec::new(),
            counts: Counts::default(),
            resumed: Vec::new(),
        })
    }

    fn written(obs: &Observation) -> IndustrialPLCStatus {
        status::build(
            obs,
            &Inputs {
                previous: None,
                totals: Counts::default(),
                generation: Some(1),
                sync: None,
                now: jiff::Timestamp::UNIX_EPOCH,
            },
        )
    }

    fn reasons(n: &[Notice]) -> Vec<&str> {
        n.iter().map(|n| n.reason).collect()
    }

    #[test]
    fn drift_detected_once_per_change_of_the_drifted_set() {
        let one = tick(vec![drifted("recipe")]);
        let first = decide(&one, None);
        assert_eq!(reasons(&first), ["DriftDetected"]);
        assert_eq!(first[0].type_, EventType::Warning);
        assert_eq!(
            first[0].note,
            "1 register drifted and not written: recipe 8 (desired 7, observe only)"
        );
        assert!(decide(&one, Some(&written(&one))).is_empty());
        let two = tick(vec![drifted("recipe"), drifted("speed")]);
        assert_eq!(
            reasons(&decide(&two, Some(&written(&one)))),
            ["DriftDetected"]
        );
    }

    #[test]
    fn corrections_are_announced_every_time_with_their_count() {
        let Observation::Tick(mut a) = tick(Vec::new()) else {
            unreachable!()
        };
        a.corrections = vec![Correction {
            register: "speed".into(),
            before: Some(Value::Int(10)),
            after: Some(Value::Int(12)),
        }];
        let obs = Observation::Tick(a);
        let n = decide(&obs, Some(&written(&obs)));
        assert_eq!(reasons(&n), ["DriftCorrected"]);
        assert_eq!(n[0].type_, EventType::Normal);
        assert_eq!(
            n[0].note,
            "corrected 1 register (verified by read-back): speed 10 → 12"
        );
    }

    #[test]
    fn connection_failed_on_the_transition_only() {
        let Observation::Tick(mut a) = tick(Vec::new()) else {
            unreachable!()
        };
        a.unreachable = Some("refused".into());
        let down = Observation::Tick(a);
        assert_eq!(reasons(&decide(&down, None)), ["ConnectionFailed"]);
        assert!(decide(&down, Some(&written(&down))).is_empty());
        let up = tick(Vec::new());
        assert_eq!(
            reasons(&decide(&down, Some(&written(&up)))),
            ["ConnectionFailed"]
        );
    }
}
