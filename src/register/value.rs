//! [`Value`]: an engineering value as written in a manifest or read from a device.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An engineering value: a boolean (coils, discrete inputs, `bool` registers), an exact
/// integer, a floating-point number, or text (`string` registers). Integers are kept
/// exact so that `u64`/`i64` registers never pass through a lossy `f64`. Text is
/// shared, so copying a plan's values never copies a string.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i128),
    Float(f64),
    Text(Arc<str>),
}

impl Value {
    /// The value as a number, if it is one (`true`/`false` and text are not numbers).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Bool(_) | Value::Text(_) => None,
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
        }
    }

    /// A text value.
    pub fn text(s: &str) -> Value {
        Value::Text(s.into())
    }
}

/// Text is shown quoted, with escapes (`"PVC-40"`, `"A\0B"`), so that trailing spaces
/// and control characters read from a device are visible and a string never looks
/// like a number.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Value::Bool(b) => s.serialize_bool(b),
            Value::Text(ref text) => s.serialize_str(text),
            Value::Int(i) => {
                if let Ok(v) = i64::try_from(i) {
                    s.serialize_i64(v)
                } else if let Ok(v) = u64::try_from(i) {
                    s.serialize_u64(v)
                } else {
                    Err(serde::ser::Error::custom(format!(
                        "integer {i} does not fit in 64 bits"
                    )))
                }
            }
            Value::Float(f) => s.serialize_f64(f),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a boolean or a string")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Int(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
                Ok(Value::Int(v))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
                i128::try_from(v)
                    .map(Value::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::text(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Value {
    fn schema_name() -> Cow<'static, str> {
        "Value".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // A number, a boolean or a string. Kubernetes structural schemas cannot express
        // a union of types, so the field keeps whatever YAML gave and fabctl validates it.
        json_schema!({
            "x-kubernetes-preserve-unknown-fields": true,
            "description": "Engineering value: a number, true/false for coils, discrete inputs and bool registers, or a string for string registers."
        })
    }
}
