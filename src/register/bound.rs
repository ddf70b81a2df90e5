//! [`Bound`]: a register's safety bound (`min`, `max`), kept exactly as written, and
//! the exact comparison of a value with it. An integer bound stays an integer, so a
//! `u64` or `i64` value just above its `max` is above it, even where an `f64` would
//! round the two to one number.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Value;

/// A number bounding a register's desired value: an exact integer or an `f64`.
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    Int(i128),
    Float(f64),
}

impl Bound {
    /// The bound as an `f64` (schema ranges, finiteness); rounded for large integers.
    pub fn as_f64(self) -> f64 {
        match self {
            Bound::Int(i) => i as f64,
            Bound::Float(f) => f,
        }
    }

    /// How `value` compares with the bound, exactly; `None` for a boolean, text or NaN.
    pub fn compare(self, value: &Value) -> Option<Ordering> {
        match (value, self) {
            (Value::Bool(_) | Value::Text(_), _) => None,
            (&Value::Int(v), Bound::Int(b)) => Some(v.cmp(&b)),
            (&Value::Float(v), Bound::Float(b)) => v.partial_cmp(&b),
            (&Value::Int(v), Bound::Float(b)) => int_cmp_float(v, b),
            (&Value::Float(v), Bound::Int(b)) => int_cmp_float(b, v).map(Ordering::reverse),
        }
    }
}

/// Whether `value` lies below the lower bound `min`.
pub fn below_min(value: &Value, min: Bound) -> bool {
    min.compare(value) == Some(Ordering::Less)
}

/// Whether `value` lies above the upper bound `max`.
pub fn above_max(value: &Value, max: Bound) -> bool {
    max.compare(value) == Some(Ordering::Greater)
}

/// `i` compared with `f`, exactly (no rounding of `i` through `f64`).
fn int_cmp_float(i: i128, f: f64) -> Option<Ordering> {
    // 2^127: every finite f64 below it in magnitude truncates to an exact i128.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f.is_nan() {
        return None;
    }
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f < -LIMIT {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    Some(i.cmp(&(whole as i128)).then(if f > whole {
        Ordering::Less
    } else if f < whole {
        Ordering::Greater
    } else {
        Ordering::Equal
    }))
}

/// Numeric equality: `30` and `30.0` are one bound.
impl PartialEq for Bound {
    fn eq(&self, other: &Bound) -> bool {
        self.compare(&(*other).into()) == Some(Ordering::Equal)
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Int(i) => write!(f, "{i}"),
            Bound::Float(x) => write!(f, "{x}"),
        }
    }
}

impl From<Bound> for Value {
    fn from(b: Bound) -> Value {
        match b {
            Bound::Int(i) => Value::Int(i),
            Bound::Float(f) => Value::Float(f),
        }
    }
}

impl From<f64> for Bound {
    fn from(f: f64) -> Bound {
        Bound::Float(f)
    }
}

impl Serialize for Bound {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Bound::Int(i) => Value::Int(i).serialize(s),
            Bound::Float(f) => s.serialize_f64(f),
        }
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound, E> {
                Ok(Bound::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound, E> {
                Ok(Bound::Int(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Bound, E> {
                Ok(Bound::Int(v))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Bound, E> {
                i128::try_from(v)
                    .map(Bound::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bound, E> {
                Ok(Bound::Float(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Bound {
    fn schema_name() -> Cow<'static, str> {
        "double".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // The schema of an f64, so the CRD and the editor schema say "a number".
        json_schema!({
            "type": "number",
            "format": "double"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_just_above_a_64_bit_max_are_above_it() {
        // Each pair is one f64: 2^63 + 1 and 2^63 round to the same float.
        let max = Bound::Int(9_223_372_036_854_775_807 - 1);
        assert_eq!(
            (9_223_372_036_854_775_807_i64 as f64),
            ((9_223_372_036_854_775_807_i64 - 1) as f64)
        );
        assert!(above_max(&Value::Int(9_223_372_036_854_775_807), max));
        assert!(!above_max(&Value::Int(9_223_372_036_854_775_806), max));
        let max = Bound::Int(18_446_744_073_709_551_614);
        assert!(above_max(&Value::Int(18_446_744_073_709_551_615), max));
        let min = Bound::Int(-9_223_372_036_854_775_807);
        assert!(below_min(&Value::Int(-9_223_372_036_854_775_808), min));
    }

    #[test]
    fn integers_and_floats_compare_exactly() {
        assert_eq!(
            Bound::Float(2.5).compare(&Value::Int(2)),
            Some(Ordering::Less)
        );
        assert_eq!(
            Bound::Float(2.5).compare(&Value::Int(3)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Bound::Float(-2.5).compare(&Value::Int(-3)),
            Some(Ordering::Less)
        );
        assert_eq!(
            Bound::Int(3).compare(&Value::Float(3.0)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            Bound::Int(3).compare(&Value::Float(2.999)),
            Some(Ordering::Less)
        );
        // 2^53 + 1 is not a float; 2^53 is.
        let above = Value::Int(9_007_199_254_740_993);
        assert!(above_max(&above, Bound::Float(9_007_199_254_740_992.0)));
        assert_eq!(Bound::Float(f64::NAN).compare(&Value::Int(1)), None);
        assert_eq!(Bound::Int(1).compare(&Value::Bool(true)), None);
        assert_eq!(Bound::Int(30), Bound::Float(30.0));
    }

    #[test]
    fn integers_stay_integers_through_yaml_and_json() {
        let b: Bound = serde_json::from_str("18446744073709551614").unwrap();
        assert!(matches!(b, Bound::Int(18_446_744_073_709_551_614)));
        assert_eq!(serde_json::to_string(&b).unwrap(), "18446744073709551614");
        assert_eq!(serde_json::to_string(&Bound::Float(0.5)).unwrap(), "0.5");
        assert!(serde_json::from_str::<Bound>("true").is_err());
    }
}
