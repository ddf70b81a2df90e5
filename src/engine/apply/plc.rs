//! One PLC's apply, followed register by register. Each register to change is an
//! [`Attempt`] that the steps carry along: guarded, locked, compare-and-set read,
//! written (coalesced with its neighbours), read back. The first step that fails
//! records its [`ApplyError`], which decides the register's [`Outcome`].
//!
//! Every write request is sent once; what its answer means (the `answer` module)
//! decides what follows: a lost answer is read back, a busy device gets a fresh
//! compare-and-set, and only then may a register be written again.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::Duration;

use super::answer::{self, AfterLostAnswer, Answer};
use super::function::{self, Carry, Learned, Route};
use super::{
    ApplyError, Intent, MAX_WRITE_BITS, MAX_WRITE_WORDS, Outcome, RegisterResult, ResultSink,
    WriteNote,
};
use crate::device::{Connector, Exception, Limits, Session, TransportError, WriteEcho, endpoint};
use crate::engine::guard::{GuardError, guard};
use crate::engine::lock;
use crate::engine::observe::{self, Reading};
use crate::engine::plan::{Action, PlcPlan, RegisterPlan};
use crate::manifest::spec::WriteFunction;
use crate::register::{RegisterKind, Value, Words};

/// One register to change on its way through [`apply_plc`]: its plan, what was read
/// before and after writing, and what stopped it.
pub(super) struct Attempt<'p> {
    pub(super) reg: &'p RegisterPlan,
    /// The live value of the compare-and-set read.
    before: Option<Value>,
    /// The words of the compare-and-set read (for a bit register, its whole word).
    pub(super) read_words: Option<Words>,
    /// For a bit register: the whole word the read-back must show, other bits
    /// included, once its bit was written.
    pub(super) expect_word: Option<u16>,
    /// The value read back after writing.
    after: Option<Value>,
    /// Whether a write request was sent for it.
    pub(super) written: bool,
    /// How its write went, when the user should know (a lost answer, Acknowledge).
    pub(super) note: Option<WriteNote>,
    /// The compare-and-set read found the desired value already there: nothing to write.
    in_sync: bool,
    /// The step that stopped it; `None` while it is on its way to `applied`.
    error: Option<ApplyError>,
}

impl<'p> Attempt<'p> {
    /// Starts with the safety rules: a refused change goes no further.
    fn guarded(reg: &'p RegisterPlan, window_open: bool) -> Self {
        let refusal = if window_open {
            guard(reg).err()
        } else {
            Some(GuardError::OutsideWriteWindows)
        };
        Attempt {
            reg,
            before: None,
            read_words: None,
            expect_word: None,
            after: None,
            written: false,
            note: None,
            in_sync: false,
            error: refusal.map(ApplyError::Refused),
        }
    }

    pub(super) fn is_pending(&self) -> bool {
        self.error.is_none() && !self.in_sync
    }

    pub(super) fn fail(&mut self, error: ApplyError) {
        self.error = Some(error);
    }

    /// What to read for it: read address, width, kind.
    fn item(&self) -> (u16, u16, RegisterKind) {
        (self.reg.read_at(), self.reg.width(), self.reg.kind)
    }

    /// Decodes what was read for it; `None` for an exception or undecodable words.
    fn decode(&self, reading: &Reading) -> Option<Value> {
        match reading {
            Reading::Words(w) => self.reg.codec().decode(&self.reg.value_words(w)).ok(),
            Reading::Exception(_) => None,
        }
    }

    /// Whether the value read differs from the one the plan saw (for a bit register,
    /// its bit: the other bits of the word are not its value).
    fn changed_since_plan(&self, read: &Words) -> bool {
        let planned = self
            .reg
            .live_words
            .as_ref()
            .map(|w| self.reg.value_words(w));
        planned != Some(self.reg.value_words(read))
    }

    fn result(self, plc: &PlcPlan) -> RegisterResult {
        let reg = self.reg;
        RegisterResult {
            plc: plc.id(),
            register: reg.name.clone(),
            kind: reg.kind,
            address: reg.address,
            bit: reg.bit,
            read_address: reg.read_address,
            value_type: reg.value_type,
            encoding: super::Encoding::of(reg),
            planned: reg.live.clone(),
            before: self.before,
            desired: reg.desired.clone(),
            after: self.after,
            outcome: match (&self.error, self.in_sync) {
                (Some(error), _) => error.outcome(),
                (None, true) => Outcome::InSync,
                (None, false) => Outcome::Applied,
            },
            written: self.written,
            note: self.note,
            error: self.error.map(Box::new),
        }
    }
}

/// Applies one PLC's changes: guard, lock, compare-and-set read, write, read back.
/// The results are in plan order.
pub(super) async fn apply_plc<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    sink: &dyn ResultSink,
    learned: &mut Learned,
) -> Vec<RegisterResult> {
    let timeout = Duration::from_millis(plc.timeout_ms);
    let window_open = plc.writes_allowed(jiff::Timestamp::now());
    let mut attempts: Vec<Attempt> = plc
        .registers
        .iter()
        .filter(|r| r.action == Action::Change)
        .map(|reg| Attempt::guarded(reg, window_open))
        .collect();
    let mut allowed: Vec<&mut Attempt> = attempts.iter_mut().filter(|a| a.is_pending()).collect();
    if !allowed.is_empty() {
        // One writer per device on this host: a concurrent fabctl waits, then its
        // compare-and-set sees this one's values and reports them stale. A host the
        // run could not resolve is not contacted.
        let locked =
            match endpoint::network_host(&plc.host, &plc.transport).and_then(endpoint::failure) {
                Some(reason) => Err(ApplyError::PreRead {
                    source: observe::DeviceError::Resolve {
                        host: plc.host.clone(),
                        reason,
                    },
                }),
                None => lock::acquire(&plc.host, plc.port, &plc.transport, plc.unit_id)
                    .await
                    .map_err(ApplyError::Lock),
            };
        match locked {
            Err(e) => {
                for a in allowed {
                    a.fail(e.clone());
                }
            }
            Ok(_lock) => {
                compare_and_set(session, plc.unit_id, timeout, &mut allowed).await;
                record_intent(sink, plc, &mut allowed);
                let (mut bits, mut to_write): (Vec<&mut Attempt>, Vec<&mut Attempt>) = allowed
                    .into_iter()
                    .filter(|a| a.is_pending())
                    .partition(|a| a.reg.bit.is_some());
                to_write.sort_by_key(|a| (a.reg.kind, a.reg.address));
                let mut out = Out {
                    last_write: None,
                    learned,
                };
                write(session, plc, timeout, &mut to_write, &mut out).await;
                super::bit::write(session, plc, timeout, &mut bits, &mut out).await;
                to_write.append(&mut bits);
                await_acknowledged(session, plc.unit_id, timeout, &mut to_write).await;
                read_back(session, plc.unit_id, timeout, &mut to_write).await;
            }
        }
    }
    attempts.into_iter().map(|a| a.result(plc)).collect()
}

/// Compare-and-set: re-reads the registers just before writing. One that already holds
/// the desired words is in sync (whatever the plan saw) and not written; one whose
/// words differ from what the plan saw is stale and not written.
pub(super) async fn compare_and_set<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    timeout: Duration,
    attempts: &mut [&mut Attempt<'_>],
) {
    let items: Vec<_> = attempts.iter().map(|a| a.item()).collect();
    match observe::read_registers(session, unit, &items, timeout).await {
        Err(source) => {
            for a in attempts {
                a.fail(ApplyError::PreRead {
                    source: source.clone(),
                });
            }
        }
        Ok(readings) => {
            for (a, reading) in attempts.iter_mut().zip(&readings) {
                a.before = a.decode(reading);
                match reading {
                    Reading::Exception(exception) => a.fail(ApplyError::PreReadRefused {
                        exception: *exception,
                    }),
                    Reading::Words(w) if a.reg.value_words(w) == a.reg.desired_words => {
                        a.in_sync = true;
                    }
                    Reading::Words(w) if a.changed_since_plan(w) => {
                        a.fail(ApplyError::Stale {
                            planned: a.reg.live.clone(),
                            live: a.before.clone(),
                        });
                    }
                    Reading::Words(w) => a.read_words = Some(w.clone()),
                }
            }
        }
    }
}

/// What the writes of one PLC carry from request to request: when the last one
/// went, and the write functions the device refused in this run.
pub(super) struct Out<'l> {
    pub(super) last_write: Option<tokio::time::Instant>,
    pub(super) learned: &'l mut Learned,
}

/// Pauses until `minWriteIntervalMs` has passed since the last write request, and
/// makes this one the last.
pub(super) async fn pace(plc: &PlcPlan, last_write: &mut Option<tokio::time::Instant>) {
    if let Some(last) = *last_write {
        tokio::time::sleep_until(last + Duration::from_millis(plc.min_write_interval_ms)).await;
    }
    *last_write = Some(tokio::time::Instant::now());
}

/// Writes the registers (sorted by kind and address), coalesced into runs of adjacent
/// registers as `writeFunction` and the device allow (see [`function`]), paced by
/// `minWriteIntervalMs` so a slow device is never flooded. Each request is sent once;
/// its answer decides what follows (see [`settle`]).
async fn write<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    timeout: Duration,
    sorted: &mut [&mut Attempt<'_>],
    out: &mut Out<'_>,
) {
    let all: Vec<usize> = (0..sorted.len()).collect();
    let mut queue: VecDeque<Batch> =
        batches(sorted, &all, Rewrites::default(), &plc.limits).collect();
    while let Some(batch) = queue.pop_front() {
        let first = sorted[batch.members[0]].reg;
        let words: Vec<u16> = batch
            .members
            .iter()
            .flat_map(|&i| sorted[i].reg.desired_words.iter().copied())
            .collect();
        let carry = match out
            .learned
            .route(plc, first.kind, batch.members.len(), words.len())
        {
            Route::Send(carry) => carry,
            Route::Split => {
                for &i in batch.members.iter().rev() {
                    queue.push_front(Batch {
                        members: vec![i],
                        rewrites: batch.rewrites,
                    });
                }
                continue;
            }
            Route::Unsplittable { learned } => {
                for &i in &batch.members {
                    let reg = sorted[i].reg;
                    sorted[i].fail(ApplyError::Unsplittable {
                        value_type: reg.value_type,
                        width: reg.width(),
                        learned,
                    });
                }
                continue;
            }
            Route::Neither => {
                let (single, multiple) = function::codes(first.kind);
                for &i in &batch.members {
                    sorted[i].fail(ApplyError::NoWriteFunction {
                        function: single,
                        other: Some(multiple),
                        setting: plc.limits.write_function,
                    });
                }
                continue;
            }
        };
        pace(plc, &mut out.last_write).await;
        let answer = write_run(
            session,
            plc.unit_id,
            first.kind,
            first.address,
            &words,
            carry,
            timeout,
        )
        .await;
        if answer == Answer::Refused(Exception::ILLEGAL_FUNCTION) {
            let sent = function::code(first.kind, carry);
            for &i in &batch.members {
                sorted[i].written = true;
            }
            if out.learned.refused(plc, sent) {
                // The device performed nothing; re-read before writing another way.
                let fresh = refresh(session, plc.unit_id, timeout, sorted, &batch.members).await;
                let again: Vec<Batch> =
                    batches(sorted, &fresh, batch.rewrites, &plc.limits).collect();
                for batch in again.into_iter().rev() {
                    queue.push_front(batch);
                }
            } else {
                let other = (plc.limits.write_function == WriteFunction::Auto).then(|| {
                    let (single, multiple) = function::codes(first.kind);
                    if sent == single { multiple } else { single }
                });
                for &i in &batch.members {
                    sorted[i].fail(ApplyError::NoWriteFunction {
                        function: sent,
                        other,
                        setting: plc.limits.write_function,
                    });
                }
            }
            continue;
        }
        if let Answer::Lost(source) = &answer {
            let names: Vec<&str> = batch
                .members
                .iter()
                .map(|&i| sorted[i].reg.name.as_str())
                .collect();
            tracing::warn!(
                plc = %plc.id(),
                registers = %names.join(", "),
                "the device did not answer the write ({source}); reading back before deciding"
            );
        }
        let again = settle(session, plc.unit_id, timeout, sorted, batch, answer).await;
        for batch in again.into_iter().rev() {
            queue.push_front(batch);
        }
    }
}

/// A fresh compare-and-set of `members` before they are written again (after a busy
/// device, or to write them with another function): the ones still to write.
async fn refresh<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    timeout: Duration,
    sorted: &mut [&mut Attempt<'_>],
    members: &[usize],
) -> Vec<usize> {
    let mut fresh: Vec<&mut Attempt> = sorted
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| members.contains(i))
        .map(|(_, a)| &mut **a)
        .collect();
    compare_and_set(session, unit, timeout, &mut fresh).await;
    members
        .iter()
        .copied()
        .filter(|&i| sorted[i].is_pending())
        .collect()
}

/// Most times a request is sent again after ServerDeviceBusy, each after a pause and
/// a fresh compare-and-set.
pub(super) const BUSY_REWRITES: u8 = 2;

/// How often the registers of a batch may still be written again.
#[derive(Clone, Copy, Debug)]
struct Rewrites {
    /// After a lost answer whose read-back still shows the value before: once.
    lost: u8,
    /// After ServerDeviceBusy.
    busy: u8,
}

impl Default for Rewrites {
    fn default() -> Self {
        Rewrites {
            lost: 1,
            busy: BUSY_REWRITES,
        }
    }
}

/// The registers (indices into the sorted attempts) one write request carries.
struct Batch {
    members: Vec<usize>,
    rewrites: Rewrites,
}

/// The members (sorted) split into runs one request can carry.
fn batches<'a>(
    sorted: &'a [&mut Attempt<'_>],
    members: &'a [usize],
    rewrites: Rewrites,
    limits: &Limits,
) -> impl Iterator<Item = Batch> + 'a {
    let regs: Vec<&RegisterPlan> = members.iter().map(|&i| sorted[i].reg).collect();
    runs(&regs, limits).into_iter().map(move |run| Batch {
        members: members[run].to_vec(),
        rewrites,
    })
}

/// What one write request's answer means for its registers. Returns the requests to
/// send again: after a lost answer, only registers whose read-back still shows the
/// value of the compare-and-set, once; after ServerDeviceBusy, only those a fresh
/// compare-and-set finds unchanged, a bounded number of times. Nothing is re-sent
/// blindly.
async fn settle<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    timeout: Duration,
    sorted: &mut [&mut Attempt<'_>],
    batch: Batch,
    answer: Answer,
) -> Vec<Batch> {
    let Batch { members, rewrites } = batch;
    let sent = !matches!(answer, Answer::NotSent(_));
    for &i in &members {
        // A rewrite that could not be sent leaves an earlier request sent.
        sorted[i].written |= sent;
    }
    let fail_all = |sorted: &mut [&mut Attempt<'_>], error: ApplyError| {
        for &i in &members {
            sorted[i].fail(error.clone());
        }
    };
    match answer {
        Answer::Confirmed => Vec::new(),
        Answer::Acknowledged => {
            for &i in &members {
                sorted[i].note = Some(WriteNote::Acknowledged);
            }
            Vec::new()
        }
        Answer::WrongEcho { answered, sent } => {
            fail_all(sorted, ApplyError::WrongEcho { answered, sent });
            Vec::new()
        }
        Answer::Refused(exception) => {
            fail_all(sorted, ApplyError::WriteRefused { exception });
            Vec::new()
        }
        Answer::NotSent(source) => {
            fail_all(sorted, ApplyError::NotSent { source });
            Vec::new()
        }
        Answer::Busy if rewrites.busy == 0 => {
            let rewrites = BUSY_REWRITES;
            fail_all(sorted, ApplyError::StillBusy { rewrites });
            Vec::new()
        }
        Answer::Busy => {
            tokio::time::sleep(busy_pause(rewrites.busy)).await;
            let unchanged = refresh(session, unit, timeout, sorted, &members).await;
            for &i in &unchanged {
                sorted[i].note = Some(WriteNote::Busy);
            }
            let rewrites = Rewrites {
                busy: rewrites.busy - 1,
                ..rewrites
            };
            batches(
                sorted,
                &unchanged,
                rewrites,
                &session.unit_limits(unit).limits,
            )
            .collect()
        }
        Answer::Lost(source) => {
            let untouched =
                after_lost_answer(session, unit, timeout, sorted, &members, source, rewrites).await;
            // One new compare-and-set and write at most after a lost answer, whatever
            // busy rewrites were left.
            let rewrites = Rewrites { lost: 0, busy: 0 };
            batches(
                sorted,
                &untouched,
                rewrites,
                &session.unit_limits(unit).limits,
            )
            .collect()
        }
    }
}

/// The pause before sending a busy device a write again: 50 ms, then 100 ms, …
pub(super) fn busy_pause(rewrites_left: u8) -> Duration {
    let done = u32::from(BUSY_REWRITES.saturating_sub(rewrites_left));
    Duration::from_millis(50).saturating_mul(1 << done.min(4))
}

/// After a lost answer, reads the `members` back: the value written means the answer
/// alone was lost (applied); a third value means someone else wrote (stale, never
/// written again); the value of the compare-and-set means the write did not arrive,
/// and those members are returned to be written once more, if `rewrites` allow.
async fn after_lost_answer<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    timeout: Duration,
    sorted: &mut [&mut Attempt<'_>],
    members: &[usize],
    source: TransportError,
    rewrites: Rewrites,
) -> Vec<usize> {
    let items: Vec<_> = members.iter().map(|&i| sorted[i].item()).collect();
    let readings = match observe::read_registers(session, unit, &items, timeout).await {
        Ok(readings) => readings,
        Err(e) => {
            for &i in members {
                sorted[i].fail(ApplyError::Unconfirmed {
                    source: source.clone(),
                    read_back: e.to_string(),
                });
            }
            return Vec::new();
        }
    };
    let mut untouched = Vec::new();
    for (&i, reading) in members.iter().zip(&readings) {
        let a = &mut *sorted[i];
        let words = match reading {
            Reading::Words(w) => w,
            Reading::Exception(exception) => {
                a.fail(ApplyError::Unconfirmed {
                    source: source.clone(),
                    read_back: exception.to_string(),
                });
                continue;
            }
        };
        let before = a.reg.live_words.as_deref().unwrap_or_default();
        match answer::after_lost_answer(words, before, &a.reg.desired_words) {
            AfterLostAnswer::Applied => a.note = Some(WriteNote::AnswerLost),
            AfterLostAnswer::Untouched if rewrites.lost > 0 => {
                a.note = Some(WriteNote::WrittenAgain);
                untouched.push(i);
            }
            AfterLostAnswer::Untouched => a.fail(ApplyError::NotApplied {
                source: source.clone(),
                before: a.before.clone(),
            }),
            AfterLostAnswer::Changed => {
                let read_back = a.decode(reading);
                a.fail(ApplyError::ChangedAfterLostAnswer {
                    source: source.clone(),
                    before: a.before.clone(),
                    read_back,
                    desired: a.reg.desired.clone(),
                });
            }
        }
    }
    untouched
}

/// How many times the read-back of an acknowledged write is tried while it still shows
/// the value before (spread over one request timeout).
const ACKNOWLEDGE_POLLS: u32 = 5;

/// Waits for the writes a device acknowledged (Acknowledge: performed later) to show:
/// re-reads them, up to one timeout in all, while they still hold the value before.
/// The read-back that follows decides.
async fn await_acknowledged<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    timeout: Duration,
    written: &mut [&mut Attempt<'_>],
) {
    let pause = (timeout / ACKNOWLEDGE_POLLS).max(Duration::from_millis(10));
    for _ in 0..ACKNOWLEDGE_POLLS {
        let waiting: Vec<_> = written
            .iter()
            .filter(|a| a.is_pending() && a.note == Some(WriteNote::Acknowledged))
            .map(|a| a.item())
            .collect();
        if waiting.is_empty() {
            return;
        }
        let Ok(readings) = observe::read_registers(session, unit, &waiting, timeout).await else {
            return;
        };
        let done = written
            .iter()
            .filter(|a| a.is_pending() && a.note == Some(WriteNote::Acknowledged))
            .zip(&readings)
            .all(|(a, r)| !matches!(r, Reading::Words(w) if Some(w) == a.reg.live_words.as_ref()));
        if done {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}

/// Reads back every register a write was sent for. Only one still on its way to
/// `applied` can fail here; the others get their read-back value recorded.
async fn read_back<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    timeout: Duration,
    written: &mut [&mut Attempt<'_>],
) {
    let items: Vec<_> = written.iter().map(|a| a.item()).collect();
    match observe::read_registers(session, unit, &items, timeout).await {
        Err(source) => {
            for a in written.iter_mut().filter(|a| a.is_pending()) {
                a.fail(ApplyError::ReadBack {
                    source: source.clone(),
                });
            }
        }
        Ok(readings) => {
            for (a, reading) in written.iter_mut().zip(&readings) {
                a.after = a.decode(reading);
                if !a.is_pending() {
                    continue;
                }
                match reading {
                    Reading::Words(w) if a.reg.value_words(w) == a.reg.desired_words => {
                        super::bit::check_other_bits(a, w);
                    }
                    Reading::Words(_) => a.fail(ApplyError::Mismatch {
                        read_back: a.after.clone(),
                        desired: a.reg.desired.clone(),
                    }),
                    Reading::Exception(exception) => a.fail(ApplyError::ReadBackRefused {
                        exception: *exception,
                    }),
                }
            }
        }
    }
}

/// Splits registers sorted by kind and address into runs that one write request can
/// carry: same kind, adjacent, within the protocol limit and the device's
/// `maxWriteRegisters` / `maxWriteBits`. A register is never split: one wider than the
/// limit (validation refuses it) would go alone.
fn runs(sorted: &[&RegisterPlan], limits: &Limits) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut run_end = 0u32;
    let mut run_len = 0u32;
    for (i, &reg) in sorted.iter().enumerate() {
        let max = u32::from(if reg.kind.is_bit() {
            MAX_WRITE_BITS.min(limits.max_write_bits)
        } else {
            MAX_WRITE_WORDS.min(limits.max_write_registers)
        });
        let width = u32::from(reg.width());
        let extends = runs.last().is_some_and(|run| {
            let prev = sorted[run.end - 1];
            prev.kind == reg.kind && u32::from(reg.address) == run_end + 1 && run_len + width <= max
        });
        match runs.last_mut() {
            Some(run) if extends => {
                run.end = i + 1;
                run_len += width;
            }
            _ => {
                runs.push(i..i + 1);
                run_len = width;
            }
        }
        run_end = u32::from(reg.address) + width - 1;
    }
    runs
}

/// One write request for `words` from `start`: FC05/FC06 for one item when `carry`
/// is single, FC15/FC16 otherwise. The answer is judged against what was sent.
pub(super) async fn write_run<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    kind: RegisterKind,
    start: u16,
    words: &[u16],
    carry: Carry,
    timeout: Duration,
) -> Answer {
    let single = carry == Carry::Single && words.len() == 1;
    let echo = WriteEcho::of(single, start, words);
    let answer = match (kind == RegisterKind::Coil, single) {
        (true, true) => {
            session
                .write_single_coil(unit, start, words[0] != 0, timeout)
                .await
        }
        (true, false) => {
            let bits: Vec<bool> = words.iter().map(|w| *w != 0).collect();
            session.write_coils(unit, start, &bits, timeout).await
        }
        (false, true) => {
            session
                .write_single_register(unit, start, words[0], timeout)
                .await
        }
        (false, false) => session.write_registers(unit, start, words, timeout).await,
    };
    answer::judge(echo, answer)
}

/// Records the intent to write each register still on its way, before any write
/// request: one whose intent cannot be recorded is not written.
fn record_intent(sink: &dyn ResultSink, plc: &PlcPlan, attempts: &mut [&mut Attempt<'_>]) {
    let intents: Vec<Intent> = attempts
        .iter()
        .filter(|a| a.is_pending())
        .map(|a| Intent {
            plc,
            register: a.reg,
            before: a.before.clone(),
        })
        .collect();
    if intents.is_empty() {
        return;
    }
    if let Err(reason) = sink.intend(&intents) {
        for a in attempts.iter_mut().filter(|a| a.is_pending()) {
            a.fail(ApplyError::Unrecorded {
                reason: reason.clone(),
            });
        }
    }
}
