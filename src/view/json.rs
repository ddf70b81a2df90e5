//! The JSON view: one JSON object per line, each with a `"type"` (the contract for
//! machines; changes to it are additive only).
//!
//! Register events carry `plc` (`namespace/name`), `register`, `kind`, `address`,
//! `bit` (only for a bit of a word), `read_address` (only for a register read
//! elsewhere), `value_type` (not `type`, which names the event), `length` (only for a
//! string: its registers) and `order` (only when the bytes of each word are swapped:
//! `BADC`, `DCBA`, or `BA` for a single word or a string). A plan emits one event per
//! register (`planned_change`, `drift`, `in_sync`, `device_error`), one `device_error`
//! per unreachable PLC, then `change_summary`. An apply emits `apply_start` per
//! register to write, `apply_complete` or `apply_errored` per result, then
//! `apply_summary`. Values are JSON numbers, booleans or (for strings) JSON strings; an
//! unknown value is `null`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Shortfall, View};
use crate::engine::apply::{ApplyError, ApplyReport, Outcome, RegisterResult, WriteNote};
use crate::engine::plan::{
    Action, DriftReason, Plan, PlcError, PlcPlan, RegisterError, RegisterPlan,
};
use crate::register::{Codec, RegisterKind, Value, ValueType};

/// Renders newline-delimited JSON events.
pub struct JsonView<W: Write> {
    out: W,
}

impl<W: Write> JsonView<W> {
    /// A view writing to `out`.
    pub fn new(out: W) -> Self {
        JsonView { out }
    }

    /// Gives back the writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes one event as one line. The line is built first, so a value JSON cannot
    /// hold is an error before anything is written, never half a line.
    fn emit(&mut self, event: &Event<'_>) -> io::Result<()> {
        let mut line = serde_json::to_vec(event)?;
        line.push(b'\n');
        self.out.write_all(&line)
    }
}

/// The identity of a register in every register event.
#[derive(Serialize)]
struct Register<'a> {
    plc: &'a str,
    register: &'a str,
    kind: RegisterKind,
    address: u16,
    /// Only for a bit of a word.
    #[serde(skip_serializing_if = "Option::is_none")]
    bit: Option<u8>,
    /// Only for a register read elsewhere than where it is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    read_address: Option<u16>,
    value_type: ValueType,
    /// Only for a string: the registers it occupies.
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u16>,
    /// Only when not the Modbus default.
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<&'static str>,
}

impl<'a> Register<'a> {
    fn planned(plc: &'a str, reg: &'a RegisterPlan) -> Self {
        Register {
            plc,
            register: &reg.name,
            kind: reg.kind,
            address: reg.address,
            bit: reg.bit,
            read_address: reg.read_address,
            value_type: reg.value_type,
            length: reg.length,
            order: super::swapped_order(&reg.codec()),
        }
    }

    fn applied(r: &'a RegisterResult) -> Self {
        Register {
            plc: &r.plc,
            register: &r.register,
            kind: r.kind,
            address: r.address,
            bit: r.bit,
            read_address: r.read_address,
            value_type: r.value_type,
            length: r.encoding.length,
            order: super::swapped_order(&Codec {
                value_type: r.value_type,
                word_order: r.encoding.word_order,
                byte_order: r.encoding.byte_order,
                length: r.encoding.length.unwrap_or(0),
                scale: 1.0,
                offset: 0.0,
            }),
        }
    }
}

/// Every event of the stream.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event<'a> {
    PlannedChange {
        #[serde(flatten)]
        register: Register<'a>,
        live: Option<Value>,
        desired: Value,
    },
    Drift {
        #[serde(flatten)]
        register: Register<'a>,
        live: Option<Value>,
        desired: Value,
        reason: DriftReason,
    },
    /// Drifted, and left to another writer: not written (reconcile and agent).
    Conflict {
        #[serde(flatten)]
        register: Register<'a>,
        live: Option<Value>,
        desired: Value,
        corrections: u32,
        message: String,
    },
    InSync {
        #[serde(flatten)]
        register: Register<'a>,
        live: Option<Value>,
        desired: Value,
    },
    /// A register that could not be read.
    #[serde(rename = "device_error")]
    RegisterError {
        #[serde(flatten)]
        register: Register<'a>,
        live: Option<Value>,
        desired: Value,
        message: &'a RegisterError,
    },
    /// A PLC that could not be read at all.
    #[serde(rename = "device_error")]
    PlcError {
        plc: &'a str,
        endpoint: String,
        unit_id: u8,
        message: &'a PlcError,
    },
    ChangeSummary {
        to_change: usize,
        drifted: usize,
        in_sync: usize,
        errors: usize,
        unreachable: usize,
    },
    ApplyStart {
        #[serde(flatten)]
        register: Register<'a>,
        live: Option<Value>,
        desired: Value,
    },
    ApplyComplete {
        #[serde(flatten)]
        register: Register<'a>,
        before: Option<Value>,
        after: Option<Value>,
        desired: Value,
        outcome: Outcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<WriteNote>,
    },
    ApplyErrored {
        #[serde(flatten)]
        register: Register<'a>,
        before: Option<Value>,
        after: Option<Value>,
        desired: Value,
        outcome: Outcome,
        error: Option<&'a ApplyError>,
    },
    ApplySummary {
        changed: usize,
        failed: usize,
        skipped: usize,
        in_sync: usize,
        /// PLCs the plan could not read, so nothing was written to them.
        unreachable: usize,
        /// Registers the plan could not read.
        unreadable: usize,
        audit_failed: bool,
        /// Registers of a revert that changed since the reverted run: not put back.
        not_reverted: usize,
        /// Everything applied and nothing left out: the exit status is 0.
        success: bool,
    },
}

fn register_event<'a>(plc: &'a str, reg: &'a RegisterPlan) -> Event<'a> {
    let register = Register::planned(plc, reg);
    let (live, desired) = (reg.live.clone(), reg.desired.clone());
    match &reg.action {
        Action::Change => Event::PlannedChange {
            register,
            live,
            desired,
        },
        Action::Drift { reason } => Event::Drift {
            register,
            live,
            desired,
            reason: *reason,
        },
        Action::Conflict { corrections } => Event::Conflict {
            register,
            live,
            desired,
            corrections: *corrections,
            message: crate::engine::conflict::describe(*corrections),
        },
        Action::InSync => Event::InSync {
            register,
            live,
            desired,
        },
        Action::Error { error } => Event::RegisterError {
            register,
            live,
            desired,
            message: error,
        },
    }
}

/// The plan event of one register as a JSON object, for output that reports registers
/// one at a time (`reconcile --schedule` when a register goes into conflict).
pub fn register_event_value(
    plc: &str,
    reg: &RegisterPlan,
) -> serde_json::Result<serde_json::Value> {
    serde_json::to_value(register_event(plc, reg))
}

impl<W: Write> JsonView<W> {
    fn plc(&mut self, plc: &PlcPlan) -> io::Result<()> {
        let id = plc.id();
        if let Some(error) = &plc.error {
            self.emit(&Event::PlcError {
                plc: &id,
                endpoint: plc.endpoint(),
                unit_id: plc.unit_id,
                message: error,
            })?;
        }
        for reg in &plc.registers {
            self.emit(&register_event(&id, reg))?;
        }
        Ok(())
    }
}

impl<W: Write> View for JsonView<W> {
    fn plan(&mut self, plan: &Plan) -> io::Result<()> {
        for plc in &plan.plcs {
            self.plc(plc)?;
        }
        let s = plan.summary();
        self.emit(&Event::ChangeSummary {
            to_change: s.to_change,
            drifted: s.drifted,
            in_sync: s.in_sync,
            errors: s.errors,
            unreachable: s.unreachable,
        })?;
        self.out.flush()
    }

    fn apply_start(&mut self, plan: &Plan) -> io::Result<()> {
        for (plc, reg) in plan.changes() {
            let id = plc.id();
            self.emit(&Event::ApplyStart {
                register: Register::planned(&id, reg),
                live: reg.live.clone(),
                desired: reg.desired.clone(),
            })?;
        }
        self.out.flush()
    }

    fn apply_result(&mut self, r: &RegisterResult) -> io::Result<()> {
        let register = Register::applied(r);
        let event = match r.outcome {
            Outcome::Applied | Outcome::InSync => Event::ApplyComplete {
                register,
                before: r.before.clone(),
                after: r.after.clone(),
                desired: r.desired.clone(),
                outcome: r.outcome,
                note: r.note,
            },
            Outcome::Stale | Outcome::Refused | Outcome::Failed | Outcome::VerifyFailed => {
                Event::ApplyErrored {
                    register,
                    before: r.before.clone(),
                    after: r.after.clone(),
                    desired: r.desired.clone(),
                    outcome: r.outcome,
                    error: r.error.as_deref(),
                }
            }
        };
        self.emit(&event)?;
        self.out.flush()
    }

    fn apply_summary(&mut self, report: &ApplyReport, shortfall: &Shortfall) -> io::Result<()> {
        let s = report.summary();
        self.emit(&Event::ApplySummary {
            changed: s.changed,
            failed: s.failed,
            skipped: s.skipped,
            in_sync: s.in_sync,
            unreachable: shortfall.unreachable,
            unreadable: shortfall.unreadable,
            audit_failed: shortfall.audit_failed,
            not_reverted: shortfall.not_reverted,
            success: s.is_success() && shortfall.is_none(),
        })?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use super::*;
    use crate::view::fixtures;

    fn lines(f: impl FnOnce(&mut JsonView<Vec<u8>>)) -> Vec<Json> {
        let mut view = JsonView::new(Vec::new());
        f(&mut view);
        let text = String::from_utf8(view.into_inner()).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "{text}");
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    #[test]
    fn a_register_in_conflict_is_a_conflict_event() {
        let mut plan = fixtures::in_sync_plan();
        plan.plcs[0].registers[0].action = Action::Conflict { corrections: 3 };
        let events = lines(|v| v.plan(&plan).unwrap());
        let event = &events[0];
        assert_eq!(event["type"], "conflict");
        assert_eq!(event["corrections"], 3);
        assert_eq!(
            event["message"],
            "conflict: rewritten by another writer after 3 corrections; not written"
        );
        let id = plan.plcs[0].id();
        let alone = register_event_value(&id, &plan.plcs[0].registers[0]).unwrap();
        assert_eq!(&alone, event);
    }

    fn types(events: &[Json]) -> Vec<&str> {
        events.iter().map(|e| e["type"].as_str().unwrap()).collect()
    }

    #[test]
    fn plan_emits_every_register_then_the_summary() {
        let events = lines(|v| v.plan(&fixtures::plan()).unwrap());
        assert_eq!(
            types(&events),
            [
                "planned_change",
                "in_sync",
                "drift",
                "drift",
                "device_error",
                "in_sync",
                "in_sync",
                "device_error",
                "change_summary"
            ]
        );
        assert_eq!(
            events[0],
            json!({"type": "planned_change", "plc": "plant-a/press-1",
                   "register": "conveyor_speed", "kind": "holding", "address": 4002,
                   "value_type": "f32", "live": 11.8, "desired": 12.5})
        );
        assert_eq!(
            events[1],
            json!({"type": "in_sync", "plc": "plant-a/press-1", "register": "guard_enabled",
                   "kind": "coil", "address": 10, "value_type": "bool",
                   "live": true, "desired": true})
        );
        assert_eq!(events[2]["reason"], "observe");
        assert_eq!(
            (&events[2]["live"], &events[2]["desired"]),
            (&json!(8), &json!(7))
        );
        assert!(events[2]["live"].is_u64(), "integers stay integers");
        assert_eq!(events[3]["reason"], "read_only");
        assert_eq!(events[3]["kind"], "input");
        assert_eq!(
            events[4],
            json!({"type": "device_error", "plc": "plant-a/press-1", "register": "batch_size",
                   "kind": "holding", "address": 4010, "value_type": "u32",
                   "live": null, "desired": 500,
                   "message": "read refused: IllegalDataAddress (exception 0x02)"})
        );
        assert_eq!(events[6]["live"], -3);
        assert_eq!(
            events[7],
            json!({"type": "device_error", "plc": "plant-a/oven-1",
                   "endpoint": "127.0.0.1:5504", "unit_id": 1,
                   "message": "cannot connect to 127.0.0.1:5504: Connection refused (os error 111)"})
        );
        assert_eq!(
            events[8],
            json!({"type": "change_summary", "to_change": 1, "drifted": 2, "in_sync": 3,
                   "errors": 2, "unreachable": 1})
        );
    }

    #[test]
    fn auto_correct_off_drift_has_its_reason() {
        let mut plan = fixtures::in_sync_plan();
        plan.plcs[0].registers[0].action = Action::Drift {
            reason: DriftReason::AutoCorrectOff,
        };
        let events = lines(|v| v.plan(&plan).unwrap());
        assert_eq!(events[0]["type"], "drift");
        assert_eq!(events[0]["reason"], "auto_correct_off");
    }

    #[test]
    fn apply_emits_start_results_and_summary() {
        let mut report = fixtures::report();
        report.results.push(fixtures::result(
            "x",
            Outcome::VerifyFailed,
            Some(ApplyError::Mismatch {
                read_back: Some(Value::Int(3)),
                desired: Value::Float(12.5),
            }),
        ));
        let events = lines(|v| {
            v.apply_start(&fixtures::plan()).unwrap();
            for r in &report.results {
                v.apply_result(r).unwrap();
            }
            v.apply_summary(&report, &Shortfall::default()).unwrap();
        });
        assert_eq!(
            types(&events),
            [
                "apply_start",
                "apply_complete",
                "apply_errored",
                "apply_errored",
                "apply_summary"
            ]
        );
        assert_eq!(
            events[0],
            json!({"type": "apply_start", "plc": "plant-a/press-1",
                   "register": "conveyor_speed", "kind": "holding", "address": 4002,
                   "value_type": "f32", "live": 11.8, "desired": 12.5})
        );
        assert_eq!(
            events[1],
            json!({"type": "apply_complete", "plc": "plant-a/press-1",
                   "register": "conveyor_speed", "kind": "holding", "address": 4002,
                   "value_type": "f32", "before": 11.8, "after": 12.5, "desired": 12.5,
                   "outcome": "applied"})
        );
        assert_eq!(
            events[2],
            json!({"type": "apply_errored", "plc": "plant-a/press-1",
                   "register": "batch_size", "kind": "holding", "address": 4002,
                   "value_type": "f32", "before": 5.0, "after": null, "desired": 12.5,
                   "outcome": "stale",
                   "error": "not written: live value changed since the plan (1 → 5)"})
        );
        assert_eq!(events[3]["outcome"], "verify_failed");
        assert_eq!(events[3]["error"], "read-back shows 3 instead of 12.5");
        assert_eq!(
            events[4],
            json!({"type": "apply_summary", "changed": 1, "failed": 1, "skipped": 1, "in_sync": 0,
                   "unreachable": 0, "unreadable": 0, "audit_failed": false, "not_reverted": 0,
                   "success": false})
        );
    }

    #[test]
    fn an_applied_result_carries_its_note() {
        let mut applied = fixtures::result("conveyor_speed", Outcome::Applied, None);
        applied.note = Some(WriteNote::AnswerLost);
        let events = lines(|v| v.apply_result(&applied).unwrap());
        assert_eq!(
            events[0]["note"],
            "the device did not answer the write, the read-back shows it applied"
        );
        assert_eq!(events[0]["outcome"], "applied");
    }

    #[test]
    fn apply_start_of_a_plan_without_changes_is_silent() {
        let events = lines(|v| v.apply_start(&fixtures::in_sync_plan()).unwrap());
        assert!(events.is_empty());
    }

    #[test]
    fn a_value_json_cannot_hold_is_an_error_not_a_panic() {
        let mut plan = fixtures::in_sync_plan();
        plan.plcs[0].registers[0].desired = Value::Int(i128::MAX);
        let mut view = JsonView::new(Vec::new());
        assert!(view.plan(&plan).is_err());
        assert_eq!(view.into_inner(), b"", "no half-written line");
    }
}
