//! The safety rules a planned change must pass just before it is written: checked
//! again at apply time because a saved plan may be old or edited. A change that fails
//! one is refused and never reaches the device.

use crate::engine::plan::RegisterPlan;
use crate::manifest::Mode;
use crate::register::{Bound, EncodeError, RegisterKind, Value, above_max, below_min};

/// Why a planned change must not be written.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GuardError {
    /// Input registers and discrete inputs cannot be written.
    #[error("{kind} registers are read-only")]
    ReadOnly { kind: RegisterKind },
    #[error("the register is observe-only")]
    ObserveOnly,
    /// The words to write are not what the desired value encodes to (an edited plan).
    #[error("the plan's desired words do not encode its desired value")]
    WordsMismatch,
    #[error("desired value: {source}")]
    DesiredValue { source: Box<EncodeError> },
    #[error(
        "desired value {desired} is outside the bounds {}..={}",
        bound(min),
        bound(max)
    )]
    OutOfBounds {
        desired: Value,
        min: Option<Bound>,
        max: Option<Bound>,
    },
    /// A `bool` written as a whole word would overwrite the other 15 bits; a bit
    /// outside the word, or on a type that is not `bool`, is no bit (an edited plan).
    #[error(
        "a bool in a {kind} register needs a bit 0..=15 of the word (bit {})",
        bound_bit(bit)
    )]
    InvalidBit { kind: RegisterKind, bit: Option<u8> },
    /// Without the words the plan saw, compare-and-set cannot tell a stale value.
    #[error("the plan holds no live value to compare against")]
    NoLiveValue,
    /// The PLC's `writeWindows` do not allow writing now.
    #[error("the PLC is outside its write windows (apply --ignore-windows to override)")]
    OutsideWriteWindows,
}

fn bound_bit(bit: &Option<u8>) -> String {
    bit.map_or_else(|| "missing".to_owned(), |b| b.to_string())
}

fn bound(bound: &Option<Bound>) -> String {
    bound.map_or_else(String::new, |b| b.to_string())
}

/// Why a planned change must not be written, if it must not.
pub fn guard(reg: &RegisterPlan) -> Result<(), GuardError> {
    if !reg.kind.is_writable() {
        return Err(GuardError::ReadOnly { kind: reg.kind });
    }
    if reg.mode != Mode::Enforce {
        return Err(GuardError::ObserveOnly);
    }
    let is_bool = reg.value_type == crate::register::ValueType::Bool;
    let bit_ok = match reg.bit {
        None => !is_bool || reg.kind.is_bit(),
        Some(bit) => is_bool && !reg.kind.is_bit() && bit <= crate::register::bit::MAX_BIT,
    };
    if !bit_ok {
        return Err(GuardError::InvalidBit {
            kind: reg.kind,
            bit: reg.bit,
        });
    }
    match reg.codec().encode(&reg.desired) {
        Ok(words) if words == reg.desired_words => {}
        Ok(_) => return Err(GuardError::WordsMismatch),
        Err(source) => {
            return Err(GuardError::DesiredValue {
                source: Box::new(source),
            });
        }
    }
    if reg.min.is_some_and(|m| below_min(&reg.desired, m))
        || reg.max.is_some_and(|m| above_max(&reg.desired, m))
    {
        return Err(GuardError::OutOfBounds {
            desired: reg.desired.clone(),
            min: reg.min,
            max: reg.max,
        });
    }
    if reg.live_words.is_none() {
        return Err(GuardError::NoLiveValue);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::Action;
    use crate::register::{ValueType, Words};
    use crate::view::fixtures::register;

    /// An enforced holding register whose plan is consistent: desired 5, bounds 0..=10.
    fn planned() -> RegisterPlan {
        let mut reg = register(
            "speed",
            RegisterKind::Holding,
            4,
            ValueType::U16,
            Some(Value::Int(3)),
            Value::Int(5),
            Action::Change,
        );
        reg.desired_words = Words::from([5]);
        (reg.min, reg.max) = (Some(Bound::Int(0)), Some(Bound::Int(10)));
        reg
    }

    fn refusal(edit: impl FnOnce(&mut RegisterPlan)) -> String {
        let mut reg = planned();
        edit(&mut reg);
        guard(&reg).unwrap_err().to_string()
    }

    #[test]
    fn a_consistent_change_passes() {
        assert_eq!(guard(&planned()), Ok(()));
    }

    #[test]
    fn a_64_bit_value_just_above_its_max_is_refused() {
        let mut reg = register(
            "energy",
            RegisterKind::Holding,
            100,
            ValueType::U64,
            Some(Value::Int(0)),
            Value::Int(18_446_744_073_709_551_615),
            Action::Change,
        );
        reg.desired_words = Words::from([0xFFFF; 4]);
        // As f64, 2^64 - 1 and 2^64 - 2 are one number.
        reg.max = Some(Bound::Int(18_446_744_073_709_551_614));
        assert_eq!(
            guard(&reg).unwrap_err().to_string(),
            "desired value 18446744073709551615 is outside the bounds ..=18446744073709551614"
        );
        reg.max = Some(Bound::Int(18_446_744_073_709_551_615));
        assert_eq!(guard(&reg), Ok(()));
    }

    #[test]
    fn each_rule_says_why_it_refuses() {
        assert_eq!(
            refusal(|r| r.kind = RegisterKind::Input),
            "input registers are read-only"
        );
        assert_eq!(
            refusal(|r| r.mode = crate::manifest::Mode::Observe),
            "the register is observe-only"
        );
        assert_eq!(
            refusal(|r| r.desired_words = Words::from([6])),
            "the plan's desired words do not encode its desired value"
        );
        assert_eq!(
            refusal(|r| {
                r.desired = Value::Int(99);
                r.desired_words = Words::from([99]);
                r.min = None;
            }),
            "desired value 99 is outside the bounds ..=10"
        );
        assert_eq!(
            refusal(|r| r.live_words = None),
            "the plan holds no live value to compare against"
        );
        assert!(
            refusal(|r| r.desired = Value::Int(70000)).starts_with("desired value: "),
            "a value the type cannot hold"
        );
        let as_bool = |r: &mut RegisterPlan| {
            r.value_type = ValueType::Bool;
            r.desired = Value::Bool(true);
            r.desired_words = Words::from([1]);
            (r.min, r.max) = (None, None);
        };
        assert_eq!(
            refusal(as_bool),
            "a bool in a holding register needs a bit 0..=15 of the word (bit missing)"
        );
        assert_eq!(
            refusal(|r| {
                as_bool(r);
                r.bit = Some(16);
            }),
            "a bool in a holding register needs a bit 0..=15 of the word (bit 16)"
        );
        assert_eq!(
            refusal(|r| r.bit = Some(3)),
            "a bool in a holding register needs a bit 0..=15 of the word (bit 3)"
        );
        let mut bit = planned();
        as_bool(&mut bit);
        bit.bit = Some(15);
        assert_eq!(guard(&bit), Ok(()));
    }
}
