//! Finished plans and apply reports for the views' tests.

use crate::device::{Exception, TransportError};
use crate::engine::apply::{ApplyError, ApplyReport, Outcome, RegisterResult};
use crate::engine::observe::DeviceError;
use crate::engine::plan::{
    Action, DriftReason, Plan, PlcError, PlcPlan, RegisterError, RegisterPlan,
};
use crate::manifest::Mode;
use crate::register::{ByteOrder, RegisterKind, Value, ValueType, WordOrder, Words};

pub(crate) fn plc(name: &str, port: u16, registers: Vec<RegisterPlan>) -> PlcPlan {
    PlcPlan {
        namespace: "plant-a".into(),
        name: name.into(),
        host: "127.0.0.1".into(),
        port,
        unit_id: 1,
        timeout_ms: 1000,
        auto_correct: true,
        write_windows: vec![],
        min_write_interval_ms: 0,
        limits: Default::default(),
        transport: Default::default(),
        error: None,
        registers,
    }
}

pub(crate) fn register(
    name: &str,
    kind: RegisterKind,
    address: u16,
    value_type: ValueType,
    live: Option<Value>,
    desired: Value,
    action: Action,
) -> RegisterPlan {
    RegisterPlan {
        name: name.into(),
        kind,
        address,
        bit: None,
        read_address: None,
        value_type,
        word_order: WordOrder::Big,
        byte_order: ByteOrder::Big,
        length: None,
        scale: 1.0,
        offset: 0.0,
        mode: Mode::Enforce,
        tolerance: 0.0,
        min: None,
        max: None,
        desired,
        desired_words: Words::default(),
        live_words: live.as_ref().map(|_| Words::default()),
        live,
        action,
    }
}

/// Why the example's oven is unreachable: its endpoint refuses connections.
pub(crate) fn refused_connection() -> PlcError {
    PlcError::Device(DeviceError::Transport(TransportError::Connect {
        endpoint: "127.0.0.1:5504".into(),
        reason: "Connection refused (os error 111)".into(),
    }))
}

/// The plan of the docs' example: one change, two drifts, one unreadable register,
/// three registers in sync, and an unreachable PLC.
pub(crate) fn plan() -> Plan {
    use RegisterKind::{Coil, Holding, Input};
    let drift = |reason| Action::Drift { reason };
    let press = plc(
        "press-1",
        5502,
        vec![
            register(
                "conveyor_speed",
                Holding,
                4002,
                ValueType::F32,
                Some(Value::Float(11.8)),
                Value::Float(12.5),
                Action::Change,
            ),
            register(
                "guard_enabled",
                Coil,
                10,
                ValueType::Bool,
                Some(Value::Bool(true)),
                Value::Bool(true),
                Action::InSync,
            ),
            register(
                "recipe",
                Holding,
                130,
                ValueType::U16,
                Some(Value::Int(8)),
                Value::Int(7),
                drift(DriftReason::Observe),
            ),
            register(
                "oil_temperature",
                Input,
                30001,
                ValueType::I16,
                Some(Value::Float(52.1)),
                Value::Int(45),
                drift(DriftReason::ReadOnly),
            ),
            register(
                "batch_size",
                Holding,
                4010,
                ValueType::U32,
                None,
                Value::Int(500),
                Action::Error {
                    error: RegisterError::ReadRefused {
                        exception: Exception::ILLEGAL_DATA_ADDRESS,
                    },
                },
            ),
            register(
                "pressure_limit",
                Holding,
                4020,
                ValueType::F64,
                Some(Value::Float(180.25)),
                Value::Float(180.25),
                Action::InSync,
            ),
            register(
                "line_speed",
                Holding,
                4030,
                ValueType::I32,
                Some(Value::Int(-3)),
                Value::Int(-3),
                Action::InSync,
            ),
        ],
    );
    let mut oven = plc("oven-1", 5504, Vec::new());
    oven.error = Some(refused_connection());
    Plan {
        plcs: vec![press, oven],
    }
}

/// A plan whose every register is in sync.
pub(crate) fn in_sync_plan() -> Plan {
    let reg = register(
        "guard_enabled",
        RegisterKind::Coil,
        10,
        ValueType::Bool,
        Some(Value::Bool(true)),
        Value::Bool(true),
        Action::InSync,
    );
    let mut other = reg.clone();
    other.name = "pump".into();
    other.address = 11;
    Plan {
        plcs: vec![
            plc("press-1", 5502, vec![reg]),
            plc("press-2", 5503, vec![other]),
        ],
    }
}

pub(crate) fn result(
    register: &str,
    outcome: Outcome,
    error: Option<ApplyError>,
) -> RegisterResult {
    RegisterResult {
        plc: "plant-a/press-1".into(),
        register: register.into(),
        kind: RegisterKind::Holding,
        address: 4002,
        bit: None,
        read_address: None,
        value_type: ValueType::F32,
        encoding: Default::default(),
        planned: Some(Value::Float(11.8)),
        before: Some(Value::Float(11.8)),
        desired: Value::Float(12.5),
        after: (outcome == Outcome::Applied).then_some(Value::Float(12.5)),
        outcome,
        written: matches!(outcome, Outcome::Applied | Outcome::VerifyFailed),
        note: None,
        error: error.map(Box::new),
    }
}

/// One applied register and one stale one.
pub(crate) fn report() -> ApplyReport {
    let mut stale = result(
        "batch_size",
        Outcome::Stale,
        Some(ApplyError::Stale {
            planned: Some(Value::Int(1)),
            live: Some(Value::Int(5)),
        }),
    );
    stale.before = Some(Value::Float(5.0));
    ApplyReport {
        results: vec![result("conveyor_speed", Outcome::Applied, None), stale],
        stats: Default::default(),
    }
}
