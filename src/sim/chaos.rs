//! Chaos: random drift of writable registers, as if operators or the machine changed
//! them behind fabctl's back.
//!
//! One step picks a random subset of the writable points (each with probability
//! [`SHARE`], at least one) and moves each whole value: coils and bools flip; numbers
//! move by a uniform amount up to `max_drift` engineering units either way, clamped to
//! the type's range ([`Codec::range`](crate::register::Codec::range)) and rounded:
//! integer types to a value the register can hold, floating-point types to two
//! decimals. A drift that would not change the words is skipped. Input and discrete
//! registers never drift. Safety bounds (`min`/`max`) are not respected: a drifted
//! machine is exactly what they are for. The randomness comes from the simulator's
//! seed, so the same seed, configuration and calls give the same drifts.

use rand::Rng;
use rand::rngs::SmallRng;

use super::device::Point;
use crate::register::{RegisterKind, Value, Words};

/// Probability that a given writable point drifts in one step.
pub const SHARE: f64 = 0.2;

/// One drift, as logged and returned by `SimHandle::chaos_step`.
#[derive(Clone, Debug, PartialEq)]
pub struct DriftRecord {
    pub device: String,
    pub register: String,
    pub kind: RegisterKind,
    pub address: u16,
    pub old: Value,
    pub new: Value,
}

/// Picks which of `candidates` writable points drift this step: each with probability
/// [`SHARE`], or all of them when `all`; never none when there is any.
pub(crate) fn choose(candidates: usize, all: bool, rng: &mut SmallRng) -> Vec<usize> {
    if all {
        return (0..candidates).collect();
    }
    let mut chosen: Vec<usize> = (0..candidates)
        .filter(|_| rng.random::<f64>() < SHARE)
        .collect();
    if chosen.is_empty() && candidates > 0 {
        chosen.push(rng.random_range(0..candidates));
    }
    chosen
}

/// The drifted words of `point`, whose current words are `words`, with the old and new
/// engineering values; `None` when the value cannot drift (undecodable, unchanged).
pub(crate) fn drift(
    point: &Point,
    words: &[u16],
    max_drift: f64,
    rng: &mut SmallRng,
) -> Option<(Value, Value, Words)> {
    let codec = &point.codec;
    let read = Words::try_from_slice(words)?;
    let old = codec
        .decode(&crate::register::bit::value_words(&read, point.bit))
        .ok()?;
    let target = match old {
        Value::Bool(b) => Value::Bool(!b),
        // Text does not drift: there is no nearby string to move to.
        Value::Text(_) => return None,
        Value::Int(_) | Value::Float(_) => {
            if !(max_drift.is_finite() && max_drift > 0.0) {
                return None;
            }
            let current = old.as_f64().filter(|x| x.is_finite()).unwrap_or(0.0);
            let (low, high) = codec.range().unwrap_or((f64::MIN, f64::MAX));
            let moved = (current + rng.random_range(-max_drift..=max_drift)).clamp(low, high);
            if codec.value_type.is_float() {
                // Two decimals read like a value someone typed at the panel.
                let typed = (moved * 100.0).round() / 100.0;
                let in_range = typed.is_finite() && (low..=high).contains(&typed);
                Value::Float(if in_range { typed } else { moved })
            } else {
                on_grid(moved, codec.scale, codec.offset, low, high)?
            }
        }
    };
    let mut new_words = codec.encode(&target).ok()?;
    if let (Some(bit), Value::Bool(b), [word]) = (point.bit, target, words) {
        // A bit drifts alone: the other bits of its word stay.
        new_words = Words::from([crate::register::bit::set(*word, bit, b)]);
    }
    if *new_words == *words {
        return None;
    }
    let new = codec
        .decode(&crate::register::bit::value_words(&new_words, point.bit))
        .ok()?;
    Some((old, new, new_words))
}

/// The engineering value nearest `value` that an integer register with this scale and
/// offset can hold, within `low..=high`. Exact integers when unscaled.
fn on_grid(value: f64, scale: f64, offset: f64, low: f64, high: f64) -> Option<Value> {
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    let (a, b) = ((low - offset) / scale, (high - offset) / scale);
    let raw = ((value - offset) / scale)
        .round()
        .clamp(a.min(b).ceil(), a.max(b).floor());
    if scale == 1.0 && offset == 0.0 {
        return Some(Value::Int(raw as i128));
    }
    Some(Value::Float(raw * scale + offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{ByteOrder, Codec, ValueType, WordOrder};
    use rand::SeedableRng;

    fn point(kind: RegisterKind, value_type: ValueType, scale: f64) -> Point {
        let codec = Codec {
            value_type,
            word_order: WordOrder::Big,
            byte_order: ByteOrder::Big,
            length: 0,
            scale,
            offset: 0.0,
        };
        Point {
            name: "p".into(),
            kind,
            address: 0,
            codec,
            bit: None,
            initial: Value::Int(0),
        }
    }

    #[test]
    fn coils_flip() {
        let mut rng = SmallRng::seed_from_u64(1);
        let coil = point(RegisterKind::Coil, ValueType::Bool, 1.0);
        let (old, new, words) = drift(&coil, &[1], 500.0, &mut rng).unwrap();
        assert_eq!(
            (old, new, words),
            (Value::Bool(true), Value::Bool(false), Words::from([0]))
        );
    }

    #[test]
    fn a_bit_flips_alone() {
        let mut rng = SmallRng::seed_from_u64(1);
        let bit = Point {
            bit: Some(3),
            ..point(RegisterKind::Holding, ValueType::Bool, 1.0)
        };
        let (old, new, words) = drift(&bit, &[0x8123], 500.0, &mut rng).unwrap();
        assert_eq!(
            (old, new, words),
            (Value::Bool(false), Value::Bool(true), Words::from([0x812B]))
        );
    }

    #[test]
    fn integers_stay_within_the_type_and_the_drift() {
        let mut rng = SmallRng::seed_from_u64(7);
        let u16_point = point(RegisterKind::Holding, ValueType::U16, 1.0);
        for start in [0u16, 10, 2500, 65535] {
            if let Some((old, new, words)) = drift(&u16_point, &[start], 500.0, &mut rng) {
                assert_eq!(old, Value::Int(start.into()));
                let Value::Int(n) = new else {
                    panic!("u16 decodes to an integer")
                };
                assert!((n - i128::from(start)).abs() <= 500, "{start} -> {n}");
                assert_eq!(words, vec![u16::try_from(n).unwrap()]);
            }
        }
    }

    #[test]
    fn scaled_values_land_on_the_register_grid() {
        let mut rng = SmallRng::seed_from_u64(3);
        let scaled = point(RegisterKind::Holding, ValueType::I16, 0.1);
        for _ in 0..50 {
            let Some((_, new, words)) = drift(&scaled, &[100], 5.0, &mut rng) else {
                continue;
            };
            let new = new.as_f64().unwrap();
            assert!((new - 10.0).abs() <= 5.0 + 1e-9, "{new}");
            assert!(
                (f64::from(words[0] as i16) * 0.1 - new).abs() < 1e-9,
                "{new} vs {words:?}"
            );
        }
    }

    #[test]
    fn zero_drift_changes_no_number() {
        let mut rng = SmallRng::seed_from_u64(3);
        let p = point(RegisterKind::Holding, ValueType::U16, 1.0);
        assert_eq!(drift(&p, &[5], 0.0, &mut rng), None);
    }

    #[test]
    fn every_step_picks_at_least_one_and_the_same_seed_the_same_ones() {
        for seed in 0..20 {
            let a = choose(3, false, &mut SmallRng::seed_from_u64(seed));
            assert!(!a.is_empty() && a.iter().all(|&i| i < 3));
            assert_eq!(a, choose(3, false, &mut SmallRng::seed_from_u64(seed)));
        }
        assert_eq!(
            choose(4, true, &mut SmallRng::seed_from_u64(0)),
            [0, 1, 2, 3]
        );
        assert!(choose(0, false, &mut SmallRng::seed_from_u64(0)).is_empty());
    }
}
