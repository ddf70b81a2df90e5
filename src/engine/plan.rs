//! The plan: a pure function of desired and observed values. For every register it
//! says whether it is in sync, will change, drifted but will not be written (observe
//! mode, read-only kind, or autoCorrect off), or could not be read.
//!
//! A [`Plan`] is self-contained: it carries each device's identity, each register's
//! codec, bounds, desired words and the live words seen, so a saved plan can be
//! applied (and checked) without the manifests.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::device::{Exception, Failure};
use crate::engine::observe::{DeviceError, PlcReadings, Reading};
use crate::manifest::{Mode, Plc, Register};
use crate::register::{
    Bound, ByteOrder, Codec, DecodeError, EncodeError, RegisterKind, Value, ValueType, WordOrder,
    Words, in_sync,
};

/// A whole plan, PLC by PLC in manifest order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub plcs: Vec<PlcPlan>,
}

/// The plan of one PLC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlcPlan {
    pub namespace: String,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub unit_id: u8,
    pub timeout_ms: u64,
    pub auto_correct: bool,
    /// When writes are allowed (checked again when a saved plan is applied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_windows: Vec<crate::manifest::spec::WriteWindowSpec>,
    /// Least time between two write requests, in milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_write_interval_ms: u64,
    /// What the device accepts in one request (absent: the protocol's maxima).
    #[serde(default, skip_serializing_if = "crate::device::Limits::is_protocol")]
    pub limits: crate::device::Limits,
    /// How the device is reached (absent: Modbus TCP).
    #[serde(default, skip_serializing_if = "crate::device::Transport::is_tcp")]
    pub transport: crate::device::Transport,
    /// Why the PLC could not be read; `registers` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<PlcError>,
    pub registers: Vec<RegisterPlan>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl PlcPlan {
    /// Whether the PLC's write windows allow writing at `now` (no windows: always).
    pub fn writes_allowed(&self, now: jiff::Timestamp) -> bool {
        crate::schedule::window::specs_allow(&self.write_windows, now)
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// `host:port`, or the serial line of `transport: rtu`.
    pub fn endpoint(&self) -> String {
        crate::device::endpoint_of(&self.host, self.port, &self.transport)
    }
}

/// The plan of one register.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterPlan {
    pub name: String,
    pub kind: RegisterKind,
    pub address: u16,
    /// For a `bool` in a holding or input register: its bit of the word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit: Option<u8>,
    /// Where the register is read, when not at `address` (where it is written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_address: Option<u16>,
    #[serde(rename = "type")]
    pub value_type: ValueType,
    pub word_order: WordOrder,
    /// The byte order within each word; absent in plans that predate it (big).
    #[serde(default, skip_serializing_if = "ByteOrder::is_big")]
    pub byte_order: ByteOrder,
    /// Registers a `string` occupies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u16>,
    pub scale: f64,
    pub offset: f64,
    pub mode: Mode,
    pub tolerance: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
    /// Desired engineering value, as declared.
    pub desired: Value,
    /// The words that represent it on the device.
    pub desired_words: Words,
    /// The live value decoded from `live_words`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Value>,
    /// The words read at plan time (compare-and-set checks them before writing); for
    /// a bit register the whole word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_words: Option<Words>,
    pub action: Action,
}

impl RegisterPlan {
    pub fn codec(&self) -> Codec {
        Codec {
            value_type: self.value_type,
            word_order: self.word_order,
            byte_order: self.byte_order,
            length: self.length.unwrap_or(0),
            scale: self.scale,
            offset: self.offset,
        }
    }

    pub fn width(&self) -> u16 {
        self.codec().width()
    }

    /// Where the register is read: `read_address`, else `address`.
    pub fn read_at(&self) -> u16 {
        self.read_address.unwrap_or(self.address)
    }

    /// Where the register is, as output shows it: `holding 4002`, `holding 10.3` for
    /// bit 3 of holding 10, `holding 0 (read at 512)` for one read back elsewhere,
    /// `holding 200..207` for a string of 8 registers.
    pub fn place(&self) -> String {
        let mut text = format!("{} {}", self.kind, self.address);
        if let Some(length) = self.length.filter(|&l| l > 1) {
            let last = u32::from(self.address) + u32::from(length) - 1;
            text.push_str(&format!("..{last}"));
        }
        if let Some(bit) = self.bit {
            text.push_str(&format!(".{bit}"));
        }
        if let Some(read) = self.read_address {
            text.push_str(&format!(" (read at {read})"));
        }
        text
    }

    /// The words of the register's value in `read` (the words read at its read
    /// address): for a bit register its bit, as 0 or 1.
    pub fn value_words(&self, read: &Words) -> Words {
        crate::register::bit::value_words(read, self.bit)
    }
}

/// What will happen to a register.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Within tolerance.
    InSync,
    /// Will be written (`~`).
    Change,
    /// Differs, but will not be written (`!`).
    Drift { reason: DriftReason },
    /// Differs, and another writer (the PLC program, an HMI) rewrote it after each of
    /// the last `corrections` corrections: not written (`⇄`). Only reconcile and agent,
    /// which remember their ticks, plan this ([`crate::engine::conflict`]).
    Conflict { corrections: u32 },
    /// Could not be read or decoded (`✗`).
    Error {
        #[serde(rename = "message")]
        error: RegisterError,
    },
}

/// Why a PLC could not be planned. Stored in a plan file as its message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlcError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// Read back from a saved plan: the file keeps only the message.
    #[error("{message}")]
    Saved { message: String },
}

impl PlcError {
    /// What the failure amounts to (see [`DeviceError::failure`]); a saved plan keeps
    /// only the message, so its PLC is "not read".
    pub fn failure(&self) -> Failure {
        match self {
            PlcError::Device(e) => e.failure(),
            PlcError::Saved { .. } => Failure::NotRead,
        }
    }
}

/// Why a register could not be planned. Stored in a plan file as its message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RegisterError {
    /// The manifest's value does not encode (a saved plan edited by hand, or a type
    /// the value does not fit).
    /// (Boxed: an encode error is large, and a plan holds one `Action` per register.)
    #[error("desired value: {source}")]
    DesiredValue { source: Box<EncodeError> },
    /// The device answered the read with an exception.
    #[error("read refused: {exception}")]
    ReadRefused { exception: Exception },
    /// The words read are not a value of the register's type.
    #[error("cannot decode live value: {source}")]
    Decode { source: DecodeError },
    /// Read back from a saved plan: the file keeps only the message.
    #[error("{message}")]
    Saved { message: String },
}

/// Plan errors are saved as their message, the text every view shows.
macro_rules! saved_as_message {
    ($error:ident) => {
        impl Serialize for $error {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $error {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(|message| $error::Saved { message })
            }
        }
    };
}

saved_as_message!(PlcError);
saved_as_message!(RegisterError);

/// Why a drifted register is not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftReason {
    /// `mode: observe`.
    Observe,
    /// An input register or discrete input.
    ReadOnly,
    /// The PLC has `autoCorrect: false` (reconcile and agent only).
    AutoCorrectOff,
    /// Outside every `writeWindows` entry of the PLC.
    OutsideWriteWindow,
    /// `plan --revert`: changed since the run being reverted wrote it (stale).
    ChangedSinceRun,
}

impl DriftReason {
    pub fn describe(self) -> &'static str {
        match self {
            DriftReason::Observe => "observe only",
            DriftReason::ReadOnly => "read-only",
            DriftReason::AutoCorrectOff => "autoCorrect off",
            DriftReason::OutsideWriteWindow => "outside write window",
            DriftReason::ChangedSinceRun => "stale: changed since the reverted run",
        }
    }
}

/// Options of planning.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanOptions {
    /// Treat `autoCorrect: false` PLCs as observe-only (reconcile and agent).
    pub respect_auto_correct: bool,
    /// Block changes outside the PLC's write windows, evaluated at this time
    /// (`None`: windows ignored, as `--ignore-windows` asks).
    pub windows_at: Option<jiff::Timestamp>,
}

/// Counts of a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub to_change: usize,
    pub drifted: usize,
    pub in_sync: usize,
    /// Registers that could not be read, plus unreachable PLCs.
    pub errors: usize,
    /// PLCs that could not be read at all.
    pub unreachable: usize,
    /// Of `unreachable`, the PLCs whose device answered, but not usably (a wrong
    /// unit id, a malformed answer) or only busy: reached, yet not read.
    pub answered: usize,
    /// Drifted registers left to another writer (reconcile and agent only).
    pub conflicts: usize,
}

impl Summary {
    /// The PLCs not read, as the end of a summary line: ", 2 unreachable", and
    /// ", 1 answered but not read" for devices that did answer.
    pub fn unread_plcs(&self) -> String {
        let mut text = String::new();
        let unreachable = self.unreachable - self.answered;
        if unreachable > 0 {
            text.push_str(&format!(", {unreachable} unreachable"));
        }
        if self.answered > 0 {
            text.push_str(&format!(", {} answered but not read", self.answered));
        }
        text
    }

    /// Any difference between live and desired (changes and drift).
    pub fn has_diff(&self) -> bool {
        self.to_change + self.drifted + self.conflicts > 0
    }
}

/// Below this many PLCs per core, planning stays on one thread.
const PLCS_PER_WORKER: usize = 64;

impl Plan {
    /// Computes the plan from desired state and what was read. `readings` is parallel to `plcs`.
    pub fn new(plcs: &[Plc], readings: &[PlcReadings], options: PlanOptions) -> Plan {
        assert_eq!(plcs.len(), readings.len(), "one reading result per PLC");
        // PLCs plan independently: a fleet's plan is made on every core.
        let plcs = crate::process::parallel::map(plcs, PLCS_PER_WORKER, |i, plc| {
            plan_plc(plc, &readings[i], options)
        });
        Plan { plcs }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for plc in &self.plcs {
            if let Some(error) = &plc.error {
                s.unreachable += 1;
                s.errors += 1;
                if error.failure().answered() {
                    s.answered += 1;
                }
            }
            for r in &plc.registers {
                match r.action {
                    Action::InSync => s.in_sync += 1,
                    Action::Change => s.to_change += 1,
                    Action::Drift { .. } => s.drifted += 1,
                    Action::Conflict { .. } => s.conflicts += 1,
                    Action::Error { .. } => s.errors += 1,
                }
            }
        }
        s
    }

    /// Registers that will be written, with their PLC.
    pub fn changes(&self) -> impl Iterator<Item = (&PlcPlan, &RegisterPlan)> {
        self.plcs
            .iter()
            .flat_map(|p| p.registers.iter().map(move |r| (p, r)))
            .filter(|(_, r)| r.action == Action::Change)
    }
}

pub(crate) fn plan_plc(plc: &Plc, readings: &PlcReadings, options: PlanOptions) -> PlcPlan {
    let blocked = options
        .windows_at
        .is_some_and(|now| !crate::schedule::window::specs_allow(&plc.write_windows, now));
    let (error, registers) = match readings {
        Err(e) => (Some(PlcError::Device(e.clone())), Vec::new()),
        Ok(readings) => (
            None,
            plc.registers
                .iter()
                .zip(readings)
                .map(|(reg, reading)| plan_register(plc, reg, reading, options, blocked))
                .collect(),
        ),
    };
    PlcPlan {
        namespace: plc.namespace.clone(),
        name: plc.name.clone(),
        host: plc.host.clone(),
        port: plc.port,
        unit_id: plc.unit_id,
        timeout_ms: u64::try_from(plc.timeout.as_millis()).unwrap_or(u64::MAX),
        auto_correct: plc.auto_correct,
        write_windows: plc.write_windows.clone(),
        min_write_interval_ms: u64::try_from(plc.min_write_interval.as_millis())
            .unwrap_or(u64::MAX),
        limits: plc.limits,
        transport: plc.transport.clone(),
        error,
        registers,
    }
}

fn plan_register(
    plc: &Plc,
    reg: &Register,
    reading: &Reading,
    options: PlanOptions,
    blocked: bool,
) -> RegisterPlan {
    let codec = reg.codec;
    let mut plan = RegisterPlan {
        name: reg.name.clone(),
        kind: reg.kind,
        address: reg.address,
        bit: reg.bit,
        read_address: reg.read_address,
        value_type: codec.value_type,
        word_order: codec.word_order,
        byte_order: codec.byte_order,
        length: (codec.value_type == ValueType::String).then_some(codec.length),
        scale: codec.scale,
        offset: codec.offset,
        mode: reg.mode,
        tolerance: reg.tolerance,
        min: reg.min,
        max: reg.max,
        desired: reg.desired.clone(),
        desired_words: Words::default(),
        live: None,
        live_words: None,
        action: Action::InSync,
    };
    plan.action = match (codec.encode_normalized(&reg.desired), reading) {
        (Err(source), _) => Action::Error {
            error: RegisterError::DesiredValue {
                source: Box::new(source),
            },
        },
        (_, Reading::Exception(exception)) => Action::Error {
            error: RegisterError::ReadRefused {
                exception: *exception,
            },
        },
        (Ok((words, normalized)), Reading::Words(live_words)) => {
            plan.desired_words = words;
            plan.live_words = Some(live_words.clone());
            match codec.decode(&plan.value_words(live_words)) {
                Err(source) => Action::Error {
                    error: RegisterError::Decode { source },
                },
                Ok(live) => {
                    let in_sync = in_sync(&live, &normalized, reg.tolerance);
                    plan.live = Some(live);
                    if in_sync {
                        Action::InSync
                    } else if !reg.kind.is_writable() {
                        Action::Drift {
                            reason: DriftReason::ReadOnly,
                        }
                    } else if reg.mode == Mode::Observe {
                        Action::Drift {
                            reason: DriftReason::Observe,
                        }
                    } else if options.respect_auto_correct && !plc.auto_correct {
                        Action::Drift {
                            reason: DriftReason::AutoCorrectOff,
                        }
                    } else if blocked {
                        Action::Drift {
                            reason: DriftReason::OutsideWriteWindow,
                        }
                    } else {
                        Action::Change
                    }
                }
            }
        }
    };
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Exception, TransportError};
    use crate::engine::observe::DeviceError;

    #[test]
    fn a_device_that_answered_is_not_called_unreachable() {
        let device = |e: DeviceError| PlcError::Device(e);
        let transport = |e: TransportError| device(DeviceError::Transport(e));
        let cases = [
            (
                transport(TransportError::Connect {
                    endpoint: "10.0.0.1:502".into(),
                    reason: "refused".into(),
                }),
                "unreachable",
            ),
            (
                transport(TransportError::Timeout {
                    timeout: std::time::Duration::from_secs(1),
                }),
                "unreachable",
            ),
            (transport(TransportError::Closed), "unreachable"),
            (
                device(DeviceError::Gateway {
                    unit: 7,
                    exception: Exception::GATEWAY_TARGET_FAILED,
                }),
                "unreachable",
            ),
            (
                transport(TransportError::WrongUnit {
                    asked: 1,
                    answered: 0,
                    serial: false,
                }),
                "unusable answer",
            ),
            (
                device(DeviceError::WrongCount {
                    start: 0,
                    asked: 2,
                    got: 1,
                }),
                "unusable answer",
            ),
            (
                transport(TransportError::Busy {
                    exception: Exception::SERVER_DEVICE_BUSY,
                    retries: 4,
                    waited: std::time::Duration::from_millis(750),
                }),
                "busy",
            ),
            (device(DeviceError::NotRead), "not read"),
            (
                PlcError::Saved {
                    message: "cannot connect".into(),
                },
                "not read",
            ),
        ];
        for (error, label) in cases {
            assert_eq!(error.failure().as_str(), label, "{error}");
            assert_eq!(
                error.failure().answered(),
                matches!(label, "unusable answer" | "busy"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_summary_tells_unreachable_plcs_from_those_that_answered() {
        let s = |unreachable, answered| Summary {
            unreachable,
            answered,
            ..Summary::default()
        };
        assert_eq!(s(0, 0).unread_plcs(), "");
        assert_eq!(s(2, 0).unread_plcs(), ", 2 unreachable");
        assert_eq!(s(1, 1).unread_plcs(), ", 1 answered but not read");
        assert_eq!(
            s(3, 1).unread_plcs(),
            ", 2 unreachable, 1 answered but not read"
        );
    }

    fn plant() -> Vec<Plc> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(
            &path,
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p, namespace: a}\nspec:\n  deviceAddress: 10.0.0.1\n  autoCorrect: false\n  registers:\n    - {name: speed, address: 0, type: f32, value: 12.5, tolerance: 0.1}\n    - {name: recipe, address: 10, value: 7, mode: observe}\n    - {name: temp, address: 0, kind: input, value: 40}\n    - {name: pump, address: 0, kind: coil, value: true}\n",
        )
        .unwrap();
        crate::manifest::load(&[path]).unwrap()
    }

    fn words(v: &[u16]) -> Reading {
        Reading::Words(Words::try_from_slice(v).unwrap())
    }

    #[test]
    fn classifies_each_register() {
        let plcs = plant();
        // speed 12.55 (within 0.1), recipe 8 (observe), temp 41 (read-only), pump off (change)
        let f = 12.55f32.to_bits();
        let readings = vec![Ok(vec![
            words(&[(f >> 16) as u16, f as u16]),
            words(&[8]),
            words(&[41]),
            words(&[0]),
        ])];
        let plan = Plan::new(&plcs, &readings, PlanOptions::default());
        let actions: Vec<_> = plan.plcs[0]
            .registers
            .iter()
            .map(|r| r.action.clone())
            .collect();
        assert_eq!(
            actions,
            [
                Action::InSync,
                Action::Drift {
                    reason: DriftReason::Observe
                },
                Action::Drift {
                    reason: DriftReason::ReadOnly
                },
                Action::Change
            ]
        );
        assert_eq!(
            plan.summary(),
            Summary {
                to_change: 1,
                drifted: 2,
                in_sync: 1,
                errors: 0,
                unreachable: 0,
                answered: 0,
                conflicts: 0
            }
        );
        let pump = &plan.plcs[0].registers[3];
        assert_eq!(
            (pump.live.clone(), &pump.desired_words[..]),
            (Some(Value::Bool(false)), &[1u16][..])
        );
    }

    #[test]
    fn auto_correct_off_only_matters_when_asked() {
        let plcs = plant();
        let readings = vec![Ok(vec![
            words(&[0, 0]),
            words(&[7]),
            words(&[40]),
            words(&[1]),
        ])];
        let plan = Plan::new(
            &plcs,
            &readings,
            PlanOptions {
                respect_auto_correct: true,
                windows_at: None,
            },
        );
        assert_eq!(
            plan.plcs[0].registers[0].action,
            Action::Drift {
                reason: DriftReason::AutoCorrectOff
            }
        );
        let plan = Plan::new(&plcs, &readings, PlanOptions::default());
        assert_eq!(plan.plcs[0].registers[0].action, Action::Change);
    }

    #[test]
    fn unreadable_registers_and_devices_are_errors_not_diffs() {
        let plcs = plant();
        let readings = vec![Ok(vec![
            Reading::Exception(Exception::ILLEGAL_DATA_ADDRESS),
            words(&[7]),
            words(&[40]),
            words(&[1]),
        ])];
        let plan = Plan::new(&plcs, &readings, PlanOptions::default());
        assert_eq!(
            plan.summary(),
            Summary {
                to_change: 0,
                drifted: 0,
                in_sync: 3,
                errors: 1,
                unreachable: 0,
                answered: 0,
                conflicts: 0
            }
        );
        assert!(!plan.summary().has_diff());

        let down = vec![Err(DeviceError::Transport(TransportError::Timeout {
            timeout: std::time::Duration::from_secs(1),
        }))];
        let plan = Plan::new(&plcs, &down, PlanOptions::default());
        assert_eq!(
            plan.plcs[0]
                .error
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("no answer within 1000 ms")
        );
        assert_eq!(
            plan.summary(),
            Summary {
                to_change: 0,
                drifted: 0,
                in_sync: 0,
                errors: 1,
                unreachable: 1,
                answered: 0,
                conflicts: 0
            }
        );
    }

    #[test]
    fn a_device_error_keeps_its_type_and_its_text() {
        let plcs = plant();
        let gateway = vec![Err(DeviceError::Gateway {
            unit: 1,
            exception: Exception::GATEWAY_TARGET_FAILED,
        })];
        let plan = Plan::new(&plcs, &gateway, PlanOptions::default());
        let error = plan.plcs[0].error.as_ref().unwrap();
        assert!(
            matches!(
                error,
                PlcError::Device(DeviceError::Gateway {
                    unit: 1,
                    exception: Exception::GATEWAY_TARGET_FAILED
                })
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "the gateway got no answer from unit 1 (GatewayTargetDeviceFailedToRespond, exception 0x0B): \
             the device behind it is off, wired wrong, or not unit 1; check the gateway's serial \
             settings (baud rate, parity, stop bits) and spec.unitId"
        );
    }

    #[test]
    fn a_register_error_keeps_its_type_and_is_saved_as_its_message() {
        let plcs = plant();
        let readings = vec![Ok(vec![
            Reading::Exception(Exception::SERVER_DEVICE_BUSY),
            words(&[7]),
            words(&[40]),
            words(&[1, 0]),
        ])];
        let plan = Plan::new(&plcs, &readings, PlanOptions::default());
        let speed = &plan.plcs[0].registers[0].action;
        assert_eq!(
            *speed,
            Action::Error {
                error: RegisterError::ReadRefused {
                    exception: Exception::SERVER_DEVICE_BUSY
                }
            }
        );
        assert_eq!(
            serde_json::to_value(speed).unwrap(),
            serde_json::json!({"action": "error",
                "message": "read refused: ServerDeviceBusy (exception 0x06)"})
        );
        // Two words are not one coil.
        let pump = &plan.plcs[0].registers[3].action;
        assert!(
            matches!(
                pump,
                Action::Error {
                    error: RegisterError::Decode { .. }
                }
            ),
            "{pump:?}"
        );
        assert_eq!(
            serde_json::to_value(pump).unwrap()["message"],
            "cannot decode live value: bool needs 1 word(s), got 2"
        );
    }
}
