//! `.status` from what one reconcile saw: a pure function of the tick's plan and apply
//! report, the previous status, and the running totals. No I/O here.
//!
//! | situation | phase | Ready | Reachable | InSync |
//! |---|---|---|---|---|
//! | everything in sync (maybe after verified corrections) | Connected | True `Reconciled` | True | True `InSync`/`Corrected` |
//! | drift left unwritten (observe, read-only, autoCorrect off, stale) | DriftDetected | False `Drifted` | True | False `Drifted` |
//! | a register left to another writer (tug of war) | DriftDetected | False `WriteConflict` | True | False `WriteConflict` |
//! | a register unreadable, or a correction not verified | Failed | False `ReadFailed`/`CorrectionFailed` | True | False or Unknown |
//! | device unreachable | Failed | False `ConnectionFailed` | False `ConnectionFailed` | Unknown `Unreachable` |
//! | spec invalid (no device traffic) | Failed | False `InvalidSpec` | Unknown `InvalidSpec` | Unknown `InvalidSpec` |
//! | `spec.model` names no PLCModel (no device traffic) | Failed | False `ModelNotFound` | Unknown `ModelNotFound` | Unknown `ModelNotFound` |
//!
//! Corrections are written and verified within one reconcile, so the `Correcting`
//! phase of the original operator is never observable and not written.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use crate::engine::apply::Outcome;
use crate::engine::plan::Action;
use crate::engine::reconcile::TickReport;
use crate::manifest::SHORTHAND_REGISTER;
use crate::manifest::spec::{IndustrialPLCStatus, Phase, RegisterAction, RegisterStatus};
use crate::register::Value;

pub const READY: &str = "Ready";
pub const REACHABLE: &str = "Reachable";
pub const IN_SYNC: &str = "InSync";
/// The reason of `Ready` and `InSync` when a register is left to another writer.
pub const WRITE_CONFLICT: &str = "WriteConflict";

/// Drift and correction counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub drift_events: i64,
    pub corrections: i64,
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, o: Counts) -> Counts {
        Counts {
            drift_events: self.drift_events.saturating_add(o.drift_events),
            corrections: self.corrections.saturating_add(o.corrections),
        }
    }
}

impl Counts {
    /// The running totals a status holds.
    pub fn of(status: Option<&IndustrialPLCStatus>) -> Counts {
        status.map_or_else(Counts::default, |s| Counts {
            drift_events: s.drift_events,
            corrections: s.corrections_applied,
        })
    }
}

/// One verified correction, for the `DriftCorrected` event.
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    pub register: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Why a tick of one PLC failed: the agent then backs off instead of polling.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Failure {
    /// The PLC could not be reached at all.
    #[error("unreachable: {reason}")]
    Unreachable { reason: String },
    /// Registers could not be read, or their corrections were not verified.
    #[error("{}", registers.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Registers { registers: Vec<RegisterFailure> },
}

/// One register that failed a tick, with what its status says of it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("register {register}: {message}")]
pub struct RegisterFailure {
    pub register: String,
    /// `ReadFailed` or `CorrectionFailed`.
    pub action: RegisterAction,
    pub message: String,
}

/// What one tick of one PLC amounts to.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    /// `host:port unit N`.
    pub device: String,
    /// Why the PLC could not be reached at all.
    pub unreachable: Option<String>,
    pub registers: Vec<RegisterStatus>,
    pub corrections: Vec<Correction>,
    /// Drift seen (written or not) and corrections verified in this tick.
    pub counts: Counts,
    /// Registers in conflict that are written again from this tick on.
    pub resumed: Vec<crate::engine::conflict::Resumed>,
}

/// What a reconcile observed: an invalid spec or a missing model (no device
/// traffic), or a tick.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    InvalidSpec(String),
    /// `spec.model` names no PLCModel of the PLC's namespace (the message says which).
    ModelNotFound(String),
    Tick(Assessment),
}

impl Assessment {
    /// Reads the tick report of one PLC.
    pub fn of(report: &TickReport) -> Assessment {
        let Some(plc) = report.plan.plcs.first() else {
            return Assessment {
                device: String::new(),
                unreachable: Some("nothing was planned".into()),
                registers: Vec::new(),
                corrections: Vec::new(),
                counts: Counts::default(),
                resumed: Vec::new(),
            };
        };
        let device = format!("{} unit {}", plc.endpoint(), plc.unit_id);
        let mut counts = Counts::default();
        let mut corrections = Vec::new();
        let registers = plc
            .registers
            .iter()
            .map(|r| {
                let mut status = RegisterStatus {
                    name: r.name.clone(),
                    kind: r.kind,
                    address: r.address,
                    live: r.live.clone(),
                    desired: r.desired.clone(),
                    in_sync: false,
                    action: RegisterAction::InSync,
                    message: None,
                };
                if matches!(
                    r.action,
                    Action::Change | Action::Drift { .. } | Action::Conflict { .. }
                ) {
                    counts.drift_events += 1;
                }
                match &r.action {
                    Action::InSync => status.in_sync = true,
                    Action::Drift { reason } => {
                        status.action = RegisterAction::Drifted;
                        status.message = Some(format!("not written: {}", reason.describe()));
                    }
                    Action::Conflict { corrections } => {
                        status.action = RegisterAction::Conflict;
                        status.message = Some(crate::engine::conflict::describe(*corrections));
                    }
                    Action::Error { error } => {
                        status.action = RegisterAction::ReadFailed;
                        status.message = Some(error.to_string());
                    }
                    Action::Change => {
                        let result = report
                            .apply
                            .results
                            .iter()
                            .find(|x| x.register == r.name);
                        match result {
                            Some(x) if x.outcome == Outcome::Applied => {
                                counts.corrections += 1;
                                status.live = x.after.clone().or(r.live.clone());
                                status.in_sync = true;
                                status.action = RegisterAction::Corrected;
                                corrections.push(Correction {
                                    register: r.name.clone(),
                                    before: x.before.clone().or(r.live.clone()),
                                    after: x.after.clone(),
                                });
                            }
                            // Another writer set the desired value since the read:
                            // in sync, and no correction of ours.
                            Some(x) if x.outcome == Outcome::InSync => {
                                status.live = x.before.clone().or(r.live.clone());
                                status.in_sync = true;
                            }
                            Some(x) if x.outcome == Outcome::Stale => {
                                status.live = x.before.clone().or(r.live.clone());
                                status.action = RegisterAction::Stale;
                                status.message = Some(
                                    "changed between the read and the write; retried at the next poll"
                                        .into(),
                                );
                            }
                            Some(x) => {
                                status.live = x.after.clone().or(x.before.clone()).or(r.live.clone());
                                status.action = RegisterAction::CorrectionFailed;
                                status.message = Some(x.error.as_ref().map_or_else(
                                    || x.outcome.as_str().replace('_', " "),
                                    ToString::to_string,
                                ));
                            }
                            None => {
                                status.action = RegisterAction::CorrectionFailed;
                                status.message = Some("the correction was not attempted".into());
                            }
                        }
                    }
                }
                status
            })
            .collect();
        Assessment {
            device,
            unreachable: plc.error.as_ref().map(ToString::to_string),
            registers,
            corrections,
            counts,
            resumed: report.conflicts.resumed.clone(),
        }
    }

    fn with(&self, action: RegisterAction) -> impl Iterator<Item = &RegisterStatus> {
        self.registers.iter().filter(move |r| r.action == action)
    }

    /// Registers drifted and deliberately not written (observe, read-only, autoCorrect off).
    pub fn drifted(&self) -> impl Iterator<Item = &RegisterStatus> {
        self.with(RegisterAction::Drifted)
    }

    /// Registers left to another writer (not written).
    pub fn conflicts(&self) -> impl Iterator<Item = &RegisterStatus> {
        self.with(RegisterAction::Conflict)
    }

    /// Registers whose correction was not verified.
    pub fn correction_failures(&self) -> impl Iterator<Item = &RegisterStatus> {
        self.with(RegisterAction::CorrectionFailed)
    }

    /// Whether the reconcile failed (unreachable, unreadable, or unverified): the
    /// agent then retries with backoff instead of at the poll interval.
    pub fn failure(&self) -> Option<Failure> {
        if let Some(reason) = &self.unreachable {
            return Some(Failure::Unreachable {
                reason: reason.clone(),
            });
        }
        let registers: Vec<RegisterFailure> = self
            .registers
            .iter()
            .filter(|r| {
                matches!(
                    r.action,
                    RegisterAction::CorrectionFailed | RegisterAction::ReadFailed
                )
            })
            .map(|r| RegisterFailure {
                register: r.name.clone(),
                action: r.action,
                message: r.message.clone().unwrap_or_else(|| "failed".into()),
            })
            .collect();
        (!registers.is_empty()).then_some(Failure::Registers { registers })
    }

    /// `3 in sync, 1 corrected, 1 drifted (not written)`.
    fn summary(&self) -> String {
        let parts = [
            (RegisterAction::InSync, "in sync"),
            (RegisterAction::Corrected, "corrected"),
            (RegisterAction::Drifted, "drifted (not written)"),
            (
                RegisterAction::Conflict,
                "in conflict with another writer (not written)",
            ),
            (RegisterAction::Stale, "stale (retried next poll)"),
            (RegisterAction::CorrectionFailed, "correction failed"),
            (RegisterAction::ReadFailed, "unreadable"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter_map(|(action, label)| {
                let n = self.with(*action).count();
                (n > 0).then(|| format!("{n} {label}"))
            })
            .collect();
        if text.is_empty() {
            "no registers".into()
        } else {
            text.join(", ")
        }
    }
}

/// Everything a status needs besides the observation.
pub struct Inputs<'a> {
    pub previous: Option<&'a IndustrialPLCStatus>,
    /// Running totals including this tick.
    pub totals: Counts,
    pub generation: Option<i64>,
    /// The sync annotation value handled by this reconcile, if any.
    pub sync: Option<String>,
    pub now: jiff::Timestamp,
}

/// The whole status a reconcile writes.
pub fn build(observation: &Observation, inputs: &Inputs<'_>) -> IndustrialPLCStatus {
    let now = inputs.now;
    let condition = |type_: &str, status: &str, reason: &str, message: String| {
        make_condition(type_, status, reason, message, inputs, now)
    };
    let mut s = IndustrialPLCStatus {
        last_update: Some(rfc3339(now)),
        drift_events: inputs.totals.drift_events,
        corrections_applied: inputs.totals.corrections,
        observed_generation: inputs.generation,
        last_sync_request: inputs
            .sync
            .clone()
            .or_else(|| inputs.previous.and_then(|p| p.last_sync_request.clone())),
        ..IndustrialPLCStatus::default()
    };
    match observation {
        Observation::InvalidSpec(message) => {
            s.phase = Some(Phase::Failed);
            s.last_error = Some(message.clone());
            s.message = Some(format!(
                "invalid spec: {}",
                message.lines().next().unwrap_or_default()
            ));
            s.conditions = vec![
                condition(READY, "False", "InvalidSpec", message.clone()),
                condition(
                    REACHABLE,
                    "Unknown",
                    "InvalidSpec",
                    "not contacted: the spec is invalid".into(),
                ),
                condition(
                    IN_SYNC,
                    "Unknown",
                    "InvalidSpec",
                    "not checked: the spec is invalid".into(),
                ),
            ];
        }
        Observation::ModelNotFound(message) => {
            s.phase = Some(Phase::Failed);
            s.last_error = Some(message.clone());
            s.message = Some(message.clone());
            let reason = "ModelNotFound";
            s.conditions = vec![
                condition(READY, "False", reason, message.clone()),
                condition(
                    REACHABLE,
                    "Unknown",
                    reason,
                    "not contacted: the PLC's model is missing".into(),
                ),
                condition(
                    IN_SYNC,
                    "Unknown",
                    reason,
                    "not checked: the PLC's model is missing".into(),
                ),
            ];
        }
        Observation::Tick(a) => {
            if let Some(error) = &a.unreachable {
                s.phase = Some(Phase::Failed);
                s.last_error = Some(error.clone());
                s.message = Some(format!("{} unreachable: {error}", a.device));
                s.conditions = vec![
                    condition(READY, "False", "ConnectionFailed", error.clone()),
                    condition(REACHABLE, "False", "ConnectionFailed", error.clone()),
                    condition(
                        IN_SYNC,
                        "Unknown",
                        "Unreachable",
                        "not read: the PLC is unreachable".into(),
                    ),
                ];
                return s;
            }
            let summary = a.summary();
            let total = a.registers.len();
            let out_of_sync: Vec<&str> = a
                .registers
                .iter()
                .filter(|r| {
                    matches!(
                        r.action,
                        RegisterAction::Drifted
                            | RegisterAction::Conflict
                            | RegisterAction::Stale
                            | RegisterAction::CorrectionFailed
                    )
                })
                .map(|r| r.name.as_str())
                .collect();
            let unread = a.with(RegisterAction::ReadFailed).count();
            let conflicts: Vec<&str> = a.conflicts().map(|r| r.name.as_str()).collect();
            let in_sync = if !conflicts.is_empty() {
                condition(
                    IN_SYNC,
                    "False",
                    WRITE_CONFLICT,
                    format!(
                        "{} of {total} registers out of sync; rewritten by another writer, not written: {}",
                        out_of_sync.len(),
                        conflicts.join(", ")
                    ),
                )
            } else if !out_of_sync.is_empty() {
                condition(
                    IN_SYNC,
                    "False",
                    "Drifted",
                    format!(
                        "{} of {total} registers out of sync: {}",
                        out_of_sync.len(),
                        out_of_sync.join(", ")
                    ),
                )
            } else if unread > 0 {
                condition(
                    IN_SYNC,
                    "Unknown",
                    "ReadFailed",
                    format!("{unread} of {total} registers could not be read"),
                )
            } else if a.counts.corrections > 0 {
                condition(IN_SYNC, "True", "Corrected", summary.clone())
            } else {
                condition(IN_SYNC, "True", "InSync", summary.clone())
            };
            let failure = a.failure().map(|f| f.to_string());
            let ready = if a.correction_failures().next().is_some() {
                condition(
                    READY,
                    "False",
                    "CorrectionFailed",
                    failure.clone().unwrap_or_default(),
                )
            } else if unread > 0 {
                condition(
                    READY,
                    "False",
                    "ReadFailed",
                    failure.clone().unwrap_or_default(),
                )
            } else if !conflicts.is_empty() {
                condition(READY, "False", WRITE_CONFLICT, summary.clone())
            } else if !out_of_sync.is_empty() {
                condition(READY, "False", "Drifted", summary.clone())
            } else {
                condition(READY, "True", "Reconciled", summary.clone())
            };
            s.phase = Some(match (failure.is_some(), out_of_sync.is_empty()) {
                (true, _) => Phase::Failed,
                (false, false) => Phase::DriftDetected,
                (false, true) => Phase::Connected,
            });
            s.in_sync = Some(out_of_sync.is_empty() && unread == 0);
            s.current_value = a
                .registers
                .iter()
                .find(|r| r.name == SHORTHAND_REGISTER)
                .and_then(|r| match r.live.clone()? {
                    Value::Int(i) => i64::try_from(i).ok(),
                    Value::Bool(b) => Some(i64::from(b)),
                    Value::Float(_) | Value::Text(_) => None,
                });
            s.last_error = failure;
            s.message = Some(format!("{}: {summary}", a.device));
            s.registers = a.registers.clone();
            s.conditions = vec![
                ready,
                condition(
                    REACHABLE,
                    "True",
                    "Connected",
                    format!("read {total} registers from {}", a.device),
                ),
                in_sync,
            ];
        }
    }
    s
}

/// A condition whose `lastTransitionTime` moves only when its status changes.
fn make_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    inputs: &Inputs<'_>,
    now: jiff::Timestamp,
) -> Condition {
    let since = inputs
        .previous
        .and_then(|p| p.conditions.iter().find(|c| c.type_ == type_))
        .filter(|c| c.status == status)
        // At the precision the API keeps, so the status read back equals this one.
        .map_or_else(
            || Time(jiff::Timestamp::from_second(now.as_second()).unwrap_or(now)),
            |c| c.last_transition_time.clone(),
        );
    Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message: truncate(message, 1024),
        last_transition_time: since,
        observed_generation: inputs.generation,
    }
}

/// The part of a status that later reconciles read back — conditions (transition
/// times, events), counts, the last sync request, the generation, and the registers
/// that drifted unwritten or are in conflict (`DriftDetected` and `WriteConflict`
/// notes) — without the values of the other
/// registers, which are most of a status and never read back, and without its texts
/// (messages, the last update time). What the agent keeps
/// of every status it wrote or caches: memory per PLC, not per register.
pub fn retained(mut status: IndustrialPLCStatus) -> IndustrialPLCStatus {
    status
        .registers
        .retain(|r| matches!(r.action, RegisterAction::Drifted | RegisterAction::Conflict));
    status.registers.shrink_to_fit();
    status.message = None;
    status.last_error = None;
    status.last_update = None;
    for c in &mut status.conditions {
        c.message = String::new();
    }
    status
}

/// A digest of everything in `status` but `lastUpdate`: two statuses with one
/// fingerprint say the same (condition transition times move only on a transition,
/// so they are compared too). `None` if it cannot be serialized (its patch could not
/// be either). The status is left as it was; `&mut` only spares a copy.
pub fn fingerprint(status: &mut IndustrialPLCStatus) -> Option<u64> {
    use std::hash::Hasher;
    /// Feeds the JSON text of the status to a hasher, unbuffered and unallocated.
    struct Digest(std::hash::DefaultHasher);
    impl std::io::Write for Digest {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let stamp = status.last_update.take();
    let mut digest = Digest(std::hash::DefaultHasher::new());
    let serialized = serde_json::to_writer(&mut digest, &*status);
    status.last_update = stamp;
    serialized.ok().map(|()| digest.0.finish())
}

/// Finds a condition by type.
pub fn find<'a>(status: Option<&'a IndustrialPLCStatus>, type_: &str) -> Option<&'a Condition> {
    status?.conditions.iter().find(|c| c.type_ == type_)
}

/// RFC 3339 at second precision, as the original operator wrote `lastUpdate`.
pub fn rfc3339(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second).unwrap_or(t).to_string()
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max.saturating_sub(3);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::RegisterKind;

    fn reg(name: &str, action: RegisterAction, live: i128) -> RegisterStatus {
        RegisterStatus {
            name: name.into(),
            kind: RegisterKind::Holding,
            address: 0,
            live: Some(Value::Int(live)),
            desired: Value::Int(5),
            in_sync: matches!(action, RegisterAction::InSync | RegisterAction::Corrected),
            action,
            message: None,
        }
    }

    fn assessment(registers: Vec<RegisterStatus>) -> Assessment {
        Assessment {
            device: "127.0.0.1:502 unit 1".into(),
            unreachable: None,
            registers,
            corrections: Vec::new(),
            counts: Counts::default(),
            resumed: Vec::new(),
        }
    }

    fn at(second: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_750_000_000 + second).unwrap()
    }

    fn inputs(previous: Option<&IndustrialPLCStatus>, now: jiff::Timestamp) -> Inputs<'_> {
        Inputs {
            previous,
            totals: Counts::default(),
            generation: Some(3),
            sync: None,
            now,
        }
    }

    fn cond<'a>(s: &'a IndustrialPLCStatus, t: &str) -> &'a Condition {
        find(Some(s), t).unwrap()
    }

    #[test]
    fn a_status_read_back_from_the_api_equals_the_one_written() {
        use RegisterAction::{Drifted, InSync};
        let now = at(0) + jiff::SignedDuration::from_millis(1_750);
        let written = retained(build(
            &Observation::Tick(assessment(vec![reg("a", InSync, 5), reg("b", Drifted, 4)])),
            &inputs(None, now),
        ));
        let json = serde_json::to_string(&written).unwrap();
        let read_back: IndustrialPLCStatus = serde_json::from_str(&json).unwrap();
        assert_eq!(retained(read_back), written, "{json}");
    }

    #[test]
    fn a_retained_status_drives_the_next_reconcile_exactly_as_the_whole_one() {
        use RegisterAction::{Corrected, Drifted, InSync};
        let first = build(
            &Observation::Tick(assessment(vec![
                reg("a", InSync, 5),
                reg("b", Drifted, 4),
                reg("c", Corrected, 5),
            ])),
            &Inputs {
                sync: Some("2025-06-15T15:00:00Z".into()),
                totals: Counts {
                    drift_events: 7,
                    corrections: 3,
                },
                ..inputs(None, at(0))
            },
        );
        let kept = retained(first.clone());
        let names: Vec<&str> = kept.registers.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["b"]);
        let condition = |c: &Condition| {
            (
                c.type_.clone(),
                c.status.clone(),
                c.reason.clone(),
                c.last_transition_time.clone(),
            )
        };
        assert_eq!(
            kept.conditions.iter().map(condition).collect::<Vec<_>>(),
            first.conditions.iter().map(condition).collect::<Vec<_>>()
        );
        assert!(kept.conditions.iter().all(|c| c.message.is_empty()));
        assert_eq!(
            (kept.drift_events, kept.corrections_applied),
            (first.drift_events, first.corrections_applied)
        );
        assert_eq!(kept.last_sync_request, first.last_sync_request);
        assert_eq!(kept.observed_generation, first.observed_generation);
        let nexts = [
            vec![
                reg("a", InSync, 5),
                reg("b", Drifted, 4),
                reg("c", InSync, 5),
            ],
            vec![
                reg("a", Drifted, 3),
                reg("b", Drifted, 4),
                reg("c", InSync, 5),
            ],
            vec![
                reg("a", InSync, 5),
                reg("b", InSync, 5),
                reg("c", InSync, 5),
            ],
        ];
        let unreachable = Assessment {
            unreachable: Some("connection refused".into()),
            ..assessment(Vec::new())
        };
        let nexts = nexts
            .into_iter()
            .map(|registers| Observation::Tick(assessment(registers)))
            .chain([
                Observation::Tick(unreachable),
                Observation::InvalidSpec("`spec.port` must be at least 1".into()),
            ]);
        for next in nexts {
            assert_eq!(
                build(&next, &inputs(Some(&kept), at(10))),
                build(&next, &inputs(Some(&first), at(10)))
            );
            assert_eq!(
                crate::agent::events::decide(&next, Some(&kept)),
                crate::agent::events::decide(&next, Some(&first))
            );
        }
    }

    #[test]
    fn in_sync_plc_is_connected_and_ready() {
        let obs = Observation::Tick(assessment(vec![reg("target", RegisterAction::InSync, 5)]));
        let s = build(&obs, &inputs(None, at(0)));
        assert_eq!(s.phase, Some(Phase::Connected));
        assert_eq!(s.current_value, Some(5));
        assert_eq!(s.in_sync, Some(true));
        assert_eq!(s.observed_generation, Some(3));
        assert_eq!(s.last_update.as_deref(), Some("2025-06-15T15:06:40Z"));
        let types: Vec<(&str, &str, &str)> = s
            .conditions
            .iter()
            .map(|c| (c.type_.as_str(), c.status.as_str(), c.reason.as_str()))
            .collect();
        assert_eq!(
            types,
            [
                ("Ready", "True", "Reconciled"),
                ("Reachable", "True", "Connected"),
                ("InSync", "True", "InSync")
            ]
        );
        assert_eq!(
            s.message.as_deref(),
            Some("127.0.0.1:502 unit 1: 1 in sync")
        );
    }

    #[test]
    fn transition_time_moves_only_when_the_status_changes() {
        let synced = Observation::Tick(assessment(vec![reg("a", RegisterAction::InSync, 5)]));
        let drifted = Observation::Tick(assessment(vec![reg("a", RegisterAction::Drifted, 4)]));
        let first = build(&synced, &inputs(None, at(0)));
        let second = build(&synced, &inputs(Some(&first), at(10)));
        assert_eq!(cond(&second, READY).last_transition_time, Time(at(0)));
        assert_eq!(second.last_update.as_deref(), Some("2025-06-15T15:06:50Z"));
        let third = build(&drifted, &inputs(Some(&second), at(20)));
        assert_eq!(cond(&third, READY).last_transition_time, Time(at(20)));
        assert_eq!(cond(&third, IN_SYNC).status, "False");
        // Reachable stayed True throughout.
        assert_eq!(cond(&third, REACHABLE).last_transition_time, Time(at(0)));
        assert_eq!(third.phase, Some(Phase::DriftDetected));
    }

    #[test]
    fn an_unreachable_plc_is_failed_with_unknown_sync() {
        let mut a = assessment(Vec::new());
        a.unreachable = Some("cannot connect to 127.0.0.1:1: refused".into());
        let s = build(&Observation::Tick(a), &inputs(None, at(0)));
        assert_eq!(s.phase, Some(Phase::Failed));
        assert_eq!(cond(&s, REACHABLE).status, "False");
        assert_eq!(cond(&s, IN_SYNC).status, "Unknown");
        assert_eq!(
            s.last_error.as_deref(),
            Some("cannot connect to 127.0.0.1:1: refused")
        );
        assert!(s.registers.is_empty() && s.in_sync.is_none());
    }

    /// Another writer set the desired value between the plan and the write: the
    /// register is in sync, and no correction is counted or reported as failed.
    #[test]
    fn a_register_found_in_sync_at_the_write_is_in_sync_not_a_failed_correction() {
        use crate::engine::plan::{Action, Plan};
        use crate::register::ValueType;
        use crate::view::fixtures;
        let register = fixtures::register(
            "conveyor_speed",
            RegisterKind::Holding,
            4002,
            ValueType::F32,
            Some(Value::Float(11.8)),
            Value::Float(12.5),
            Action::Change,
        );
        let mut result = fixtures::result("conveyor_speed", Outcome::InSync, None);
        result.before = Some(Value::Float(12.5));
        let report = TickReport {
            plan: Plan {
                plcs: vec![fixtures::plc("press-1", 502, vec![register])],
            },
            apply: crate::engine::apply::ApplyReport {
                results: vec![result],
                stats: Default::default(),
            },
            duration: std::time::Duration::ZERO,
            conflicts: Default::default(),
        };
        let a = Assessment::of(&report);
        let [status] = a.registers.as_slice() else {
            panic!("one register expected")
        };
        assert_eq!(
            (status.action, status.in_sync, status.live.clone()),
            (RegisterAction::InSync, true, Some(Value::Float(12.5)))
        );
        assert!(a.corrections.is_empty());
        assert!(a.failure().is_none());
    }

    #[test]
    fn a_failed_correction_fails_the_reconcile() {
        let mut bad = reg("a", RegisterAction::CorrectionFailed, 4);
        bad.message = Some("read back 4".into());
        let a = assessment(vec![bad, reg("b", RegisterAction::InSync, 5)]);
        assert_eq!(
            a.failure().map(|f| f.to_string()).as_deref(),
            Some("register a: read back 4")
        );
        let s = build(&Observation::Tick(a), &inputs(None, at(0)));
        assert_eq!(s.phase, Some(Phase::Failed));
        assert_eq!(cond(&s, READY).reason, "CorrectionFailed");
        assert_eq!(cond(&s, IN_SYNC).reason, "Drifted");
    }

    #[test]
    fn the_handled_sync_request_is_kept() {
        let obs = Observation::InvalidSpec("bad".into());
        let mut i = inputs(None, at(0));
        i.sync = Some("2025-01-01T00:00:00Z".into());
        let first = build(&obs, &i);
        assert_eq!(
            first.last_sync_request.as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
        let second = build(&obs, &inputs(Some(&first), at(1)));
        assert_eq!(second.last_sync_request, first.last_sync_request);
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let t = truncate("é".repeat(600), 1024);
        assert!(t.len() <= 1024 && t.ends_with("..."));
    }
}
