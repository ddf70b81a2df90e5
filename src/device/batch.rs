//! Read coalescing: turn a PLC's registers into as few read requests as the device
//! allows ([`Coalescing`]: by default the protocol's ≤125 registers per FC03/FC04 and
//! ≤2000 bits per FC01/FC02), bridging small gaps of undeclared addresses (by default
//! up to 8 registers, or 64 bits; `spec.limits.maxGap: 0` never reads an undeclared
//! address). A register is never split across requests, so a multi-word value is
//! always read in one piece.

use crate::device::Limits;
use crate::register::RegisterKind;

/// How many undeclared bits a bit read bridges per undeclared register of `maxGap`:
/// the default 8 gives the 64 bits reads always bridged.
pub const BITS_PER_GAP_REGISTER: u16 = 8;

/// How reads are formed for one device: the largest request of each table and the
/// largest run of undeclared addresses one request may span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coalescing {
    pub max_registers: u16,
    pub max_bits: u16,
    /// Undeclared registers a read may span (bits: this × [`BITS_PER_GAP_REGISTER`]).
    pub max_gap: u16,
}

impl Coalescing {
    /// The reads a device with `limits` accepts.
    pub fn of(limits: &Limits) -> Coalescing {
        Coalescing {
            max_registers: limits.max_read_registers.max(1),
            max_bits: limits.max_read_bits.max(1),
            max_gap: limits.max_gap,
        }
    }

    /// The same, never bridging an undeclared address.
    pub fn without_gaps(self) -> Coalescing {
        Coalescing { max_gap: 0, ..self }
    }

    /// Largest request and largest bridged gap for one kind of table.
    pub fn for_kind(&self, kind: RegisterKind) -> (u16, u16) {
        if kind.is_bit() {
            (
                self.max_bits,
                self.max_gap.saturating_mul(BITS_PER_GAP_REGISTER),
            )
        } else {
            (self.max_registers, self.max_gap)
        }
    }
}

impl Default for Coalescing {
    fn default() -> Coalescing {
        Coalescing::of(&Limits::PROTOCOL)
    }
}

/// One read request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReadSpan {
    pub kind: RegisterKind,
    pub start: u16,
    pub count: u16,
}

impl ReadSpan {
    /// Last address covered (inclusive).
    pub fn end(&self) -> u32 {
        u32::from(self.start) + u32::from(self.count) - 1
    }

    /// Whether the span covers `[address, address + width)` entirely.
    pub fn covers(&self, kind: RegisterKind, address: u16, width: u16) -> bool {
        kind == self.kind
            && address >= self.start
            && u32::from(address) + u32::from(width) - 1 <= self.end()
    }
}

/// Coalesces `(kind, address, width)` items into read spans, sorted by kind and
/// address, within `limits` (a register wider than the largest request still gets a
/// request of its own: it is never split).
pub fn coalesce(
    items: impl IntoIterator<Item = (RegisterKind, u16, u16)>,
    limits: Coalescing,
) -> Vec<ReadSpan> {
    let mut items: Vec<(RegisterKind, u16, u16)> = items.into_iter().filter(|i| i.2 > 0).collect();
    items.sort_unstable();
    let mut spans: Vec<ReadSpan> = Vec::new();
    for (kind, address, width) in items {
        let (max, gap) = limits.for_kind(kind);
        let end = u32::from(address) + u32::from(width) - 1;
        if let Some(last) = spans.last_mut() {
            let fits = last.kind == kind
                && u32::from(address) <= last.end() + 1 + u32::from(gap)
                && end.max(last.end()) - u32::from(last.start) < u32::from(max);
            if fits {
                // `end - start + 1 <= max <= u16::MAX`, so the count fits in u16.
                last.count = (end.max(last.end()) - u32::from(last.start) + 1) as u16;
                continue;
            }
        }
        spans.push(ReadSpan {
            kind,
            start: address,
            count: width,
        });
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegisterKind::*;
    use proptest::prelude::*;

    #[test]
    fn contiguous_registers_become_one_read() {
        let regs = (0..100u16).map(|i| (Holding, 4000 + i, 1));
        assert_eq!(
            coalesce(regs, Coalescing::default()),
            [ReadSpan {
                kind: Holding,
                start: 4000,
                count: 100
            }]
        );
    }

    #[test]
    fn small_gaps_are_bridged_large_ones_are_not() {
        let spans = coalesce(
            [(Holding, 0, 2), (Holding, 5, 1), (Holding, 100, 4)],
            Coalescing::default(),
        );
        assert_eq!(
            spans,
            [
                ReadSpan {
                    kind: Holding,
                    start: 0,
                    count: 6
                },
                ReadSpan {
                    kind: Holding,
                    start: 100,
                    count: 4
                }
            ]
        );
        let unbridged = coalesce(
            [(Holding, 0, 2), (Holding, 5, 1), (Holding, 2, 1)],
            Coalescing::default().without_gaps(),
        );
        assert_eq!(
            unbridged,
            [
                ReadSpan {
                    kind: Holding,
                    start: 0,
                    count: 3
                },
                ReadSpan {
                    kind: Holding,
                    start: 5,
                    count: 1
                }
            ]
        );
    }

    #[test]
    fn reads_split_at_the_protocol_limit_without_splitting_a_value() {
        let regs = (0..70u16).map(|i| (Holding, i * 2, 2)); // 140 words of u32
        let spans = coalesce(regs, Coalescing::default());
        assert_eq!(
            spans,
            [
                ReadSpan {
                    kind: Holding,
                    start: 0,
                    count: 124
                },
                ReadSpan {
                    kind: Holding,
                    start: 124,
                    count: 16
                }
            ]
        );
    }

    #[test]
    fn a_device_limit_shortens_reads_and_max_gap_0_reads_no_undeclared_address() {
        let limits = Coalescing {
            max_registers: 64,
            max_bits: 2000,
            max_gap: 0,
        };
        let regs = (0..100u16)
            .map(|i| (Holding, i, 1))
            .chain([(Holding, 101, 1)]);
        let spans = coalesce(regs, limits);
        assert_eq!(
            spans.iter().map(|s| (s.start, s.count)).collect::<Vec<_>>(),
            [(0, 64), (64, 36), (101, 1)]
        );
        // Bits bridge 8 per register of maxGap: 64 by default.
        let bits = coalesce(
            [(Coil, 0, 1), (Coil, 65, 1), (Coil, 131, 1)],
            Coalescing::default(),
        );
        assert_eq!(
            bits.iter().map(|s| (s.start, s.count)).collect::<Vec<_>>(),
            [(0, 66), (131, 1)]
        );
    }

    #[test]
    fn kinds_are_never_mixed_and_bits_use_their_own_limit() {
        let spans = coalesce(
            [
                (Coil, 0, 1),
                (Coil, 1999, 1),
                (Holding, 0, 1),
                (Discrete, 0, 1),
                (Coil, 2000, 1),
            ],
            Coalescing::default(),
        );
        assert_eq!(
            spans,
            [
                ReadSpan {
                    kind: Holding,
                    start: 0,
                    count: 1
                },
                ReadSpan {
                    kind: Coil,
                    start: 0,
                    count: 1
                },
                ReadSpan {
                    kind: Coil,
                    start: 1999,
                    count: 2
                },
                ReadSpan {
                    kind: Discrete,
                    start: 0,
                    count: 1
                },
            ]
        );
    }

    fn kind() -> impl Strategy<Value = RegisterKind> {
        prop_oneof![Just(Holding), Just(Coil), Just(Input), Just(Discrete)]
    }

    /// Non-overlapping registers of one device, as validation guarantees.
    fn registers() -> impl Strategy<Value = Vec<(RegisterKind, u16, u16)>> {
        proptest::collection::vec(
            (
                kind(),
                0u16..65532,
                prop_oneof![Just(1u16), Just(2), Just(4)],
            ),
            0..200,
        )
        .prop_map(|mut regs| {
            for r in regs.iter_mut() {
                if r.0.is_bit() {
                    r.2 = 1;
                }
            }
            regs.sort();
            let mut out: Vec<(RegisterKind, u16, u16)> = Vec::new();
            for r in regs {
                if let Some(last) = out.last()
                    && last.0 == r.0
                    && u32::from(r.1) < u32::from(last.1) + u32::from(last.2)
                {
                    continue;
                }
                out.push(r);
            }
            out
        })
    }

    proptest! {
        #[test]
        fn every_register_is_covered_exactly_once_within_limits(
            regs in registers(),
            max_registers in 1u16..=125,
            max_bits in 1u16..=2000,
            max_gap in 0u16..=16,
        ) {
            let limits = Coalescing { max_registers, max_bits, max_gap };
            let spans = coalesce(regs.iter().copied(), limits);
            for (kind, address, width) in &regs {
                let covering = spans.iter().filter(|s| s.covers(*kind, *address, *width)).count();
                prop_assert_eq!(covering, 1, "register {:?} {} covered {} times", kind, address, covering);
            }
            for s in &spans {
                let (max, gap) = limits.for_kind(s.kind);
                // Every address in a span is a declared register or within an allowed gap.
                let mut inside: Vec<_> = regs.iter().filter(|r| s.covers(r.0, r.1, r.2)).collect();
                inside.sort();
                // Only a register wider than the limit has a longer request, its own.
                let allowed = if inside.len() == 1 { max.max(inside[0].2) } else { max };
                prop_assert!(s.count >= 1 && s.count <= allowed, "span {:?} exceeds the limit", s);
                prop_assert_eq!(inside.first().map(|r| r.1), Some(s.start));
                prop_assert_eq!(inside.last().map(|r| u32::from(r.1) + u32::from(r.2) - 1), Some(s.end()));
                for pair in inside.windows(2) {
                    let hole = u32::from(pair[1].1) - (u32::from(pair[0].1) + u32::from(pair[0].2));
                    prop_assert!(hole <= u32::from(gap), "gap of {} in {:?}", hole, s);
                }
            }
            // Spans never overlap.
            for pair in spans.windows(2) {
                prop_assert!(pair[0].kind != pair[1].kind || pair[0].end() < u32::from(pair[1].start));
            }
        }
    }
}
