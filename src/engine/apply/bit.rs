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
use super::plc::{Attempt, pace, write_run};
use crate::device::{Connector, Exception, Session, TransportError};
use crate::engine::observe::{self, Reading};
use crate::engine::plan::PlcPlan;
use crate::register::bit::Masks;
use crate::register::{RegisterKind, Words};

/// Devices (endpoint key and unit id) that answered FC22 with IllegalFunction.
static NO_MASK_WRITE: Mutex<BTreeSet<(String, u16, u8)>> = Mutex::new(BTreeSet::new());

fn device_key(plc: &PlcPlan) -> (String, u16, u8) {
    let (host, port) = crate::engine::observe::endpoint_key(&plc.host, plc.port);
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
    last_write: &mut Option<tokio::time::Instant>,
) {
    bits.sort_by_key(|a| (a.reg.address, a.reg.bit));
    for word in bits.chunk_by_mut(|a, b| a.reg.address == b.reg.address) {
        let masks = word.iter().fold(Masks::KEEP, |m, a| {
            let bit = a.reg.bit.unwrap_or_default();
            m.with(bit, a.reg.desired_words.first().is_some_and(|&w| w != 0))
        });
        if !known_without_mask_write(plc) {
            pace(plc, last_write).await;
            let address = word[0].reg.address;
            let answer = session
                .mask_write_register(plc.unit_id, address, masks, timeout)
                .await;
            match answer {
                Ok(Err(Exception::ILLEGAL_FUNCTION)) => remember_without_mask_write(plc),
                answer => {
                    for a in word.iter_mut() {
                        a.written = true;
                        let before = a.read_words.and_then(|w| w.first().copied());
                        a.expect_word = before.map(|w| masks.apply(w));
                        if let Err(e) = write_error(answer.clone()) {
                            a.fail(e);
                        }
                    }
                    continue;
                }
            }
        }
        read_modify_write(session, plc, timeout, word, masks, last_write).await;
    }
}

/// The bits of one word by read-modify-write: re-read the word; if it is not the
/// word the plan saw, stale; else write it with only these bits changed.
async fn read_modify_write<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
    timeout: Duration,
    word: &mut [&mut Attempt<'_>],
    masks: Masks,
    last_write: &mut Option<tokio::time::Instant>,
) {
    let reg = word[0].reg;
    let item = [(reg.read_at(), 1, RegisterKind::Holding)];
    let live = match observe::read_registers(session, plc.unit_id, &item, timeout).await {
        Err(source) => {
            for a in word.iter_mut() {
                a.fail(ApplyError::PreRead {
                    source: source.clone(),
                });
            }
            return;
        }
        Ok(readings) => match readings.first() {
            Some(Reading::Words(w)) if w.len() == 1 => w[0],
            Some(Reading::Exception(exception)) => {
                for a in word.iter_mut() {
                    a.fail(ApplyError::PreReadRefused {
                        exception: *exception,
                    });
                }
                return;
            }
            _ => {
                for a in word.iter_mut() {
                    a.fail(ApplyError::PreReadRefused {
                        exception: Exception::ILLEGAL_DATA_ADDRESS,
                    });
                }
                return;
            }
        },
    };
    // Every bit of the word, not only these: the whole word is about to be written.
    let changed = word
        .iter()
        .find_map(|a| a.reg.live_words.filter(|w| **w != [live]));
    if let Some(planned) = changed {
        for a in word.iter_mut() {
            a.fail(ApplyError::WordChanged {
                kind: reg.kind,
                address: reg.read_at(),
                planned: planned.first().copied(),
                live,
            });
        }
        return;
    }
    let new = masks.apply(live);
    pace(plc, last_write).await;
    let answer = write_run(
        session,
        plc.unit_id,
        RegisterKind::Holding,
        reg.address,
        &[new],
        timeout,
    )
    .await;
    for a in word.iter_mut() {
        a.written = true;
        a.expect_word = Some(new);
        if let Err(e) = &answer {
            a.fail(e.clone());
        }
    }
}

/// The answer to a write request as the register's result.
fn write_error(answer: crate::device::IoResult<()>) -> Result<(), ApplyError> {
    match answer {
        Ok(Ok(())) => Ok(()),
        Ok(Err(exception)) => Err(ApplyError::WriteRefused { exception }),
        Err(source @ TransportError::Connect { .. }) => Err(ApplyError::NotSent { source }),
        Err(source) => Err(ApplyError::Unconfirmed { source }),
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
