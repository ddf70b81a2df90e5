//! Read coalescing: turn a PLC's registers into as few read requests as the protocol
//! allows (≤125 registers per FC03/FC04, ≤2000 bits per FC01/FC02), bridging small
//! gaps of unused addresses. A register is never split across requests, so a
//! multi-word value is always read in one piece.

use crate::register::RegisterKind;

/// Most registers one FC03/FC04 request may read.
pub const MAX_READ_WORDS: u16 = 125;
/// Most bits one FC01/FC02 request may read.
pub const MAX_READ_BITS: u16 = 2000;
/// Largest run of undeclared registers a word read bridges.
pub const MAX_GAP_WORDS: u16 = 8;
/// Largest run of undeclared bits a bit read bridges.
pub const MAX_GAP_BITS: u16 = 64;

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

/// Limits for one kind of table.
pub fn limits(kind: RegisterKind) -> (u16, u16) {
    if kind.is_bit() {
        (MAX_READ_BITS, MAX_GAP_BITS)
    } else {
        (MAX_READ_WORDS, MAX_GAP_WORDS)
    }
}

/// Coalesces `(kind, address, width)` items into read spans, sorted by kind and
/// address. With `bridge` false, only adjacent registers are merged (the fallback
/// when a device refuses reads of undeclared addresses).
pub fn coalesce(
    items: impl IntoIterator<Item = (RegisterKind, u16, u16)>,
    bridge: bool,
) -> Vec<ReadSpan> {
    let mut items: Vec<(RegisterKind, u16, u16)> = items.into_iter().filter(|i| i.2 > 0).collect();
    items.sort_unstable();
    let mut spans: Vec<ReadSpan> = Vec::new();
    for (kind, address, width) in items {
        let (max, gap) = limits(kind);
        let gap = if bridge { gap } else { 0 };
        let end = u32::from(address) + u32::from(width) - 1;
        if let Some(last) = spans.last_mut() {
            let fits = last.kind == kind
                && u32::from(address) <= last.end() + 1 + u32::from(gap)
                && end.max(last.end()) - u32::from(last.start) < u32::from(max);
            if fits {
                // `end - start + 1 <= max <= 2000`, so the count fits in u16.
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
            coalesce(regs, true),
            [ReadSpan {
                kind: Holding,
                start: 4000,
                count: 100
            }]
        );
    }

    #[test]
    fn small_gaps_are_bridged_large_ones_are_not() {
        let spans = coalesce([(Holding, 0, 2), (Holding, 5, 1), (Holding, 100, 4)], true);
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
        let unbridged = coalesce([(Holding, 0, 2), (Holding, 5, 1), (Holding, 2, 1)], false);
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
        let spans = coalesce(regs, true);
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
    fn kinds_are_never_mixed_and_bits_use_their_own_limit() {
        let spans = coalesce(
            [
                (Coil, 0, 1),
                (Coil, 1999, 1),
                (Holding, 0, 1),
                (Discrete, 0, 1),
                (Coil, 2000, 1),
            ],
            true,
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
        fn every_register_is_covered_exactly_once_within_limits(regs in registers(), bridge in any::<bool>()) {
            let spans = coalesce(regs.iter().copied(), bridge);
            for (kind, address, width) in &regs {
                let covering = spans.iter().filter(|s| s.covers(*kind, *address, *width)).count();
                prop_assert_eq!(covering, 1, "register {:?} {} covered {} times", kind, address, covering);
            }
            for s in &spans {
                let (max, gap) = limits(s.kind);
                prop_assert!(s.count >= 1 && s.count <= max, "span {:?} exceeds the limit", s);
                // Every address in a span is a declared register or within an allowed gap.
                let mut inside: Vec<_> = regs.iter().filter(|r| s.covers(r.0, r.1, r.2)).collect();
                inside.sort();
                prop_assert_eq!(inside.first().map(|r| r.1), Some(s.start));
                prop_assert_eq!(inside.last().map(|r| u32::from(r.1) + u32::from(r.2) - 1), Some(s.end()));
                for pair in inside.windows(2) {
                    let hole = u32::from(pair[1].1) - (u32::from(pair[0].1) + u32::from(pair[0].2));
                    prop_assert!(hole <= if bridge { u32::from(gap) } else { 0 }, "gap of {} in {:?}", hole, s);
                }
            }
            // Spans never overlap.
            for pair in spans.windows(2) {
                prop_assert!(pair[0].kind != pair[1].kind || pair[0].end() < u32::from(pair[1].start));
            }
        }
    }
}
