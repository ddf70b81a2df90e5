//! Register values: data types, word order, scaling, and the conversion between an
//! engineering value (what a manifest says) and the 16-bit words or bits on the wire.
//!
//! Encoding never wraps or saturates: a value that does not fit its type after scaling
//! is an [`EncodeError`].

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The Modbus data table a register lives in.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RegisterKind {
    /// Read/write 16-bit registers (FC03 read, FC06/FC16 write).
    #[default]
    Holding,
    /// Read/write bits (FC01 read, FC05/FC15 write).
    Coil,
    /// Read-only 16-bit registers (FC04).
    Input,
    /// Read-only bits (FC02).
    Discrete,
}

impl RegisterKind {
    /// Whether fabctl may ever write this kind.
    pub fn is_writable(self) -> bool {
        matches!(self, RegisterKind::Holding | RegisterKind::Coil)
    }

    /// Whether values of this kind are single bits rather than 16-bit words.
    pub fn is_bit(self) -> bool {
        matches!(self, RegisterKind::Coil | RegisterKind::Discrete)
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RegisterKind::Holding => "holding",
            RegisterKind::Coil => "coil",
            RegisterKind::Input => "input",
            RegisterKind::Discrete => "discrete",
        }
    }
}

impl fmt::Display for RegisterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the words of a register are interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
    Bool,
}

impl ValueType {
    /// Number of 16-bit words (or bits, for `bool`) the type occupies.
    pub fn width(self) -> u16 {
        match self {
            ValueType::U16 | ValueType::I16 | ValueType::Bool => 1,
            ValueType::U32 | ValueType::I32 | ValueType::F32 => 2,
            ValueType::U64 | ValueType::I64 | ValueType::F64 => 4,
        }
    }

    /// Whether the type is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, ValueType::F32 | ValueType::F64)
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::U16 => "u16",
            ValueType::I16 => "i16",
            ValueType::U32 => "u32",
            ValueType::I32 => "i32",
            ValueType::U64 => "u64",
            ValueType::I64 => "i64",
            ValueType::F32 => "f32",
            ValueType::F64 => "f64",
            ValueType::Bool => "bool",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Order of the 16-bit words of a multi-word value. Bytes within a word are always
/// big-endian, as Modbus specifies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WordOrder {
    /// Most significant word first (ABCD).
    #[default]
    Big,
    /// Least significant word first (CDAB, word-swapped).
    Little,
}

pub mod bit;
mod bound;
mod codec;
mod value;
mod words;

pub use bound::{Bound, above_max, below_min};
pub use codec::{Codec, DecodeError, EncodeError, in_sync};
pub use value::Value;
pub use words::Words;
