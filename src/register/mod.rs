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
    /// Every kind, in the order of [`RegisterKind::index`].
    pub const ALL: [RegisterKind; 4] = [
        RegisterKind::Holding,
        RegisterKind::Coil,
        RegisterKind::Input,
        RegisterKind::Discrete,
    ];

    /// The kind's place in [`RegisterKind::ALL`], for tables indexed by kind.
    pub fn index(self) -> usize {
        self as usize
    }

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
    // ASCII characters, two per register, first character first; `length` registers.
    // (A plain comment: a documented variant would change the schema of the enum.)
    String,
}

impl ValueType {
    /// Number of 16-bit words (or bits, for `bool`) the type occupies; `None` for
    /// `string`, whose width is the register's `length` ([`Codec::width`]).
    pub fn width(self) -> Option<u16> {
        match self {
            ValueType::U16 | ValueType::I16 | ValueType::Bool => Some(1),
            ValueType::U32 | ValueType::I32 | ValueType::F32 => Some(2),
            ValueType::U64 | ValueType::I64 | ValueType::F64 => Some(4),
            ValueType::String => None,
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
            ValueType::String => "string",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Order of the 16-bit words of a multi-word value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WordOrder {
    /// Most significant word first (ABCD).
    #[default]
    Big,
    /// Least significant word first (CDAB, word-swapped).
    Little,
}

/// Order of the two bytes within each 16-bit word. Modbus specifies big-endian (most
/// significant byte first); some devices send each word byte-swapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// Most significant byte first, as Modbus specifies (ABCD).
    #[default]
    Big,
    /// Least significant byte first within each word (BADC, byte-swapped).
    Little,
}

impl ByteOrder {
    /// Whether this is the Modbus default (most significant byte first).
    pub fn is_big(&self) -> bool {
        *self == ByteOrder::Big
    }
}

/// The name of a word and byte order as device manuals write it, for a 32-bit value
/// whose bytes are A (most significant) to D: ABCD (big, big), CDAB (little word
/// order), BADC (little byte order), DCBA (both little). The same four names stand
/// for the same swaps of 64-bit values and of single words (where only the byte order
/// matters).
pub fn order_name(word_order: WordOrder, byte_order: ByteOrder) -> &'static str {
    match (word_order, byte_order) {
        (WordOrder::Big, ByteOrder::Big) => "ABCD",
        (WordOrder::Little, ByteOrder::Big) => "CDAB",
        (WordOrder::Big, ByteOrder::Little) => "BADC",
        (WordOrder::Little, ByteOrder::Little) => "DCBA",
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_at_its_index() {
        for (i, kind) in RegisterKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind}");
        }
    }
}
