//! One PLC's apply, followed register by register. Each register to change is an
//! [`Attempt`] that the steps carry along: guarded, locked, compare-and-set read,
//! written (coalesced with its neighbours), read back. The first step that fails
//! records its [`ApplyError`], which decides the register's [`Outcome`].

use std::ops::Range;
use std::time::Duration;

use super::{
    ApplyError, Intent, MAX_WRITE_BITS, MAX_WRITE_WORDS, Outcome, RegisterResult, ResultSink,
};
use crate::device::{Connector, Exception, Session, TransportError};
use crate::engine::guard::{GuardError, guard};
use crate::engine::lock;
use crate::engine::observe::{self, Reading};
use crate::engine::plan::{Action, PlcPlan, RegisterPlan};
use crate::register::{RegisterKind, Value};

/// One register to change on its way through [`apply_plc`]: its plan, what was read
/// before and after writing, and what stopped it.
struct Attempt<'p> {
    reg: &'p RegisterPlan,
    /// The live value of the compare-and-set read.
    before: Option<Value>,
    /// The value read back after writing.
    after: Option<Value>,
    /// Whether a write request was sent for it.
    written: bool,
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
            after: None,
            written: false,
            error: refusal.map(ApplyError::Refused),
        }
    }

    fn is_pending(&self) -> bool {
        self.error.is_none()
    }

    fn fail(&mut self, error: ApplyError) {
        self.error = Some(error);
    }

    /// What to read for it: address, width, kind.
    fn item(&self) -> (u16, u16, RegisterKind) {
        (self.reg.address, self.reg.width(), self.reg.kind)
    }

    /// Decodes what was read for it; `None` for an exception or undecodable words.
    fn decode(&self, reading: &Reading) -> Option<Value> {
        match reading {
            Reading::Words(w) => self.reg.codec().decode(w).ok(),
            Reading::Exception(_) => None,
        }
    }

    fn result(self, plc: &PlcPlan) -> RegisterResult {
        let reg = self.reg;
        RegisterResult {
            plc: plc.id(),
            register: reg.name.clone(),
            kind: reg.kind,
            address: reg.address,
            value_type: reg.value_type,
            planned: reg.live,
            before: self.before,
            desired: reg.desired,
            after: self.after,
            outcome: self
                .error
                .as_ref()
                .map_or(Outcome::Applied, ApplyError::outcome),
            written: self.written,
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
        // compare-and-set sees this one's values and reports them stale.
        match lock::acquire(&plc.host, plc.port, plc.unit_id).await {
            Err(e) => {
                for a in allowed {
                    a.fail(ApplyError::Lock(e.clone()));
                }
            }
            Ok(_lock) => {
                compare_and_set(session, plc.unit_id, timeout, &mut allowed).await;
                record_intent(sink, plc, &mut allowed);
                let mut to_write: Vec<&mut Attempt> =
                    allowed.into_iter().filter(|a| a.is_pending()).collect();
                to_write.sort_by_key(|a| (a.reg.kind, a.reg.address));
                write(session, plc, timeout, &mut to_write).await;
                read_back(session, plc.unit_id, timeout, &mut to_write).await;
            }
        }
    }
    attempts.into_iter().map(|a| a.result(plc)).collect()
}

/// Compare-and-set: re-reads the registers just before writing. One whose words
/// differ from what the plan saw is stale and not written.
async fn compare_and_set<C: Connector>(
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
                    Reading::Words(w) if Some(w) != a.reg.live_words.as_ref() => {
                        a.fail(ApplyError::Stale {
                            planned: a.reg.live,
                            live: a.before,
                        });
                    }
                    Reading::Words(_) => {}
                }
            }
        }
    }
}

/// Writes the registers (sorted by kind and address), coalesced into runs of adjacent
/// registers, paced by `minWriteIntervalMs` so a slow device is never flooded.
async fn write<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    timeout: Duration,
    sorted: &mut [&mut Attempt<'_>],
) {
    let pacing = Duration::from_millis(plc.min_write_interval_ms);
    let mut last_write: Option<tokio::time::Instant> = None;
    for run in runs(sorted) {
        if let Some(last) = last_write {
            tokio::time::sleep_until(last + pacing).await;
        }
        last_write = Some(tokio::time::Instant::now());
        let run = &mut sorted[run];
        let first = run[0].reg;
        let words: Vec<u16> = run
            .iter()
            .flat_map(|a| a.reg.desired_words.iter().copied())
            .collect();
        let answer = write_run(
            session,
            plc.unit_id,
            first.kind,
            first.address,
            &words,
            timeout,
        )
        .await;
        for a in run {
            a.written = true;
            if let Err(e) = &answer {
                a.fail(e.clone());
            }
        }
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
                    Reading::Words(w) if *w == a.reg.desired_words => {}
                    Reading::Words(_) => a.fail(ApplyError::Mismatch {
                        read_back: a.after,
                        desired: a.reg.desired,
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
/// carry: same kind, adjacent, within the protocol limit.
fn runs(sorted: &[&mut Attempt<'_>]) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut run_end = 0u32;
    let mut run_len = 0u32;
    for (i, a) in sorted.iter().enumerate() {
        let reg = a.reg;
        let max = u32::from(if reg.kind.is_bit() {
            MAX_WRITE_BITS
        } else {
            MAX_WRITE_WORDS
        });
        let width = u32::from(reg.width());
        let extends = runs.last().is_some_and(|run| {
            let prev = sorted[run.end - 1].reg;
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

/// One write request for `words` from `start`: FC05/FC15 for coils, FC06 for one
/// holding register (FC16 when the device answers IllegalFunction), FC16 for more.
async fn write_run<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    kind: RegisterKind,
    start: u16,
    words: &[u16],
    timeout: Duration,
) -> Result<(), ApplyError> {
    let answer = if kind == RegisterKind::Coil {
        let bits: Vec<bool> = words.iter().map(|w| *w != 0).collect();
        if bits.len() == 1 {
            session
                .write_single_coil(unit, start, bits[0], timeout)
                .await
        } else {
            session.write_coils(unit, start, &bits, timeout).await
        }
    } else if words.len() == 1 {
        match session
            .write_single_register(unit, start, words[0], timeout)
            .await
        {
            Ok(Err(Exception::ILLEGAL_FUNCTION)) => {
                session.write_registers(unit, start, words, timeout).await
            }
            other => other,
        }
    } else {
        session.write_registers(unit, start, words, timeout).await
    };
    match answer {
        Ok(Ok(())) => Ok(()),
        Ok(Err(exception)) => Err(ApplyError::WriteRefused { exception }),
        Err(source @ TransportError::Connect { .. }) => Err(ApplyError::NotSent { source }),
        Err(source) => Err(ApplyError::Unconfirmed { source }),
    }
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
            before: a.before,
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
