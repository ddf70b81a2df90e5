//! Writing bit registers (`type: bool` with `bit: N` in a holding register) without
//! touching the other 15 bits of their word. The bits to change in one word go in
//! one request: Mask Write Register (FC22) with their AND/OR masks, or, on a device
//! that answers FC22 with IllegalFunction, a read-modify-write of the word: re-read
//! just before writing, written only if no bit changed since the plan (else stale),
//! with only these bits changed. A device that refused FC22 is remembered for the
//! life of the process (a reconcile loop or the agent keeps it across ticks) and
//! logged once.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use super::ApplyError;
use super::WriteNote;
use super::answer::{self, Answer};
use super::function::{self, Route};
use super::plc::{Attempt, BUSY_REWRITES, Out, busy_pause, compare_and_set, pace, write_run};
use crate::device::{Connector, Exception, Session, WriteEcho};
use crate::engine::observe::{self, Reading};
use crate::engine::plan::PlcPlan;
use crate::register::bit::Masks;
use crate::register::{RegisterKind, Words};

/// Devices (endpoint key and unit id) that answered FC22 with IllegalFunction.
static NO_MASK_WRITE: Mutex<BTreeSet<(String, u16, u8)>> = Mutex::new(BTreeSet::new());

fn device_key(plc: &PlcPlan) -> (String, u16, u8) {
    let (host, port) = crate::engine::observe::endpoint_key(&plc.host, plc.port, &plc.transport);
    (host, port, plc.unit_id)
}

fn known_without_mask_write(plc: &PlcPlan) -> bool {
    let known = NO_MASK_WRITE.lock().unwrap_or_else(|e| e.into_inner());
    known.contains(&device_key(plc))
}

/// Remembers that the device has no FC22; says so the first time.
fn remember_without_mask_write(plc: &PlcPlan) {
    let mut known = NO_MASK_WRITE.lock().unwrap_or_else(|e| e.into_inner());
    if known.insert(device_key(plc)) {
        tracing::warn!(
            "{} ({} unit {}) has no Mask Write Register (FC22 answered IllegalFunction): \
             its bits are written by read-modify-write of their word from now on",
            plc.id(),
            plc.endpoint(),
            plc.unit_id
        );
    }
}

/// Writes the bit registers that passed compare-and-set, word by word.
pub(super) async fn write<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    timeout: Duration,
    bits: &mut [&mut Attempt<'_>],
    out: &mut Out<'_>,
) {
    // One word is one address read at one place; bits of a word read at two places
    // (a mistake in the manifest) are written as two words: by read-modify-write the
    // second finds the word changed and is stale.
    let word_of = |a: &Attempt<'_>| (a.reg.address, a.reg.read_address);
    bits.sort_by_key(|a| (word_of(a), a.reg.bit));
    'words: for word in bits.chunk_by_mut(|a, b| word_of(a) == word_of(b)) {
        let mut busy = 0;
        while !known_without_mask_write(plc) {
            let masks = masks_of(word);
            pace(plc, &mut out.last_write).await;
            let address = word[0].reg.address;
            let sent = WriteEcho::Mask {
                address,
                and: masks.and,
                or: masks.or,
            };
            let answer = answer::judge(
                sent,
                session
                    .mask_write_register(plc.unit_id, address, masks, timeout)
                    .await,
            );
            match answer {
                Answer::Refused(Exception::ILLEGAL_FUNCTION) => remember_without_mask_write(plc),
                Answer::Busy if busy < BUSY_REWRITES => {
                    // Not performed: pause, then a fresh compare-and-set of the bits
                    // before the word's mask is written again.
                    busy += 1;
                    for a in word.iter_mut() {
                        a.written = true;
                    }
                    tokio::time::sleep(busy_pause(BUSY_REWRITES + 1 - busy)).await;
                    compare_and_set(session, plc.unit_id, timeout, word).await;
                    for a in word.iter_mut().filter(|a| a.is_pending()) {
                        a.note = Some(WriteNote::Busy);
                    }
                    if !word.iter().any(|a| a.is_pending()) {
                        continue 'words;
                    }
                }
                answer => {
                    for a in word.iter_mut().filter(|a| a.is_pending()) {
                        let before = a.read_words.as_ref().and_then(|w| w.first().copied());
                        a.expect_word = before.map(|w| masks.apply(w));
                        settle(a, &answer, busy);
                    }
                    continue 'words;
                }
            }
        }
        let masks = masks_of(word);
        read_modify_write(session, plc, timeout, word, masks, out).await;
    }
}

/// The AND/OR masks that set the bits of one word still to be written.
fn masks_of(word: &[&mut Attempt<'_>]) -> Masks {
    word.iter()
        .filter(|a| a.is_pending())
        .fold(Masks::KEEP, |m, a| {
            let bit = a.reg.bit.unwrap_or_default();
            m.with(bit, a.reg.desired_words.first().is_some_and(|&w| w != 0))
        })
}

/// The bits of one word by read-modify-write: re-read the word; if it is not the
/// word the plan saw, stale; else write it with only these bits changed. A device
/// that answers the word's write busy, or IllegalFunction where another write
/// function may be used, gets it again, each time after re-reading the word.
async fn read_modify_write<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    timeout: Duration,
    word: &mut [&mut Attempt<'_>],
    masks: Masks,
    out: &mut Out<'_>,
) {
    let mut busy = 0;
    loop {
        let Some(new) = read_word(session, plc, timeout, word, masks).await else {
            return;
        };
        let carry = match out.learned.route(plc, RegisterKind::Holding, 1, 1) {
            Route::Send(carry) => carry,
            _ => {
                for a in word.iter_mut() {
                    a.fail(ApplyError::NoWriteFunction {
                        function: 6,
                        other: Some(16),
                        setting: plc.limits.write_function,
                    });
                }
                return;
            }
        };
        pace(plc, &mut out.last_write).await;
        let reg = word[0].reg;
        let answer = write_run(
            session,
            plc.unit_id,
            RegisterKind::Holding,
            reg.address,
            &[new],
            carry,
            timeout,
        )
        .await;
        let refused = answer == Answer::Refused(Exception::ILLEGAL_FUNCTION);
        if refused
            && out
                .learned
                .refused(plc, function::code(RegisterKind::Holding, carry))
        {
            continue;
        }
        if answer == Answer::Busy && busy < BUSY_REWRITES {
            busy += 1;
            tokio::time::sleep(busy_pause(BUSY_REWRITES + 1 - busy)).await;
            for a in word.iter_mut() {
                a.written = true;
                a.note = Some(WriteNote::Busy);
            }
            continue;
        }
        for a in word.iter_mut() {
            a.expect_word = Some(new);
            settle(a, &answer, busy);
        }
        return;
    }
}

/// Re-reads the word of a read-modify-write: the word to write, with only these bits
/// changed, or `None` when its registers failed (unreadable, or changed since the
/// plan: writing the word would overwrite that change).
async fn read_word<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    timeout: Duration,
    word: &mut [&mut Attempt<'_>],
    masks: Masks,
) -> Option<u16> {
    let reg = word[0].reg;
    let item = [(reg.read_at(), 1, RegisterKind::Holding)];
    let live = match observe::read_registers(session, plc.unit_id, &item, timeout).await {
        Err(source) => {
            for a in word.iter_mut() {
                a.fail(ApplyError::PreRead {
                    source: source.clone(),
                });
            }
            return None;
        }
        Ok(readings) => match readings.first() {
            Some(Reading::Words(w)) if w.len() == 1 => w[0],
            Some(Reading::Exception(exception)) => {
                for a in word.iter_mut() {
                    a.fail(ApplyError::PreReadRefused {
                        exception: *exception,
                    });
                }
                return None;
            }
            _ => {
                for a in word.iter_mut() {
                    a.fail(ApplyError::PreReadRefused {
                        exception: Exception::ILLEGAL_DATA_ADDRESS,
                    });
                }
                return None;
            }
        },
    };
    // Every bit of the word, not only these: the whole word is about to be written.
    let changed = word
        .iter()
        .find_map(|a| a.reg.live_words.clone().filter(|w| **w != [live]));
    if let Some(planned) = changed {
        for a in word.iter_mut() {
            a.fail(ApplyError::WordChanged {
                kind: reg.kind,
                address: reg.read_at(),
                planned: planned.first().copied(),
                live,
            });
        }
        return None;
    }
    Some(masks.apply(live))
}

/// What the answer to a bit's write request means for the register: sent or not, an
/// error, or Acknowledge (the read-back waits for it). A lost answer is left to the
/// read-back, which decides: the request is never sent again.
fn settle(a: &mut Attempt<'_>, answer: &Answer, busy_rewrites: u8) {
    a.written = !matches!(answer, Answer::NotSent(_));
    if *answer == Answer::Acknowledged {
        a.note = Some(WriteNote::Acknowledged);
    }
    if let Some(e) = answer_error(answer.clone(), busy_rewrites) {
        a.fail(e);
    }
}

/// The answer to a read-modify-write's word write as the register's result. A lost
/// answer is left to the read-back, like a mask write's: the word is never sent again.
fn answer_error(answer: Answer, busy_rewrites: u8) -> Option<ApplyError> {
    match answer {
        Answer::Confirmed | Answer::Acknowledged | Answer::Lost(_) => None,
        Answer::Busy => Some(ApplyError::StillBusy {
            rewrites: busy_rewrites,
        }),
        Answer::Refused(exception) => Some(ApplyError::WriteRefused { exception }),
        Answer::WrongEcho { answered, sent } => Some(ApplyError::WrongEcho { answered, sent }),
        Answer::NotSent(source) => Some(ApplyError::NotSent { source }),
    }
}

/// After a bit read back as desired: the rest of its word must be as it was before
/// (with the other bits this apply changed in it), or something else changed it.
pub(super) fn check_other_bits(a: &mut Attempt<'_>, read: &Words) {
    let Some(expected) = a.expect_word else {
        return;
    };
    if let Some(&word) = read.first()
        && word != expected
    {
        a.fail(ApplyError::OtherBitsChanged {
            kind: a.reg.kind,
            address: a.reg.read_at(),
            expected,
            read_back: word,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::device::memory::MemoryConnector;
    use crate::engine::apply::{Outcome, apply};
    use crate::engine::observe::{ReadOptions, read_all};
    use crate::engine::plan::{Plan, PlanOptions};
    use crate::register::RegisterKind::Holding;

    /// Bits 3 and 5 of holding 10, and a plain word beside them.
    fn plant(host: &str) -> Vec<crate::manifest::Plc> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        let text = format!(
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: p, namespace: a}}\nspec:\n  deviceAddress: {host}\n  registers:\n    - {{name: run, address: 10, type: bool, bit: 3, value: true}}\n    - {{name: jog, address: 10, type: bool, bit: 5, value: false}}\n    - {{name: speed, address: 11, value: 7}}\n"
        );
        std::fs::write(&path, text).unwrap();
        crate::manifest::load(&[path]).unwrap()
    }

    async fn plan_of(mem: &MemoryConnector, plcs: &[crate::manifest::Plc]) -> Plan {
        let (readings, _) = read_all(mem, plcs, ReadOptions::default(), &()).await;
        Plan::new(plcs, &readings, PlanOptions::default())
    }

    /// Plans `plcs` against `mem`, applies the plan, checks that it succeeded, and
    /// returns the requests the apply sent (function, address, count).
    async fn apply_ok(mem: &MemoryConnector, plcs: &[crate::manifest::Plc]) -> Vec<(u8, u16, u16)> {
        let plan = plan_of(mem, plcs).await;
        let before = mem.requests().len();
        let report = apply(mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", outcomes(&report));
        writes(mem, before)
    }

    fn writes(mem: &MemoryConnector, since: usize) -> Vec<(u8, u16, u16)> {
        mem.requests()[since..]
            .iter()
            .map(|r| (r.2, r.3, r.4))
            .collect()
    }

    fn outcomes(report: &crate::engine::apply::ApplyReport) -> Vec<(&str, Outcome, String)> {
        let text = |r: &crate::engine::apply::RegisterResult| {
            r.error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        };
        report
            .results
            .iter()
            .map(|r| (r.register.as_str(), r.outcome, text(r)))
            .collect()
    }

    /// Other bits set (0, 1, 5, 8, 15), bit 3 clear: run must become 1, jog 0, and
    /// every other bit stay, in one FC22 request for the word.
    #[tokio::test]
    async fn bits_of_one_word_change_in_one_mask_write_and_keep_the_others() {
        let mem = MemoryConnector::default();
        let plcs = plant("10.0.1.1");
        mem.set("10.0.1.1", 502, 1, Holding, 10, &[0x8123, 0]);
        let plan = plan_of(&mem, &plcs).await;
        assert_eq!(plan.summary().to_change, 3);
        let run = &plan.plcs[0].registers[0];
        assert_eq!(
            (run.place(), run.live.clone()),
            (
                "holding 10.3".to_owned(),
                Some(crate::register::Value::Bool(false))
            )
        );
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", outcomes(&report));
        assert_eq!(
            mem.get("10.0.1.1", 502, 1, Holding, 10, 2),
            Some(vec![0x810B, 7])
        );
        assert_eq!(
            writes(&mem, before),
            [(3, 10, 2), (6, 11, 1), (22, 10, 1), (3, 10, 2)]
        );
    }

    /// A device that answers a Mask Write for another address reports a write
    /// elsewhere: an error, never applied, whatever the read-back shows.
    #[tokio::test]
    async fn a_mask_write_answered_for_another_address_is_an_error() {
        let mem = MemoryConnector::default();
        mem.answer_writes_elsewhere();
        let plcs = plant("10.0.1.9");
        mem.set("10.0.1.9", 502, 1, Holding, 10, &[0x8123, 7]);
        let plan = plan_of(&mem, &plcs).await;
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let bits: Vec<_> = outcomes(&report)
            .into_iter()
            .filter(|(name, _, _)| *name != "speed")
            .collect();
        let wrong = "write not confirmed: the device answered for address 11, AND mask 0xFFD7, \
                     OR mask 0x0008; we wrote 10, AND 0xFFD7, OR 0x0008";
        assert_eq!(
            bits,
            [
                ("run", Outcome::Failed, wrong.to_owned()),
                ("jog", Outcome::Failed, wrong.to_owned())
            ]
        );
    }

    /// A device without FC22: the word is re-read and written whole, with only the
    /// two bits changed; the refusal is remembered, so the next apply goes straight
    /// to read-modify-write.
    #[tokio::test]
    async fn without_mask_write_a_word_is_read_modified_and_written_once() {
        let mem = MemoryConnector::default();
        mem.refuse_fc22();
        let plcs = plant("10.0.1.2");
        mem.set("10.0.1.2", 502, 1, Holding, 10, &[0x8123, 7]);
        let sent = apply_ok(&mem, &plcs).await;
        assert_eq!(
            mem.get("10.0.1.2", 502, 1, Holding, 10, 1),
            Some(vec![0x810B])
        );
        assert_eq!(
            sent,
            [(3, 10, 1), (22, 10, 1), (3, 10, 1), (6, 10, 1), (3, 10, 1)]
        );

        mem.set("10.0.1.2", 502, 1, Holding, 10, &[0x0020]);
        let sent = apply_ok(&mem, &plcs).await;
        assert_eq!(
            mem.get("10.0.1.2", 502, 1, Holding, 10, 1),
            Some(vec![0x0008])
        );
        assert_eq!(sent, [(3, 10, 1), (3, 10, 1), (6, 10, 1), (3, 10, 1)]);
    }

    /// Another bit of the word changes between the plan and the apply: by
    /// read-modify-write that word would be written back over the change, so both
    /// bits are stale and nothing is written; with FC22 the change is kept.
    #[tokio::test]
    async fn another_bit_changing_since_the_plan_makes_read_modify_write_stale() {
        let mem = MemoryConnector::default();
        mem.refuse_fc22();
        let plcs = plant("10.0.1.3");
        mem.set("10.0.1.3", 502, 1, Holding, 10, &[0x0020, 7]);
        let plan = plan_of(&mem, &plcs).await;
        mem.set("10.0.1.3", 502, 1, Holding, 10, &[0x0021]);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let stale = "not written: holding 10 changed since the plan (0x0020 -> 0x0021) and the device has no Mask Write (FC22): writing the word would overwrite that change".to_owned();
        assert_eq!(
            outcomes(&report),
            [
                ("run", Outcome::Stale, stale.clone()),
                ("jog", Outcome::Stale, stale),
            ]
        );
        assert_eq!(
            mem.get("10.0.1.3", 502, 1, Holding, 10, 1),
            Some(vec![0x0021])
        );
        assert!(report.results.iter().all(|r| !r.written));

        let fc22 = MemoryConnector::default();
        let plcs = plant("10.0.1.4");
        fc22.set("10.0.1.4", 502, 1, Holding, 10, &[0x0020, 7]);
        let plan = plan_of(&fc22, &plcs).await;
        fc22.set("10.0.1.4", 502, 1, Holding, 10, &[0x0021]);
        let report = apply(&fc22, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", outcomes(&report));
        assert_eq!(
            fc22.get("10.0.1.4", 502, 1, Holding, 10, 1),
            Some(vec![0x0009])
        );
    }

    /// A device whose FC22 writes the OR mask as the word clears the other bits: the
    /// bit reads back right, the word does not, and that is not `applied`.
    #[tokio::test]
    async fn a_read_back_with_other_bits_changed_is_not_applied() {
        let mem = MemoryConnector::default();
        mem.break_fc22();
        let plcs = plant("10.0.1.5");
        mem.set("10.0.1.5", 502, 1, Holding, 10, &[0x8103, 7]);
        let plan = plan_of(&mem, &plcs).await;
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let changed = "the bit reads back as written, but holding 10 reads 0x0008 instead of 0x810B: other bits of the word changed".to_owned();
        assert_eq!(outcomes(&report), [("run", Outcome::VerifyFailed, changed)]);
    }

    /// A busy answer to a bit's write: paused, re-read, written again, with FC22 and by
    /// read-modify-write alike.
    #[tokio::test]
    async fn a_busy_answer_to_a_bit_is_written_again_after_a_fresh_read() {
        let mem = MemoryConnector::default();
        let plcs = plant("10.0.1.6");
        mem.set("10.0.1.6", 502, 1, Holding, 10, &[0x8123, 7]);
        let plan = plan_of(&mem, &plcs).await;
        mem.busy_writes(1);
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", outcomes(&report));
        assert_eq!(
            writes(&mem, before),
            [(3, 10, 1), (22, 10, 1), (3, 10, 1), (22, 10, 1), (3, 10, 1)]
        );
        assert_eq!(
            report.results[0].note,
            Some(crate::engine::apply::WriteNote::Busy)
        );

        let rmw = MemoryConnector::default();
        rmw.refuse_fc22();
        let plcs = plant("10.0.1.7");
        rmw.set("10.0.1.7", 502, 1, Holding, 10, &[0x8123, 7]);
        let plan = plan_of(&rmw, &plcs).await;
        // The first apply learns that the device has no FC22.
        let report = apply(&rmw, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", outcomes(&report));
        rmw.set("10.0.1.7", 502, 1, Holding, 10, &[0x0020]);
        let plan = plan_of(&rmw, &plcs).await;
        rmw.busy_writes(1);
        let before_second = rmw.requests().len();
        let report = apply(&rmw, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success(), "{:?}", outcomes(&report));
        assert_eq!(
            writes(&rmw, before_second),
            [
                (3, 10, 1),
                (3, 10, 1),
                (6, 10, 1),
                (3, 10, 1),
                (6, 10, 1),
                (3, 10, 1)
            ]
        );
    }
}
