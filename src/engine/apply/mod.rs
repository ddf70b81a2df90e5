//! Applying a plan: for each PLC with changes, re-check the safety rules, re-read
//! (compare-and-set: a register whose live value differs from what the plan saw is
//! skipped as stale, one that already holds the desired value is in sync and not
//! written), write with as few requests as the protocol allows, then read everything
//! back (at `readAddress` where a register has one). Only a read-back equal to the
//! desired words counts as applied. A write request is never re-sent blindly: a lost
//! answer is read back first, a busy device gets a fresh compare-and-set, and an
//! answer for another address is an error.
//!
//! One PLC's apply, followed register by register, is in the `plc` module; what a
//! write's answer means, in `answer`; bits of words (`bit: N`), written without
//! touching the rest of the word, in `bit`.

mod answer;
mod bit;
mod function;
mod plc;

use futures::StreamExt;
use serde::{Serialize, Serializer};

use crate::device::{Connector, Exception, Session, TransportError, WriteEcho};
use crate::engine::guard::GuardError;
use crate::engine::lock::LockError;
use crate::engine::observe::{DeviceError, IoStats, Progress, ReadOptions};
use crate::engine::plan::{Action, Plan, PlcPlan, RegisterPlan};
use crate::register::{RegisterKind, Value};

/// Most registers one FC16 request may write.
pub const MAX_WRITE_WORDS: u16 = 123;
/// Most coils one FC15 request may write.
pub const MAX_WRITE_BITS: u16 = 1968;

/// What happened to one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Written and read back equal to the desired value.
    Applied,
    /// Not written: at the compare-and-set read the device already held the desired
    /// value (this plan applied before, or another writer carried it out).
    InSync,
    /// Not written: the live value changed since the plan.
    Stale,
    /// Not written: a safety rule forbids it (bounds, read-only kind, observe mode).
    Refused,
    /// The device refused the write, or could not be reached.
    Failed,
    /// Written, but the read-back differs from the desired value (or could not be read).
    VerifyFailed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::InSync => "in_sync",
            Outcome::Stale => "stale",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::VerifyFailed => "verify_failed",
        }
    }
}

/// Why a register to change was not applied. Serialized (audit log, JSON events) as
/// its message.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ApplyError {
    /// A safety rule forbids the write.
    #[error("not written: {0}")]
    Refused(#[from] GuardError),
    /// The device's write lock on this host could not be taken.
    #[error("not written: {0}")]
    Lock(#[from] LockError),
    /// The compare-and-set read failed.
    #[error("not written: cannot re-read before writing: {source}")]
    PreRead { source: DeviceError },
    /// The device refused the compare-and-set read.
    #[error("not written: re-read refused: {exception}")]
    PreReadRefused { exception: Exception },
    /// The live value changed since the plan.
    #[error(
        "not written: live value changed since the plan ({} → {})",
        show(planned),
        show(live)
    )]
    Stale {
        planned: Option<Value>,
        live: Option<Value>,
    },
    /// A bit register's word changed since the plan, and the device has no Mask
    /// Write: writing the whole word would overwrite that change.
    #[error(
        "not written: {kind} {address} changed since the plan ({} -> 0x{live:04X}) and the device has no Mask Write (FC22): writing the word would overwrite that change",
        planned.map_or_else(|| "?".to_owned(), |w| format!("0x{w:04X}"))
    )]
    WordChanged {
        kind: RegisterKind,
        address: u16,
        planned: Option<u16>,
        live: u16,
    },
    /// The device answered the write with an exception.
    #[error("write refused: {exception}")]
    WriteRefused { exception: Exception },
    /// The device answered ServerDeviceBusy to the write and to every rewrite, each
    /// after a fresh compare-and-set.
    #[error(
        "write refused: the device stayed busy (ServerDeviceBusy, exception 0x06){}",
        if *rewrites == 0 {
            String::new()
        } else {
            format!(", also when written again {rewrites} times, each after a fresh compare-and-set")
        }
    )]
    StillBusy { rewrites: u8 },
    /// A value of several registers where only FC06 may be used: it is never split
    /// into several requests (the device would hold a half-written value in between).
    #[error(
        "not written: a {value_type} takes {width} registers, which only one Write Multiple Registers (FC16) request writes, and {}; it is never split into FC06 writes",
        if *learned {
            "the device has no FC16 (it answered IllegalFunction)"
        } else {
            "spec.limits.writeFunction: single allows FC06 only"
        }
    )]
    Unsplittable {
        value_type: crate::register::ValueType,
        width: u16,
        learned: bool,
    },
    /// The device answered IllegalFunction to the write function, and no other one
    /// may be used: `writeFunction` allows no other, or the device refused it too.
    #[error(
        "write refused: the device has no {} (FC{function}, IllegalFunction){}",
        function::name(*function),
        no_other(*other, *setting)
    )]
    NoWriteFunction {
        function: u8,
        /// In `auto`: the other function, which the device refused too.
        other: Option<u8>,
        setting: crate::manifest::spec::WriteFunction,
    },
    /// The intent to write could not be recorded in the audit log (a full disk, a
    /// read-only file): nothing is written that the log does not know of.
    #[error("not written: the audit log cannot record the intent to write: {reason}")]
    Unrecorded { reason: String },
    /// No connection: the write request was never sent.
    #[error("not written: {source}")]
    NotSent { source: TransportError },
    /// The device answered the write for another address, quantity or value.
    #[error(
        "write not confirmed: the device answered for {answered}; we wrote {}",
        sent.numbers()
    )]
    WrongEcho {
        answered: WriteEcho,
        sent: WriteEcho,
    },
    /// The write's answer was lost and reading the register back failed too.
    #[error(
        "write may or may not have reached the device: {source}; reading it back failed: \
         {read_back}"
    )]
    Unconfirmed {
        source: TransportError,
        read_back: String,
    },
    /// The write's answer was lost and the read-back shows a third value: someone else
    /// wrote the register in between. It is not written again.
    #[error(
        "the device did not answer the write ({source}) and the read-back shows {}, \
         neither the value before ({}) nor {desired}: another writer changed it; not \
         written again",
        show(read_back),
        show(before)
    )]
    ChangedAfterLostAnswer {
        source: TransportError,
        before: Option<Value>,
        read_back: Option<Value>,
        desired: Value,
    },
    /// The write's answer was lost twice and the read-back still shows the value
    /// before: the device did not perform it.
    #[error(
        "the device did not answer the write ({source}), written once more after the \
         read-back still showed {}, and again no answer: not applied",
        show(before)
    )]
    NotApplied {
        source: TransportError,
        before: Option<Value>,
    },
    /// The read-back after writing failed.
    #[error("written, but the read-back failed: {source}")]
    ReadBack { source: DeviceError },
    /// The device refused the read-back.
    #[error("written, but the read-back was refused: {exception}")]
    ReadBackRefused { exception: Exception },
    /// A bit read back as desired, but other bits of its word differ from what the
    /// write left them at.
    #[error(
        "the bit reads back as written, but {kind} {address} reads 0x{read_back:04X} instead of 0x{expected:04X}: other bits of the word changed"
    )]
    OtherBitsChanged {
        kind: RegisterKind,
        address: u16,
        expected: u16,
        read_back: u16,
    },
    /// The read-back shows another value than the one written.
    #[error("read-back shows {} instead of {desired}", show(read_back))]
    Mismatch {
        read_back: Option<Value>,
        desired: Value,
    },
}

impl ApplyError {
    /// The outcome of a register this stopped.
    pub fn outcome(&self) -> Outcome {
        match self {
            ApplyError::Refused(_) => Outcome::Refused,
            ApplyError::Stale { .. }
            | ApplyError::ChangedAfterLostAnswer { .. }
            | ApplyError::WordChanged { .. } => Outcome::Stale,
            ApplyError::Lock(_)
            | ApplyError::PreRead { .. }
            | ApplyError::PreReadRefused { .. }
            | ApplyError::Unrecorded { .. }
            | ApplyError::WriteRefused { .. }
            | ApplyError::StillBusy { .. }
            | ApplyError::Unsplittable { .. }
            | ApplyError::NoWriteFunction { .. }
            | ApplyError::NotSent { .. }
            | ApplyError::WrongEcho { .. }
            | ApplyError::Unconfirmed { .. }
            | ApplyError::NotApplied { .. } => Outcome::Failed,
            ApplyError::ReadBack { .. }
            | ApplyError::ReadBackRefused { .. }
            | ApplyError::OtherBitsChanged { .. }
            | ApplyError::Mismatch { .. } => Outcome::VerifyFailed,
        }
    }
}

impl Serialize for ApplyError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Something the user should know about a write that was applied all the same.
/// Serialized as its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WriteNote {
    /// The answer was lost; the read-back showed the value written.
    #[error("the device did not answer the write, the read-back shows it applied")]
    AnswerLost,
    /// The answer was lost and the read-back still showed the value before: written
    /// once more.
    #[error(
        "the device did not answer the write and the read-back still showed the value \
         before: written once more"
    )]
    WrittenAgain,
    /// The device answered Acknowledge (performed later); the read-back showed it done.
    #[error(
        "the device acknowledged the write (Acknowledge, 0x05), the read-back shows it applied"
    )]
    Acknowledged,
    /// The device was busy; written again after a fresh compare-and-set.
    #[error(
        "the device was busy (ServerDeviceBusy, 0x06); written again after a fresh compare-and-set"
    )]
    Busy,
}

impl Serialize for WriteNote {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The end of a [`ApplyError::NoWriteFunction`] message.
fn no_other(other: Option<u8>, setting: crate::manifest::spec::WriteFunction) -> String {
    use crate::manifest::spec::WriteFunction;
    match (other, setting) {
        (Some(other), _) => format!(" nor {} (FC{other})", function::name(other)),
        (None, WriteFunction::Single) => {
            "; spec.limits.writeFunction: single allows no other: set it to auto".into()
        }
        (None, WriteFunction::Multiple) => {
            "; spec.limits.writeFunction: multiple allows no other: set it to auto".into()
        }
        (None, WriteFunction::Auto) => String::new(),
    }
}

/// A value in a message, `?` when unknown.
fn show(value: &Option<Value>) -> String {
    value.as_ref().map_or_else(|| "?".into(), |v| v.to_string())
}

/// The layout of a register's value, for output: its byte and word order, and the
/// registers of a string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Encoding {
    pub word_order: crate::register::WordOrder,
    pub byte_order: crate::register::ByteOrder,
    /// Registers of a `string`.
    pub length: Option<u16>,
}

impl Encoding {
    /// The encoding a planned register declares.
    pub fn of(reg: &RegisterPlan) -> Encoding {
        Encoding {
            word_order: reg.word_order,
            byte_order: reg.byte_order,
            length: reg.length,
        }
    }
}

/// The result for one register of the plan that was to change.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterResult {
    /// `namespace/name`.
    pub plc: String,
    pub register: String,
    pub kind: RegisterKind,
    pub address: u16,
    /// For a bit of a word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit: Option<u8>,
    /// For a register read elsewhere than where it is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_address: Option<u16>,
    #[serde(rename = "type")]
    pub value_type: crate::register::ValueType,
    /// How the value is laid out in its words, as the plan said.
    #[serde(skip)]
    pub encoding: Encoding,
    /// The live value the plan saw.
    pub planned: Option<Value>,
    /// The live value just before writing (compare-and-set read).
    pub before: Option<Value>,
    pub desired: Value,
    /// The value read back after writing.
    pub after: Option<Value>,
    pub outcome: Outcome,
    /// Whether a write request was sent for this register.
    pub written: bool,
    /// What the user should know about how the write went (a lost answer, a busy
    /// device, Acknowledge), applied or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<WriteNote>,
    /// Boxed: most registers have none, and a report holds one result per change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Box<ApplyError>>,
}

/// Counts of an apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    pub changed: usize,
    pub failed: usize,
    /// Not written: stale or refused.
    pub skipped: usize,
    /// Not written: the device already held the desired value.
    pub in_sync: usize,
}

impl ApplySummary {
    pub fn is_success(&self) -> bool {
        self.failed == 0 && self.skipped == 0
    }
}

/// Everything an apply did.
#[derive(Clone, Debug, Default)]
pub struct ApplyReport {
    pub results: Vec<RegisterResult>,
    pub stats: IoStats,
}

impl ApplyReport {
    pub fn summary(&self) -> ApplySummary {
        let mut s = ApplySummary::default();
        for r in &self.results {
            match r.outcome {
                Outcome::Applied => s.changed += 1,
                Outcome::InSync => s.in_sync += 1,
                Outcome::Stale | Outcome::Refused => s.skipped += 1,
                Outcome::Failed | Outcome::VerifyFailed => s.failed += 1,
            }
        }
        s
    }
}

/// A register about to be written, after its compare-and-set read.
pub struct Intent<'a> {
    pub plc: &'a PlcPlan,
    pub register: &'a RegisterPlan,
    /// The live value of the compare-and-set read.
    pub before: Option<Value>,
}

/// Hears of each write before its request is sent, and of each result as soon as its
/// PLC is done (the audit log).
pub trait ResultSink: Sync {
    /// Records that these registers are about to be written. An error means they are
    /// not: it says why.
    fn intend(&self, _intents: &[Intent<'_>]) -> Result<(), String> {
        Ok(())
    }

    fn record(&self, result: &RegisterResult);
}

impl ResultSink for () {
    fn record(&self, _: &RegisterResult) {}
}

/// Applies every `Change` of the plan. PLCs behind one endpoint share its connection;
/// endpoints run in parallel up to `options.parallelism`.
pub async fn apply<C: Connector>(
    connector: &C,
    plan: &Plan,
    options: ReadOptions,
    sink: &dyn ResultSink,
    progress: &dyn Progress,
) -> ApplyReport {
    let with_changes: Vec<(usize, &PlcPlan)> = plan
        .plcs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.registers.iter().any(|r| r.action == Action::Change))
        .collect();
    let mut groups: std::collections::BTreeMap<(String, u16), Vec<usize>> = Default::default();
    for (i, p) in &with_changes {
        groups
            .entry(crate::engine::observe::endpoint_key(
                &p.host,
                p.port,
                &p.transport,
            ))
            .or_default()
            .push(*i);
    }
    let mut per_plc: Vec<Vec<RegisterResult>> = vec![Vec::new(); plan.plcs.len()];
    let mut stats = IoStats::default();
    let mut stream = futures::stream::iter(groups.into_values())
        .map(|group| async move {
            let first = &plan.plcs[group[0]];
            let mut session = Session::new(
                connector,
                &first.host,
                first.port,
                &first.transport,
                options.retry,
            );
            let mut out = Vec::new();
            for &i in &group {
                let plc = &plan.plcs[i];
                session.set_limits(plc.unit_id, plc.limits);
            }
            let mut learned = function::Learned::default();
            for i in group {
                let results = plc::apply_plc(&mut session, &plan.plcs[i], sink, &mut learned).await;
                for r in &results {
                    sink.record(r);
                }
                progress.advance(results.len() as u64);
                out.push((i, results));
            }
            (
                out,
                IoStats {
                    requests: session.requests,
                    connections: session.connections,
                },
            )
        })
        .buffer_unordered(options.parallelism.max(1));
    while let Some((out, s)) = stream.next().await {
        stats.requests += s.requests;
        stats.connections += s.connections;
        for (i, results) in out {
            per_plc[i] = results;
        }
    }
    ApplyReport {
        results: per_plc.into_iter().flatten().collect(),
        stats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::memory::MemoryConnector;
    use crate::engine::observe::read_all;
    use crate::engine::plan::PlanOptions;
    use crate::register::Words;

    const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p, namespace: a}\nspec:\n  deviceAddress: 10.0.0.1\n  registers:\n    - {name: a, address: 0, value: 1}\n    - {name: b, address: 1, type: u32, value: 70000}\n    - {name: c, address: 3, value: 3, min: 0, max: 10}\n    - {name: d, address: 20, value: 4}\n    - {name: e, address: 0, kind: coil, value: true}\n    - {name: f, address: 1, kind: coil, value: true}\n    - {name: g, address: 30, value: 9, mode: observe}\n";

    fn setup() -> (MemoryConnector, Vec<crate::manifest::Plc>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, PLANT).unwrap();
        let plcs = crate::manifest::load(&[path]).unwrap();
        let mem = MemoryConnector::default();
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &[0; 4]);
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[0]);
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 30, &[0]);
        mem.set("10.0.0.1", 502, 1, RegisterKind::Coil, 0, &[0, 0]);
        (mem, plcs)
    }

    async fn plan(mem: &MemoryConnector, plcs: &[crate::manifest::Plc]) -> Plan {
        let (readings, _) = read_all(mem, plcs, ReadOptions::default(), &()).await;
        Plan::new(plcs, &readings, PlanOptions::default())
    }

    fn requests(mem: &MemoryConnector) -> Vec<(u8, u16, u16)> {
        mem.requests()
            .into_iter()
            .map(|r| (r.2, r.3, r.4))
            .collect()
    }

    #[tokio::test]
    async fn writes_are_coalesced_verified_and_observe_registers_untouched() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        assert_eq!(plan.summary().to_change, 6);
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(
            report.summary(),
            ApplySummary {
                changed: 6,
                failed: 0,
                skipped: 0,
                in_sync: 0
            }
        );
        let writes: Vec<_> = requests(&mem)[before..]
            .iter()
            .copied()
            .filter(|r| matches!(r.0, 5 | 6 | 15 | 16))
            .collect();
        // a, b, c are adjacent (0..=3): one FC16; d alone: FC06; coils 0..=1: one FC15.
        assert_eq!(writes, [(16, 0, 4), (6, 20, 1), (15, 0, 2)]);
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 0, 4),
            Some(vec![1, 1, 4464, 3])
        );
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 30, 1),
            Some(vec![0])
        );
    }

    /// The whole request sequence of an apply: one compare-and-set read per span, the
    /// coalesced writes, then one read-back per span.
    #[tokio::test]
    async fn an_apply_sends_exactly_these_requests() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        let before = mem.requests().len();
        apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(
            requests(&mem)[before..],
            [
                (3, 0, 4),
                (3, 20, 1),
                (1, 0, 2),
                (16, 0, 4),
                (6, 20, 1),
                (15, 0, 2),
                (3, 0, 4),
                (3, 20, 1),
                (1, 0, 2)
            ]
        );
    }

    fn errors(report: &ApplyReport) -> Vec<(&str, Outcome, bool, String)> {
        report
            .results
            .iter()
            .map(|r| {
                let error = r.error.as_ref().map(ToString::to_string);
                (
                    r.register.as_str(),
                    r.outcome,
                    r.written,
                    error.unwrap_or_default(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn each_failure_says_what_happened_to_the_register() {
        let (mem, plcs) = setup();
        let mut plan = plan(&mem, &plcs).await;
        let regs = &mut plan.plcs[0].registers;
        regs[2].desired = Value::Int(99);
        regs[2].desired_words = Words::from([99]);
        regs[6].action = Action::Change;
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[77]);
        mem.fail_writes("10.0.0.1", 502, 1, Exception::SERVER_DEVICE_BUSY);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let busy = "write refused: the device stayed busy (ServerDeviceBusy, exception 0x06), also when written again 2 times, each after a fresh compare-and-set".to_owned();
        assert_eq!(
            errors(&report),
            [
                ("a", Outcome::Failed, true, busy.clone()),
                ("b", Outcome::Failed, true, busy.clone()),
                (
                    "c",
                    Outcome::Refused,
                    false,
                    "not written: desired value 99 is outside the bounds 0..=10".into()
                ),
                (
                    "d",
                    Outcome::Stale,
                    false,
                    "not written: live value changed since the plan (0 → 77)".into()
                ),
                ("e", Outcome::Failed, true, busy.clone()),
                ("f", Outcome::Failed, true, busy),
                (
                    "g",
                    Outcome::Refused,
                    false,
                    "not written: the register is observe-only".into()
                ),
            ]
        );
    }

    #[tokio::test]
    async fn a_device_exception_keeps_its_type_up_to_the_result() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.fail_writes("10.0.0.1", 502, 1, Exception::SERVER_DEVICE_FAILURE);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let a = &report.results[0];
        assert!(
            matches!(
                a.error.as_deref(),
                Some(ApplyError::WriteRefused {
                    exception: Exception::SERVER_DEVICE_FAILURE
                })
            ),
            "{:?}",
            a.error
        );
        assert_eq!(a.error.as_deref().map(ApplyError::outcome), Some(a.outcome));
        assert_eq!(
            serde_json::to_value(a).unwrap()["error"],
            "write refused: ServerDeviceFailure (exception 0x04)"
        );
    }

    #[tokio::test]
    async fn an_unreachable_device_is_not_written() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.set_unreachable("10.0.0.1", 502);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let e = &report.results[0];
        assert_eq!((e.outcome, e.written), (Outcome::Failed, false));
        assert_eq!(
            e.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "not written: cannot re-read before writing: cannot connect to 10.0.0.1:502: \
                 Connection refused (os error 111)"
            )
        );
    }

    #[tokio::test]
    async fn a_register_changed_since_the_plan_is_stale_and_kept() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[77]);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let d = report.results.iter().find(|r| r.register == "d").unwrap();
        assert_eq!(d.outcome, Outcome::Stale);
        assert!(!d.written);
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 20, 1),
            Some(vec![77])
        );
        assert_eq!(
            report.summary(),
            ApplySummary {
                changed: 5,
                failed: 0,
                skipped: 1,
                in_sync: 0
            }
        );
    }

    #[tokio::test]
    async fn a_register_that_already_holds_the_desired_value_is_in_sync_not_stale() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        // Another writer carries out `d` (planned 0 -> 4) before this apply.
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[4]);
        let before = requests(&mem).len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let d = report.results.iter().find(|r| r.register == "d").unwrap();
        assert_eq!(
            (d.outcome, d.written, d.before.clone(), d.after.clone()),
            (Outcome::InSync, false, Some(Value::Int(4)), None)
        );
        assert!(d.error.is_none());
        assert!(!requests(&mem)[before..].contains(&(6, 20, 1)));
        let summary = report.summary();
        assert_eq!((summary.changed, summary.in_sync), (5, 1));
        assert!(summary.is_success());
    }

    #[tokio::test]
    async fn a_host_that_did_not_resolve_is_never_written() {
        let (mem, plcs) = setup();
        let mut plan = plan(&mem, &plcs).await;
        plan.plcs[0].host = "lost-2.apply-test".into();
        crate::device::endpoint::resolve_with(["lost-2.apply-test"], &|_: &str| {
            Err("Name or service not known".into())
        });
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(mem.requests().len(), before, "no request at all");
        let a = &report.results[0];
        assert_eq!((a.outcome, a.written), (Outcome::Failed, false));
        assert_eq!(
            a.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "not written: cannot re-read before writing: cannot resolve host \"lost-2.apply-test\": Name or service not known; check spec.deviceAddress"
            )
        );
    }

    #[tokio::test]
    async fn fc06_falls_back_to_fc16() {
        let (mem, plcs) = setup();
        mem.refuse_fc06();
        let plan = plan(&mem, &plcs).await;
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success());
        // Refused, re-read (compare-and-set), then FC16.
        let sent = requests(&mem);
        let at = sent.iter().position(|r| *r == (6, 20, 1)).unwrap();
        assert_eq!(sent[at..at + 3], [(6, 20, 1), (3, 20, 1), (16, 20, 1)]);
    }

    /// A device without FC16 and FC15: the runs are re-read, then written one item
    /// per FC06/FC05; the u32 is never split into two FC06 writes.
    #[tokio::test]
    async fn without_fc16_and_fc15_each_item_goes_alone_after_a_fresh_read_and_a_u32_fails() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.refuse_function(16);
        mem.refuse_function(15);
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(
            requests(&mem)[before..],
            [
                (3, 0, 4),
                (3, 20, 1),
                (1, 0, 2),
                (16, 0, 4),
                (3, 0, 4),
                (6, 0, 1),
                (6, 3, 1),
                (6, 20, 1),
                (15, 0, 2),
                (1, 0, 2),
                (5, 0, 1),
                (5, 1, 1),
                (3, 0, 4),
                (3, 20, 1),
                (1, 0, 2)
            ]
        );
        let b = result_of(&report, "b");
        assert_eq!((b.outcome, b.written), (Outcome::Failed, true));
        assert_eq!(
            b.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "not written: a u32 takes 2 registers, which only one Write Multiple Registers (FC16) request writes, and the device has no FC16 (it answered IllegalFunction); it is never split into FC06 writes"
            )
        );
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 0, 4),
            Some(vec![1, 0, 0, 3])
        );
        let s = report.summary();
        assert_eq!((s.changed, s.failed), (5, 1), "{:?}", errors(&report));
    }

    /// `writeFunction: single`: no FC15/FC16 at all, so no IllegalFunction round trip
    /// on a device without them. A manifest with a u32 to enforce is refused by
    /// validation; in a plan that has one all the same, it is not written.
    #[tokio::test]
    async fn write_function_single_sends_fc06_and_fc05_only() {
        let (mem, plcs) = setup();
        let mut plan = plan(&mem, &plcs).await;
        plan.plcs[0].limits.write_function = crate::manifest::spec::WriteFunction::Single;
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let writes: Vec<_> = requests(&mem)[before..]
            .iter()
            .copied()
            .filter(|r| matches!(r.0, 5 | 6 | 15 | 16))
            .collect();
        assert_eq!(
            writes,
            [(6, 0, 1), (6, 3, 1), (6, 20, 1), (5, 0, 1), (5, 1, 1)]
        );
        let b = result_of(&report, "b");
        assert_eq!((b.outcome, b.written), (Outcome::Failed, false));
        assert!(
            b.error
                .as_ref()
                .unwrap()
                .to_string()
                .ends_with("and spec.limits.writeFunction: single allows FC06 only; it is never split into FC06 writes")
        );
    }

    /// `writeFunction: multiple` on a device without FC16: refused, with the setting named.
    #[tokio::test]
    async fn write_function_multiple_names_itself_when_the_device_refuses_fc16() {
        let (mem, _) = setup();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        let multiple = PLANT.replace(
            "  deviceAddress: 10.0.0.1\n",
            "  deviceAddress: 10.0.0.1\n  limits: {writeFunction: multiple}\n",
        );
        std::fs::write(&path, multiple).unwrap();
        let plcs = crate::manifest::load(&[path]).unwrap();
        let plan = plan(&mem, &plcs).await;
        mem.refuse_function(16);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(
            requests(&mem).contains(&(16, 20, 1)),
            "FC16 even for one register"
        );
        assert_eq!(
            result_of(&report, "d")
                .error
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some(
                "write refused: the device has no Write Multiple Registers (FC16, IllegalFunction); spec.limits.writeFunction: multiple allows no other: set it to auto"
            )
        );
    }

    #[tokio::test]
    async fn refused_writes_are_failures_and_an_edited_plan_is_refused() {
        let (mem, plcs) = setup();
        let mut plan = plan(&mem, &plcs).await;
        // Someone edits the plan to write 99 to `c` (max 10).
        let c = plan.plcs[0]
            .registers
            .iter_mut()
            .find(|r| r.name == "c")
            .unwrap();
        c.desired = Value::Int(99);
        c.desired_words = Words::from([99]);
        mem.fail_writes("10.0.0.1", 502, 1, Exception::SERVER_DEVICE_BUSY);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let c = report.results.iter().find(|r| r.register == "c").unwrap();
        assert_eq!((c.outcome, c.written), (Outcome::Refused, false));
        assert!(
            report
                .results
                .iter()
                .filter(|r| r.register != "c")
                .all(|r| r.outcome == Outcome::Failed)
        );
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 3, 1),
            Some(vec![0])
        );
    }

    fn writes_sent(mem: &MemoryConnector) -> Vec<(u8, u16, u16)> {
        requests(mem)
            .into_iter()
            .filter(|r| matches!(r.0, 5 | 6 | 15 | 16))
            .collect()
    }

    fn result_of<'r>(report: &'r ApplyReport, name: &str) -> &'r RegisterResult {
        report.results.iter().find(|r| r.register == name).unwrap()
    }

    #[tokio::test]
    async fn a_lost_write_answer_is_read_back_not_resent() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.lose_write_answers(true);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(writes_sent(&mem), [(16, 0, 4), (6, 20, 1), (15, 0, 2)]);
        let d = result_of(&report, "d");
        assert_eq!((d.outcome, d.written), (Outcome::Applied, true));
        assert_eq!(d.note, Some(WriteNote::AnswerLost));
        assert_eq!(
            d.note.map(|n| n.to_string()).as_deref(),
            Some("the device did not answer the write, the read-back shows it applied")
        );
        assert!(report.summary().is_success(), "{:?}", errors(&report));
    }

    #[tokio::test]
    async fn a_wrong_echo_is_a_failure_naming_both_addresses() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.answer_writes_elsewhere();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let d = result_of(&report, "d");
        assert_eq!((d.outcome, d.written), (Outcome::Failed, true));
        assert_eq!(
            d.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "write not confirmed: the device answered for address 21, value 4; we wrote 20, 4"
            )
        );
        let a = result_of(&report, "a");
        assert_eq!(
            a.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "write not confirmed: the device answered for address 1, quantity 4; we wrote 0, 4"
            )
        );
        assert_eq!(report.summary().failed, 6);
        assert_eq!(writes_sent(&mem).len(), 3, "a wrong echo is never re-sent");
    }

    #[tokio::test]
    async fn a_busy_device_is_written_again_only_after_a_fresh_compare_and_set() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.busy_writes(2);
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", errors(&report));
        assert_eq!(result_of(&report, "a").note, Some(WriteNote::Busy));
        assert_eq!(result_of(&report, "d").note, None);
        // The first FC16 is busy twice; a compare-and-set read precedes each rewrite.
        assert_eq!(
            requests(&mem)[before + 3..before + 8],
            [(16, 0, 4), (3, 0, 4), (16, 0, 4), (3, 0, 4), (16, 0, 4)]
        );
    }

    #[tokio::test]
    async fn a_busy_device_whose_register_changed_meanwhile_is_not_written_again() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.busy_writes(1);
        let report = {
            let apply = apply(&mem, &plan, ReadOptions::default(), &(), &());
            let meddle = async {
                // The first write (FC16 at 0) is busy; someone writes `a` during the pause.
                while !writes_sent(&mem).contains(&(16, 0, 4)) {
                    tokio::task::yield_now().await;
                }
                mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &[7]);
            };
            futures::join!(apply, meddle).0
        };
        let a = result_of(&report, "a");
        assert_eq!(a.outcome, Outcome::Stale);
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 0, 1),
            Some(vec![7])
        );
        // b and c are unchanged and written again, without a.
        assert!(
            writes_sent(&mem).contains(&(16, 1, 3)),
            "{:?}",
            writes_sent(&mem)
        );
        assert_eq!(result_of(&report, "b").outcome, Outcome::Applied);
    }

    #[tokio::test]
    async fn a_write_that_did_not_arrive_is_written_once_more_and_no_more() {
        let (mem, plcs) = setup();
        let first = plan(&mem, &plcs).await;
        mem.swallow_writes(1);
        let report = apply(&mem, &first, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", errors(&report));
        assert_eq!(result_of(&report, "a").note, Some(WriteNote::WrittenAgain));
        assert_eq!(
            writes_sent(&mem),
            [(16, 0, 4), (16, 0, 4), (6, 20, 1), (15, 0, 2)]
        );

        let (mem, plcs) = setup();
        let second = plan(&mem, &plcs).await;
        mem.swallow_writes(2);
        let report = apply(&mem, &second, ReadOptions::default(), &(), &()).await;
        let a = result_of(&report, "a");
        assert_eq!((a.outcome, a.written), (Outcome::Failed, true));
        assert_eq!(
            a.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "the device did not answer the write (no answer within 200 ms), written once \
                 more after the read-back still showed 0, and again no answer: not applied"
            )
        );
        assert_eq!(
            writes_sent(&mem),
            [(16, 0, 4), (16, 0, 4), (6, 20, 1), (15, 0, 2)]
        );
    }
}
