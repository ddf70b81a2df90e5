//! What a session learns about one device (unit id) that refuses reads its manifest's
//! `spec.limits` allow: a smaller largest read (after IllegalDataValue), or that reads
//! must not span undeclared addresses. The learned settings hold for the rest of the
//! session; each is told once per device and process, with the `spec.limits`
//! setting that would avoid it: as a warning, except a read across undeclared
//! addresses refused with IllegalDataAddress — the standard answer, which most devices
//! with gaps in their map give — which is an info line (`-v`).

use std::collections::HashSet;
use std::sync::Mutex;

use super::batch::Coalescing;
use super::{Exception, Limits};

/// One unit id's limits: as the manifest sets them, and as the device showed them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnitLimits {
    pub limits: Limits,
    learned: Learned,
    reported: Learned,
}

/// What the device showed so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Learned {
    /// Largest register read the device answered after refusing a larger one, and
    /// the first size it refused with which exception.
    registers: Option<Shrunk>,
    /// Likewise for bit reads.
    bits: Option<Shrunk>,
    /// The first read spanning undeclared addresses it refused (size, exception).
    no_gap: Option<(u16, Exception)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shrunk {
    max: u16,
    refused: u16,
    exception: Exception,
}

impl UnitLimits {
    pub fn new(limits: Limits) -> UnitLimits {
        UnitLimits {
            limits,
            ..UnitLimits::default()
        }
    }

    /// How reads are formed now: the manifest's limits narrowed by what was learned.
    pub fn coalescing(&self) -> Coalescing {
        let mut c = Coalescing::of(&self.limits);
        if let Some(s) = self.learned.registers {
            c.max_registers = c.max_registers.min(s.max);
        }
        if let Some(s) = self.learned.bits {
            c.max_bits = c.max_bits.min(s.max);
        }
        if self.learned.no_gap.is_some() {
            c.max_gap = 0;
        }
        c
    }

    /// A read of `count` values (bits when `bits`) was refused with `exception`, and
    /// reads of `max` values were then answered: from now on reads carry at most `max`
    /// (or less, if a smaller size was learned before). Only a size the device
    /// answered is learned, so it is what the warning advises.
    pub fn shrink(&mut self, bits: bool, count: u16, max: u16, exception: Exception) {
        let slot = if bits {
            &mut self.learned.bits
        } else {
            &mut self.learned.registers
        };
        *slot = Some(match *slot {
            Some(s) => Shrunk {
                max: s.max.min(max),
                ..s
            },
            None => Shrunk {
                max,
                refused: count,
                exception,
            },
        });
    }

    /// A read of `count` addresses spanning undeclared ones was refused: from now on
    /// reads span none.
    pub fn no_gap(&mut self, count: u16, exception: Exception) {
        self.learned.no_gap.get_or_insert((count, exception));
    }

    /// What was learned since the last call, for `device` (`host:port unit N`): each
    /// message with whether it is a warning (else an info line). Each is given once
    /// per device in this process, however many sessions learn it again.
    pub fn news(&mut self, device: &str) -> Vec<(bool, String)> {
        let mut out = Vec::new();
        let (learned, reported) = (self.learned, self.reported);
        let shrunk = [
            (
                learned.registers,
                reported.registers,
                "registers",
                "maxReadRegisters",
            ),
            (learned.bits, reported.bits, "bits", "maxReadBits"),
        ];
        for (now, before, what, key) in shrunk {
            if let Some(s) = now
                && before.map(|b| b.max) != Some(s.max)
            {
                out.push((true, format!(
                    "{device}: reads of {} {what} refused ({}); reading at most {} per request from now on — set spec.limits.{key}: {} to skip this",
                    s.refused,
                    s.exception.name(),
                    s.max,
                    s.max
                )));
            }
        }
        if let (Some((count, exception)), None) = (learned.no_gap, reported.no_gap) {
            let warn = exception != Exception::ILLEGAL_DATA_ADDRESS;
            out.push((warn, format!(
                "{device}: a read of {count} addresses spanning undeclared ones refused ({}); reading only declared addresses from now on — set spec.limits.maxGap: 0 to skip this",
                exception.name()
            )));
        }
        self.reported = learned;
        out.retain(|(_, m)| first_time(m));
        out
    }
}

/// Whether this process has not given `message` yet.
fn first_time(message: &str) -> bool {
    static GIVEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    given
        .get_or_insert_with(HashSet::new)
        .insert(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_limits_narrow_reads_and_are_told_once() {
        let mut unit = UnitLimits::new(Limits::PROTOCOL);
        unit.shrink(false, 100, 50, Exception::ILLEGAL_DATA_VALUE);
        unit.shrink(false, 50, 25, Exception::ILLEGAL_DATA_VALUE);
        unit.no_gap(20, Exception::SERVER_DEVICE_FAILURE);
        let c = unit.coalescing();
        assert_eq!((c.max_registers, c.max_bits, c.max_gap), (25, 2000, 0));
        let device = "10.9.9.1:502 unit 1";
        let told = unit.news(device);
        assert_eq!(
            told,
            [
                (true, "10.9.9.1:502 unit 1: reads of 100 registers refused (IllegalDataValue); reading at most 25 per request from now on — set spec.limits.maxReadRegisters: 25 to skip this".to_owned()),
                (true, "10.9.9.1:502 unit 1: a read of 20 addresses spanning undeclared ones refused (ServerDeviceFailure); reading only declared addresses from now on — set spec.limits.maxGap: 0 to skip this".to_owned()),
            ]
        );
        // The standard answer to a read across a gap is an info line.
        let mut sparse = UnitLimits::new(Limits::PROTOCOL);
        sparse.no_gap(9, Exception::ILLEGAL_DATA_ADDRESS);
        assert!(matches!(&sparse.news(device)[..], [(false, _)]));
        assert!(unit.news(device).is_empty());
        // Another session learning the same again says nothing new.
        let mut again = UnitLimits::new(Limits::PROTOCOL);
        again.shrink(false, 100, 25, Exception::ILLEGAL_DATA_VALUE);
        assert!(again.news(device).is_empty());
    }
}
