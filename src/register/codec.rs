//! [`Codec`]: conversion between an engineering value and the 16-bit words of one
//! register, plus [`in_sync`], the comparison the plan uses to decide drift.
//!
//! A register holds a *raw* value of its [`ValueType`]; a manifest speaks in
//! *engineering* units: `engineering = raw * scale + offset`.
//!
//! - Unscaled integer registers (`scale: 1`, `offset: 0`) are converted exactly, in
//!   `i128`, never through `f64`, and decode to [`Value::Int`].
//! - Scaled integer registers compute the raw value in `f64`, so they are exact for raw
//!   magnitudes up to about 2^50. They decode to [`Value::Float`], written with the
//!   fewest digits that still encode to the same raw value (`2500 * 0.1` reads `250`,
//!   not `250.00000000000003`).
//! - Floating-point registers decode to [`Value::Float`]; an `f32` reads as the
//!   shortest decimal that names it (`250.1`, not `250.10000610351562`). NaN and
//!   infinity read from a device are live data, not errors; they are never written.
//!
//! - Strings are ASCII, two characters per register, the first character in the high
//!   byte of the first register; shorter text is padded with NUL, and trailing NULs
//!   are dropped when reading (trailing spaces are kept: they are data). Bytes above
//!   0x7F read from a device are shown as the Latin-1 characters they would be; only
//!   ASCII is written, since devices differ in what they make of other bytes.
//!
//! Encoding never wraps, saturates or silently rounds a value to a different number:
//! it fails with an [`EncodeError`] instead.

use std::sync::Arc;

use thiserror::Error;

use super::{ByteOrder, Value, ValueType, WordOrder, Words};

/// A scaled value may sit this far (relative to the magnitudes involved) from a whole
/// raw value and still count as one: enough to absorb binary noise such as
/// `250.1 / 0.1 = 2500.9999999999995`, far too little to hide a value that is really
/// between two steps of the scale.
const MULTIPLE_TOLERANCE: f64 = 1e-9;

/// How one register's value is converted between engineering units and words.
///
/// Word order: with [`WordOrder::Big`] the most significant word comes first (ABCD
/// for 32-bit, AB CD EF GH for 64-bit). [`WordOrder::Little`] is exactly the reverse
/// sequence of words: CDAB for 32-bit and GH EF CD AB for 64-bit types. Single-word
/// types and strings are the same in both word orders.
///
/// Byte order: with [`ByteOrder::Big`] each word is sent most significant byte first,
/// as Modbus specifies; [`ByteOrder::Little`] swaps the two bytes of every word after
/// the word order is applied: BADC and DCBA for 32-bit values, BA for a 16-bit one, and
/// for a string the second character of each pair first. `bool` has no byte order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Codec {
    pub value_type: ValueType,
    pub word_order: WordOrder,
    pub byte_order: ByteOrder,
    /// Registers a `string` occupies (two characters each); other types have a fixed
    /// width and ignore it.
    pub length: u16,
    /// Engineering units per raw unit; must be finite and non-zero.
    pub scale: f64,
    /// Engineering value of raw zero; must be finite.
    pub offset: f64,
}

/// Why an engineering value cannot be written to a register.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum EncodeError {
    #[error("scale {scale} is not usable; it must be a finite, non-zero number")]
    InvalidScale { scale: f64 },

    #[error("offset {offset} is not usable; it must be a finite number")]
    InvalidOffset { offset: f64 },

    #[error("expected a number for {value_type}, got {value}")]
    ExpectedNumber { value_type: ValueType, value: Value },

    #[error("expected a string for type string, got {value}")]
    ExpectedText { value: Value },

    #[error(
        "text {text:?} takes {bytes} bytes; {length} register(s) hold at most {}",
        2 * u32::from(*length)
    )]
    TooLong {
        text: Arc<str>,
        bytes: usize,
        length: u16,
    },

    #[error("text {text:?} holds {found:?} at character {position}, which is not ASCII")]
    NotAscii {
        text: Arc<str>,
        found: char,
        position: usize,
    },

    #[error("a string takes 1 to {} registers, not {length}", Words::MAX)]
    StringLength { length: u16 },

    #[error("text {text:?} holds a NUL character at character {position}; NUL pads strings")]
    Nul { text: Arc<str>, position: usize },

    #[error("expected true or false (or 0 or 1) for bool, got {}", show(value))]
    ExpectedBool { value: Value },

    #[error("value {value} is not a finite number; {value_type} registers hold finite numbers")]
    NotFinite { value_type: ValueType, value: f64 },

    #[error("value {} is not an integer; {value_type} holds whole numbers", show_f64(*value))]
    NotInteger { value_type: ValueType, value: f64 },

    #[error(
        "value {} is not a multiple of scale {scale} from offset {offset}",
        show_f64(*value)
    )]
    NotMultiple {
        value_type: ValueType,
        value: f64,
        scale: f64,
        offset: f64,
    },

    /// `min` and `max` are in engineering units, after scale and offset.
    #[error(
        "value {} is out of range for {value_type} ({}..={})",
        show(value),
        show(min),
        show(max)
    )]
    OutOfRange {
        value_type: ValueType,
        value: Value,
        min: Value,
        max: Value,
    },
}

/// Why words read from a device cannot be turned into a value.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum DecodeError {
    #[error("{value_type} needs {expected} word(s), got {got}")]
    WrongLength {
        value_type: ValueType,
        expected: usize,
        got: usize,
    },

    #[error("scale {scale} is not usable; it must be a finite, non-zero number")]
    InvalidScale { scale: f64 },

    #[error("offset {offset} is not usable; it must be a finite number")]
    InvalidOffset { offset: f64 },
}

/// The shape of a [`ValueType`] as the codec sees it.
#[derive(Clone, Copy)]
enum Repr {
    Bool,
    Text,
    /// A two's complement (`signed`) or unsigned integer of `bits` bits.
    Int {
        bits: u32,
        signed: bool,
    },
    F32,
    F64,
}

impl Repr {
    fn of(value_type: ValueType) -> Repr {
        let bits = 16 * u32::from(value_type.width().unwrap_or(0));
        match value_type {
            ValueType::Bool => Repr::Bool,
            ValueType::String => Repr::Text,
            ValueType::F32 => Repr::F32,
            ValueType::F64 => Repr::F64,
            ValueType::U16 | ValueType::U32 | ValueType::U64 => Repr::Int {
                bits,
                signed: false,
            },
            ValueType::I16 | ValueType::I32 | ValueType::I64 => Repr::Int { bits, signed: true },
        }
    }
}

/// Smallest and largest raw value of an integer type.
fn int_bounds(bits: u32, signed: bool) -> (i128, i128) {
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

impl Codec {
    /// Converts an engineering value to the words to write (for `bool`: exactly one
    /// element, 0 or 1).
    pub fn encode(&self, value: &Value) -> Result<Words, EncodeError> {
        self.check_scaling()?;
        let bits = match Repr::of(self.value_type) {
            Repr::Bool => return encode_bool(value).map(|b| Words::from([u16::from(b)])),
            Repr::Text => return self.encode_text(value),
            Repr::Int { bits, signed } => {
                let raw = self.int_raw(value, bits, signed)?;
                // Two's complement, truncated to the type's width (the range check has
                // already made sure nothing is lost).
                (raw as u64) & mask(bits)
            }
            Repr::F32 => {
                let raw = self.float_raw(value, f64::from(f32::MAX))?;
                u64::from((raw as f32).to_bits())
            }
            Repr::F64 => self.float_raw(value, f64::MAX)?.to_bits(),
        };
        Ok(self.split(bits))
    }

    /// Registers the value occupies: the type's width, or `length` for a string.
    pub fn width(&self) -> u16 {
        self.value_type.width().unwrap_or(self.length)
    }

    /// The byte and word order as output names it (`DCBA`, `BA` for a byte-swapped
    /// single word or string), or `None` for the Modbus default and for `bool`.
    pub fn order_label(&self) -> Option<&'static str> {
        let swapped = self.byte_order == ByteOrder::Little;
        match self.value_type {
            ValueType::Bool => None,
            ValueType::String => swapped.then_some("BA"),
            _ if self.width() == 1 => swapped.then_some("BA"),
            _ if self.word_order == WordOrder::Big && !swapped => None,
            _ => Some(super::order_name(self.word_order, self.byte_order)),
        }
    }

    /// ASCII text, NUL-padded to `length` registers, in this codec's byte order.
    fn encode_text(&self, value: &Value) -> Result<Words, EncodeError> {
        let Value::Text(text) = value else {
            return Err(EncodeError::ExpectedText {
                value: value.clone(),
            });
        };
        if !(1..=Words::MAX).contains(&usize::from(self.length)) {
            return Err(EncodeError::StringLength {
                length: self.length,
            });
        }
        for (position, found) in text.chars().enumerate() {
            if found == '\0' {
                return Err(EncodeError::Nul {
                    text: text.clone(),
                    position: position + 1,
                });
            }
            if !found.is_ascii() {
                return Err(EncodeError::NotAscii {
                    text: text.clone(),
                    found,
                    position: position + 1,
                });
            }
        }
        let bytes = text.as_bytes();
        if bytes.len() > 2 * usize::from(self.length) {
            return Err(EncodeError::TooLong {
                text: text.clone(),
                bytes: bytes.len(),
                length: self.length,
            });
        }
        let mut words = Words::default();
        for i in 0..usize::from(self.length) {
            let byte = |j: usize| bytes.get(2 * i + j).copied().unwrap_or(0);
            words.push(self.swap(u16::from_be_bytes([byte(0), byte(1)])));
        }
        Ok(words)
    }

    /// Text from words of the right length: bytes in order, trailing NULs dropped.
    fn decode_text(&self, words: &[u16]) -> Value {
        let mut bytes: Vec<u8> = words
            .iter()
            .flat_map(|&w| self.swap(w).to_be_bytes())
            .collect();
        while bytes.last() == Some(&0) {
            bytes.pop();
        }
        // Latin-1: every byte is the character of the same number, so nothing a
        // device holds is lost or replaced.
        Value::Text(bytes.into_iter().map(char::from).collect::<String>().into())
    }

    /// A word in this codec's byte order (the swap is its own inverse).
    fn swap(&self, word: u16) -> u16 {
        match self.byte_order {
            ByteOrder::Big => word,
            ByteOrder::Little => word.swap_bytes(),
        }
    }

    /// Converts the words read from a device to an engineering value. `words.len()`
    /// must equal the type's width.
    pub fn decode(&self, words: &[u16]) -> Result<Value, DecodeError> {
        let expected = usize::from(self.width());
        if words.len() != expected {
            return Err(DecodeError::WrongLength {
                value_type: self.value_type,
                expected,
                got: words.len(),
            });
        }
        if !self.scale_ok() {
            return Err(DecodeError::InvalidScale { scale: self.scale });
        }
        if !self.offset.is_finite() {
            return Err(DecodeError::InvalidOffset {
                offset: self.offset,
            });
        }
        Ok(self.decode_words(words))
    }

    /// The value the device will actually hold when `value` is written:
    /// `decode(encode(value))`. For example `250.1` in an `f32` register stays `250.1`,
    /// and `1` for a `bool` register becomes `true`.
    pub fn normalize(&self, value: &Value) -> Result<Value, EncodeError> {
        self.encode_normalized(value)
            .map(|(_, normalized)| normalized)
    }

    /// Both [`Self::encode`] and [`Self::normalize`], encoding once: the words to
    /// write and the value the device will hold.
    pub fn encode_normalized(&self, value: &Value) -> Result<(Words, Value), EncodeError> {
        let words = self.encode(value)?;
        let normalized = self.decode_words(&words);
        Ok((words, normalized))
    }

    /// The smallest and largest engineering values the register can hold, after scale
    /// and offset; `None` for `bool` and `string`. Floating-point bounds are
    /// approximate (`±MAX * |scale| + offset`); [`Codec::encode`] is the authority on what fits.
    pub fn range(&self) -> Option<(f64, f64)> {
        match Repr::of(self.value_type) {
            Repr::Bool | Repr::Text => None,
            Repr::Int { bits, signed } => {
                let (min, max) = int_bounds(bits, signed);
                let (a, b) = (self.int_engineering(min), self.int_engineering(max));
                Some(if a <= b { (a, b) } else { (b, a) })
            }
            Repr::F32 => Some(self.float_range(f64::from(f32::MAX))),
            Repr::F64 => Some(self.float_range(f64::MAX)),
        }
    }

    fn is_unscaled(&self) -> bool {
        self.scale == 1.0 && self.offset == 0.0
    }

    fn scale_ok(&self) -> bool {
        self.scale.is_finite() && self.scale != 0.0
    }

    fn check_scaling(&self) -> Result<(), EncodeError> {
        if !self.scale_ok() {
            return Err(EncodeError::InvalidScale { scale: self.scale });
        }
        if !self.offset.is_finite() {
            return Err(EncodeError::InvalidOffset {
                offset: self.offset,
            });
        }
        Ok(())
    }

    /// The value as a finite `f64`, for scaled and floating-point types.
    fn number(&self, value: &Value) -> Result<f64, EncodeError> {
        let x = match *value {
            Value::Bool(_) | Value::Text(_) => {
                return Err(EncodeError::ExpectedNumber {
                    value_type: self.value_type,
                    value: value.clone(),
                });
            }
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
        };
        if x.is_finite() {
            Ok(x)
        } else {
            Err(EncodeError::NotFinite {
                value_type: self.value_type,
                value: x,
            })
        }
    }

    fn out_of_range(&self, value: &Value) -> EncodeError {
        let (min, max) = match Repr::of(self.value_type) {
            Repr::Int { bits, signed } if self.is_unscaled() => {
                let (min, max) = int_bounds(bits, signed);
                (Value::Int(min), Value::Int(max))
            }
            _ => {
                let (min, max) = self.range().unwrap_or((0.0, 1.0));
                (Value::Float(min), Value::Float(max))
            }
        };
        EncodeError::OutOfRange {
            value_type: self.value_type,
            value: value.clone(),
            min,
            max,
        }
    }

    /// The raw integer for an engineering value, range-checked.
    fn int_raw(&self, value: &Value, bits: u32, signed: bool) -> Result<i128, EncodeError> {
        let (min, max) = int_bounds(bits, signed);
        if !self.is_unscaled() {
            let x = self.number(value)?;
            return self.scaled_int_raw(x, value, min, max);
        }
        let raw = match *value {
            Value::Int(i) => i,
            _ => {
                let x = self.number(value)?;
                if x.fract() != 0.0 {
                    return Err(EncodeError::NotInteger {
                        value_type: self.value_type,
                        value: x,
                    });
                }
                // Exact for integral floats within i128; saturates beyond, which is out
                // of every type's range anyway.
                x as i128
            }
        };
        if raw < min || raw > max {
            return Err(self.out_of_range(value));
        }
        Ok(raw)
    }

    /// The raw integer for a finite engineering value `x` of a scaled integer type.
    fn scaled_int_raw(
        &self,
        x: f64,
        value: &Value,
        min: i128,
        max: i128,
    ) -> Result<i128, EncodeError> {
        let exact = (x - self.offset) / self.scale;
        if !exact.is_finite() {
            return Err(self.out_of_range(value));
        }
        let whole = exact.round();
        // Saturating, which is out of range for every type when it happens.
        let raw = whole as i128;
        if raw < min || raw > max {
            return Err(self.out_of_range(value));
        }
        let noise =
            MULTIPLE_TOLERANCE * ((x.abs() + self.offset.abs()) / self.scale.abs()).max(1.0);
        if (exact - whole).abs() > noise {
            return Err(EncodeError::NotMultiple {
                value_type: self.value_type,
                value: x,
                scale: self.scale,
                offset: self.offset,
            });
        }
        Ok(raw)
    }

    /// The raw floating-point value for an engineering value, as `f64`, checked to fit
    /// within `±limit`.
    fn float_raw(&self, value: &Value, limit: f64) -> Result<f64, EncodeError> {
        let x = self.number(value)?;
        let raw = if self.is_unscaled() {
            x
        } else {
            (x - self.offset) / self.scale
        };
        if !raw.is_finite() || raw.abs() > limit {
            return Err(self.out_of_range(value));
        }
        Ok(raw)
    }

    fn float_range(&self, limit: f64) -> (f64, f64) {
        if self.is_unscaled() {
            return (-limit, limit);
        }
        let span = limit * self.scale.abs();
        let clamp = |x: f64| x.clamp(-f64::MAX, f64::MAX);
        (clamp(self.offset - span), clamp(self.offset + span))
    }

    /// The engineering value of a raw integer, written cleanly.
    fn int_engineering(&self, raw: i128) -> f64 {
        let x = raw as f64 * self.scale + self.offset;
        if self.is_unscaled() {
            return x;
        }
        cleanest(x, |y| {
            self.scaled_int_raw(y, &Value::Float(y), i128::MIN, i128::MAX)
                .is_ok_and(|r| r == raw)
        })
    }

    /// Decodes words of the right length, with valid scaling.
    fn decode_words(&self, words: &[u16]) -> Value {
        // Numbers are joined into one integer first; text is read from the words.
        let bits = || self.join(words);
        match Repr::of(self.value_type) {
            Repr::Text => self.decode_text(words),
            Repr::Bool => Value::Bool(bits() != 0),
            Repr::Int {
                bits: width,
                signed,
            } => {
                let mut raw = bits() as i128;
                if signed && raw >= 1i128 << (width - 1) {
                    raw -= 1i128 << width;
                }
                if self.is_unscaled() {
                    Value::Int(raw)
                } else {
                    Value::Float(self.int_engineering(raw))
                }
            }
            Repr::F32 => {
                let raw = f32::from_bits(bits() as u32);
                let x = if self.is_unscaled() {
                    f64::from(raw)
                } else {
                    f64::from(raw) * self.scale + self.offset
                };
                Value::Float(cleanest(x, |y| {
                    self.float_raw(&Value::Float(y), f64::from(f32::MAX))
                        .is_ok_and(|r| (r as f32).to_bits() == raw.to_bits())
                }))
            }
            Repr::F64 => {
                let raw = f64::from_bits(bits());
                if self.is_unscaled() {
                    return Value::Float(raw);
                }
                let x = raw * self.scale + self.offset;
                Value::Float(cleanest(x, |y| {
                    self.float_raw(&Value::Float(y), f64::MAX)
                        .is_ok_and(|r| r.to_bits() == raw.to_bits())
                }))
            }
        }
    }

    /// Splits the low `16 * width` bits of a number into words in this codec's word
    /// and byte order.
    fn split(self, bits: u64) -> Words {
        let width = u32::from(self.width());
        let mut words = Words::default();
        for i in (0..width).rev() {
            words.push(self.swap((bits >> (16 * i)) as u16));
        }
        if self.word_order == WordOrder::Little {
            words.reverse();
        }
        words
    }

    /// Joins the words of a number in this codec's word and byte order.
    fn join(self, words: &[u16]) -> u64 {
        let join = |acc: u64, w: &u16| (acc << 16) | u64::from(self.swap(*w));
        match self.word_order {
            WordOrder::Big => words.iter().fold(0, join),
            WordOrder::Little => words.iter().rev().fold(0, join),
        }
    }
}

fn encode_bool(value: &Value) -> Result<bool, EncodeError> {
    match *value {
        Value::Bool(b) => Ok(b),
        Value::Int(0) => Ok(false),
        Value::Int(1) => Ok(true),
        Value::Float(0.0) => Ok(false),
        Value::Float(1.0) => Ok(true),
        _ => Err(EncodeError::ExpectedBool {
            value: value.clone(),
        }),
    }
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The shortest decimal near `x` that `same` accepts (it should accept exactly the
/// numbers that encode to the raw value `x` came from): first the fewest decimal
/// places, then the fewest significant digits, and `x` itself if nothing shorter fits.
fn cleanest(x: f64, same: impl Fn(f64) -> bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let fixed = (0..=17).map(|places| format!("{x:.places$}"));
    let significant = (0..=16).map(|digits| format!("{x:.digits$e}"));
    fixed
        .chain(significant)
        .filter_map(|s| s.parse::<f64>().ok())
        .find(|&y| same(y))
        .unwrap_or(x)
}

/// Whether a live value counts as in sync with a desired value: both booleans and
/// equal, both text and exactly equal, or both numbers with `|live - desired| <=
/// tolerance`. Integers are compared exactly (so `u64` values differing by one are not
/// equal even where `f64` cannot tell them apart). A boolean or text never matches a
/// number, and NaN never matches anything.
pub fn in_sync(live: &Value, desired: &Value, tolerance: f64) -> bool {
    let within = |diff: f64| diff == 0.0 || diff <= tolerance;
    match (live, desired) {
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Text(a), Value::Text(b)) => a == b,
        (Value::Bool(_) | Value::Text(_), _) | (_, Value::Bool(_) | Value::Text(_)) => false,
        (Value::Int(a), Value::Int(b)) => within(a.abs_diff(*b) as f64),
        (Value::Int(i), Value::Float(f)) | (Value::Float(f), Value::Int(i))
            if f.fract() == 0.0 && f.abs() < 1e38 =>
        {
            within(i.abs_diff(*f as i128) as f64)
        }
        (l, d) => {
            let (l, d) = (
                l.as_f64().unwrap_or(f64::NAN),
                d.as_f64().unwrap_or(f64::NAN),
            );
            l == d || within((l - d).abs())
        }
    }
}

/// A value for an error message: very large or small floats in exponent form.
fn show(value: &Value) -> String {
    match *value {
        Value::Float(x) => show_f64(x),
        ref other => other.to_string(),
    }
}

fn show_f64(x: f64) -> String {
    if x != 0.0 && x.is_finite() && (x.abs() >= 1e16 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ALL_TYPES: [ValueType; 9] = [
        ValueType::U16,
        ValueType::I16,
        ValueType::U32,
        ValueType::I32,
        ValueType::U64,
        ValueType::I64,
        ValueType::F32,
        ValueType::F64,
        ValueType::Bool,
    ];
    const INT_TYPES: [ValueType; 6] = [
        ValueType::U16,
        ValueType::I16,
        ValueType::U32,
        ValueType::I32,
        ValueType::U64,
        ValueType::I64,
    ];
    const ORDERS: [WordOrder; 2] = [WordOrder::Big, WordOrder::Little];

    fn codec(value_type: ValueType, word_order: WordOrder) -> Codec {
        scaled(value_type, word_order, 1.0, 0.0)
    }

    fn scaled(value_type: ValueType, word_order: WordOrder, scale: f64, offset: f64) -> Codec {
        Codec {
            value_type,
            word_order,
            byte_order: ByteOrder::Big,
            length: 0,
            scale,
            offset,
        }
    }

    fn bounds(value_type: ValueType) -> (i128, i128) {
        match Repr::of(value_type) {
            Repr::Int { bits, signed } => int_bounds(bits, signed),
            _ => panic!("{value_type} is not an integer type"),
        }
    }

    fn enc(c: Codec, v: Value) -> Words {
        c.encode(&v)
            .unwrap_or_else(|e| panic!("encode {v} as {c:?}: {e}"))
    }

    fn dec(c: Codec, words: &[u16]) -> Value {
        c.decode(words)
            .unwrap_or_else(|e| panic!("decode {words:?} as {c:?}: {e}"))
    }

    fn err(c: Codec, v: Value) -> String {
        match c.encode(&v) {
            Ok(words) => panic!("{v} encoded as {words:?}, expected an error"),
            Err(e) => e.to_string(),
        }
    }

    /// Every word and byte order, as manuals name them.
    const ALL_ORDERS: [(WordOrder, ByteOrder, &str); 4] = [
        (WordOrder::Big, ByteOrder::Big, "ABCD"),
        (WordOrder::Little, ByteOrder::Big, "CDAB"),
        (WordOrder::Big, ByteOrder::Little, "BADC"),
        (WordOrder::Little, ByteOrder::Little, "DCBA"),
    ];

    fn ordered(value_type: ValueType, word_order: WordOrder, byte_order: ByteOrder) -> Codec {
        Codec {
            byte_order,
            ..codec(value_type, word_order)
        }
    }

    fn text(length: u16, byte_order: ByteOrder) -> Codec {
        Codec {
            length,
            ..ordered(ValueType::String, WordOrder::Big, byte_order)
        }
    }

    #[test]
    fn f32_in_the_four_orders() {
        // 12.5 is 0x41480000: bytes A=41 B=48 C=00 D=00.
        let expected = [
            [0x4148, 0x0000],
            [0x0000, 0x4148],
            [0x4841, 0x0000],
            [0x0000, 0x4841],
        ];
        for ((word_order, byte_order, name), words) in ALL_ORDERS.into_iter().zip(expected) {
            let c = ordered(ValueType::F32, word_order, byte_order);
            assert_eq!(enc(c, Value::Float(12.5)), words, "{name}");
            assert_eq!(dec(c, &words), Value::Float(12.5), "{name}");
            assert_eq!(crate::register::order_name(word_order, byte_order), name);
        }
    }

    #[test]
    fn byte_order_of_other_widths() {
        let u16ba = ordered(ValueType::U16, WordOrder::Big, ByteOrder::Little);
        assert_eq!(enc(u16ba, Value::Int(0x1234)), [0x3412]);
        assert_eq!(dec(u16ba, &[0x3412]), Value::Int(0x1234));
        // Word order means nothing to one word: BA either way.
        let u16little = ordered(ValueType::U16, WordOrder::Little, ByteOrder::Little);
        assert_eq!(enc(u16little, Value::Int(0x1234)), [0x3412]);
        let i16ba = ordered(ValueType::I16, WordOrder::Big, ByteOrder::Little);
        assert_eq!(enc(i16ba, Value::Int(-2)), [0xFEFF]);
        assert_eq!(dec(i16ba, &[0xFEFF]), Value::Int(-2));
        let v = Value::Int(0x0102_0304_0506_0708);
        let u64badc = ordered(ValueType::U64, WordOrder::Big, ByteOrder::Little);
        assert_eq!(enc(u64badc, v.clone()), [0x0201, 0x0403, 0x0605, 0x0807]);
        let u64dcba = ordered(ValueType::U64, WordOrder::Little, ByteOrder::Little);
        assert_eq!(enc(u64dcba, v.clone()), [0x0807, 0x0605, 0x0403, 0x0201]);
        assert_eq!(dec(u64dcba, &[0x0807, 0x0605, 0x0403, 0x0201]), v);
        let f64dcba = ordered(ValueType::F64, WordOrder::Little, ByteOrder::Little);
        assert_eq!(enc(f64dcba, Value::Float(1.0)), [0, 0, 0, 0xF03F]);
        // A bool has no bytes to swap.
        let b = ordered(ValueType::Bool, WordOrder::Big, ByteOrder::Little);
        assert_eq!(enc(b, Value::Bool(true)), [1]);
        assert_eq!(b.order_label(), None);
    }

    #[test]
    fn order_labels() {
        assert_eq!(codec(ValueType::F32, WordOrder::Big).order_label(), None);
        assert_eq!(
            codec(ValueType::F32, WordOrder::Little).order_label(),
            Some("CDAB")
        );
        let dcba = ordered(ValueType::F32, WordOrder::Little, ByteOrder::Little);
        assert_eq!(dcba.order_label(), Some("DCBA"));
        assert_eq!(codec(ValueType::U16, WordOrder::Little).order_label(), None);
        let ba = ordered(ValueType::U16, WordOrder::Big, ByteOrder::Little);
        assert_eq!(ba.order_label(), Some("BA"));
        assert_eq!(text(8, ByteOrder::Little).order_label(), Some("BA"));
        assert_eq!(text(8, ByteOrder::Big).order_label(), None);
    }

    #[test]
    fn strings_are_nul_padded_first_character_high() {
        let c = text(4, ByteOrder::Big);
        let words = [0x5056, 0x432D, 0x3430, 0x0000];
        assert_eq!(enc(c, Value::text("PVC-40")), words);
        assert_eq!(dec(c, &words), Value::text("PVC-40"));
        assert_eq!(c.width(), 4);
        // An odd length pads the low byte of its last character's word.
        assert_eq!(enc(c, Value::text("ABC")), [0x4142, 0x4300, 0, 0]);
        assert_eq!(enc(c, Value::text("")), [0, 0, 0, 0]);
        assert_eq!(dec(c, &[0, 0, 0, 0]), Value::text(""));
        // Trailing spaces are data; only NUL pads.
        assert_eq!(enc(c, Value::text("AB ")), [0x4142, 0x2000, 0, 0]);
        assert_eq!(dec(c, &[0x4142, 0x2020, 0, 0]), Value::text("AB  "));
        assert_eq!(
            enc(c, Value::text("12345678")),
            [0x3132, 0x3334, 0x3536, 0x3738]
        );
    }

    #[test]
    fn byte_swapped_strings_swap_each_pair() {
        let c = text(4, ByteOrder::Little);
        let words = [0x5650, 0x2D43, 0x3034, 0x0000];
        assert_eq!(enc(c, Value::text("PVC-40")), words);
        assert_eq!(dec(c, &words), Value::text("PVC-40"));
        assert_eq!(enc(c, Value::text("ABC")), [0x4241, 0x0043, 0, 0]);
    }

    #[test]
    fn strings_read_every_byte_a_device_holds() {
        let c = text(2, ByteOrder::Big);
        // Latin-1: 0xE9 is é; a NUL inside the text is kept, only trailing ones go.
        assert_eq!(dec(c, &[0x41E9, 0x0042]), Value::text("A\u{e9}\0B"));
        assert_eq!(Value::text("A\0B").to_string(), "\"A\\0B\"");
        assert!(c.encode(&Value::text("A\u{e9}")).is_err());
    }

    #[test]
    fn string_errors() {
        let c = text(2, ByteOrder::Big);
        assert_eq!(
            err(c, Value::text("PVC-40")),
            "text \"PVC-40\" takes 6 bytes; 2 register(s) hold at most 4"
        );
        assert_eq!(
            err(c, Value::text("Grüße")),
            "text \"Grüße\" holds 'ü' at character 3, which is not ASCII"
        );
        assert_eq!(
            err(c, Value::text("A\0")),
            "text \"A\\0\" holds a NUL character at character 2; NUL pads strings"
        );
        assert_eq!(
            err(c, Value::Int(12)),
            "expected a string for type string, got 12"
        );
        assert_eq!(
            err(codec(ValueType::U16, WordOrder::Big), Value::text("12")),
            "expected a number for u16, got \"12\""
        );
        // An edited plan's length never makes a wider register than one write carries.
        assert_eq!(
            err(text(124, ByteOrder::Big), Value::text("A")),
            "a string takes 1 to 123 registers, not 124"
        );
        assert!(text(0, ByteOrder::Big).encode(&Value::text("")).is_err());
        assert_eq!(c.range(), None);
        assert_eq!(
            c.decode(&[0]).map_err(|e| e.to_string()),
            Err("string needs 2 word(s), got 1".to_owned())
        );
    }

    #[test]
    fn strings_are_in_sync_only_when_equal() {
        let t = Value::text;
        assert!(in_sync(&t("PVC-40"), &t("PVC-40"), 0.0));
        assert!(!in_sync(&t("PVC-40"), &t("PVC-41"), 100.0));
        assert!(!in_sync(&t("PVC-40 "), &t("PVC-40"), 100.0));
        assert!(!in_sync(&t("1"), &Value::Int(1), 100.0));
        assert!(!in_sync(&Value::Int(1), &t("1"), 100.0));
    }

    #[test]
    fn u32_word_orders() {
        let v = Value::Int(0x1234_5678);
        assert_eq!(
            enc(codec(ValueType::U32, WordOrder::Big), v.clone()),
            [0x1234, 0x5678]
        );
        assert_eq!(
            enc(codec(ValueType::U32, WordOrder::Little), v.clone()),
            [0x5678, 0x1234]
        );
        assert_eq!(
            dec(codec(ValueType::U32, WordOrder::Little), &[0x5678, 0x1234]),
            v
        );
    }

    #[test]
    fn f32_fixtures() {
        let big = codec(ValueType::F32, WordOrder::Big);
        let little = codec(ValueType::F32, WordOrder::Little);
        assert_eq!(enc(big, Value::Float(1.0)), [0x3F80, 0x0000]);
        assert_eq!(enc(little, Value::Float(1.0)), [0x0000, 0x3F80]);
        assert_eq!(enc(big, Value::Int(-2)), [0xC000, 0x0000]);
        // The f32 nearest 250.1 reads back as 250.1, not 250.10000610351562.
        let words = enc(big, Value::Float(250.1));
        assert_eq!(words, [0x437A, 0x199A]);
        assert_eq!(dec(big, &words), Value::Float(250.1));
        assert_eq!(dec(big, &words).to_string(), "250.1");
    }

    #[test]
    fn i16_negative_is_twos_complement() {
        let i16c = codec(ValueType::I16, WordOrder::Big);
        assert_eq!(enc(i16c, Value::Int(-1)), [0xFFFF]);
        assert_eq!(enc(i16c, Value::Int(-32768)), [0x8000]);
        assert_eq!(dec(i16c, &[0xFFFF]), Value::Int(-1));
        assert_eq!(
            dec(codec(ValueType::U16, WordOrder::Big), &[0xFFFF]),
            Value::Int(65535)
        );
        assert_eq!(
            enc(codec(ValueType::I32, WordOrder::Big), Value::Int(-2)),
            [0xFFFF, 0xFFFE]
        );
    }

    #[test]
    fn sixty_four_bit_fixtures() {
        let v = Value::Int(0x0102_0304_0506_0708);
        let big = [0x0102, 0x0304, 0x0506, 0x0708];
        let little = [0x0708, 0x0506, 0x0304, 0x0102];
        for ty in [ValueType::U64, ValueType::I64] {
            assert_eq!(enc(codec(ty, WordOrder::Big), v.clone()), big);
            assert_eq!(enc(codec(ty, WordOrder::Little), v.clone()), little);
            assert_eq!(dec(codec(ty, WordOrder::Little), &little), v);
        }
        let i64c = codec(ValueType::I64, WordOrder::Little);
        assert_eq!(enc(i64c, Value::Int(-2)), [0xFFFE, 0xFFFF, 0xFFFF, 0xFFFF]);
        let u64c = codec(ValueType::U64, WordOrder::Big);
        assert_eq!(enc(u64c, Value::Int(u64::MAX.into())), [0xFFFF; 4]);
        assert_eq!(dec(u64c, &[0xFFFF; 4]), Value::Int(u64::MAX.into()));

        let f64big = codec(ValueType::F64, WordOrder::Big);
        let f64little = codec(ValueType::F64, WordOrder::Little);
        assert_eq!(enc(f64big, Value::Float(1.0)), [0x3FF0, 0, 0, 0]);
        assert_eq!(enc(f64little, Value::Float(1.0)), [0, 0, 0, 0x3FF0]);
        assert_eq!(enc(f64big, Value::Float(-2.5)), [0xC004, 0, 0, 0]);
        let pi = [0x4009, 0x21FB, 0x5444, 0x2D18];
        assert_eq!(dec(f64big, &pi), Value::Float(std::f64::consts::PI));
        let pi_little: Vec<u16> = pi.iter().rev().copied().collect();
        assert_eq!(
            dec(f64little, &pi_little),
            Value::Float(std::f64::consts::PI)
        );
    }

    #[test]
    fn scaled_u16_reads_cleanly() {
        let c = scaled(ValueType::U16, WordOrder::Big, 0.1, 0.0);
        assert_eq!(enc(c, Value::Float(250.0)), [2500]);
        assert_eq!(enc(c, Value::Int(250)), [2500]);
        assert_eq!(enc(c, Value::Float(250.1)), [2501]);
        assert_eq!(dec(c, &[2500]).to_string(), "250");
        assert_eq!(dec(c, &[2501]).to_string(), "250.1");
        assert_eq!(dec(c, &[3]).to_string(), "0.3");
        assert_eq!(c.normalize(&Value::Float(250.0)), Ok(Value::Float(250.0)));
    }

    #[test]
    fn scale_and_offset() {
        // A temperature in tenths of a degree with a -40 offset.
        let c = scaled(ValueType::I16, WordOrder::Big, 0.1, -40.0);
        assert_eq!(enc(c, Value::Float(-12.3)), [277]);
        assert_eq!(dec(c, &[277]).to_string(), "-12.3");
        assert_eq!(dec(c, &[400]).to_string(), "0");
        // Kelvin to Celsius in hundredths.
        let c = scaled(ValueType::U32, WordOrder::Little, 0.01, -273.15);
        assert_eq!(enc(c, Value::Float(21.5)), [29465, 0]);
        assert_eq!(dec(c, &[29465, 0]).to_string(), "21.5");
        // A negative scale.
        let c = scaled(ValueType::I16, WordOrder::Big, -0.5, 0.0);
        assert_eq!(enc(c, Value::Float(2.5)), [0xFFFB]);
        assert_eq!(dec(c, &[0xFFFB]), Value::Float(2.5));
    }

    #[test]
    fn out_of_range_messages() {
        let u16c = codec(ValueType::U16, WordOrder::Big);
        assert_eq!(
            err(u16c, Value::Int(70000)),
            "value 70000 is out of range for u16 (0..=65535)"
        );
        assert_eq!(
            err(u16c, Value::Int(-1)),
            "value -1 is out of range for u16 (0..=65535)"
        );
        assert_eq!(
            err(u16c, Value::Float(-1.0)),
            "value -1 is out of range for u16 (0..=65535)"
        );
        assert_eq!(
            err(codec(ValueType::U64, WordOrder::Big), Value::Int(1 << 64)),
            "value 18446744073709551616 is out of range for u64 (0..=18446744073709551615)"
        );
        assert_eq!(
            err(codec(ValueType::I64, WordOrder::Big), Value::Float(1e20)),
            "value 1e20 is out of range for i64 (-9223372036854775808..=9223372036854775807)"
        );
        let c = scaled(ValueType::U16, WordOrder::Big, 0.1, 0.0);
        assert_eq!(
            err(c, Value::Int(7000)),
            "value 7000 is out of range for u16 (0..=6553.5)"
        );
        assert_eq!(
            err(codec(ValueType::F32, WordOrder::Big), Value::Float(1e39)),
            "value 1e39 is out of range for f32 (-3.4028234663852886e38..=3.4028234663852886e38)"
        );
    }

    #[test]
    fn fractions_and_types_are_rejected() {
        let u16c = codec(ValueType::U16, WordOrder::Big);
        assert_eq!(
            err(u16c, Value::Float(2.5)),
            "value 2.5 is not an integer; u16 holds whole numbers"
        );
        assert_eq!(enc(u16c, Value::Float(3.0)), [3]);
        assert_eq!(
            err(u16c, Value::Bool(true)),
            "expected a number for u16, got true"
        );
        assert_eq!(
            err(
                scaled(ValueType::U16, WordOrder::Big, 0.1, 0.0),
                Value::Float(2.55)
            ),
            "value 2.55 is not a multiple of scale 0.1 from offset 0"
        );
        // Large raw values are held to the same standard, not waved through.
        assert!(matches!(
            scaled(ValueType::U32, WordOrder::Big, 0.1, 0.0).encode(&Value::Float(100000.05)),
            Err(EncodeError::NotMultiple { .. })
        ));
        assert_eq!(
            err(
                codec(ValueType::F32, WordOrder::Big),
                Value::Float(f64::NAN)
            ),
            "value NaN is not a finite number; f32 registers hold finite numbers"
        );
        assert!(matches!(
            codec(ValueType::F64, WordOrder::Big).encode(&Value::Float(f64::INFINITY)),
            Err(EncodeError::NotFinite { .. })
        ));
        assert!(matches!(
            u16c.encode(&Value::Float(f64::INFINITY)),
            Err(EncodeError::NotFinite { .. })
        ));
    }

    #[test]
    fn invalid_scaling_is_an_error() {
        for (scale, offset) in [(0.0, 0.0), (f64::NAN, 0.0), (f64::INFINITY, 0.0)] {
            let c = scaled(ValueType::U16, WordOrder::Big, scale, offset);
            assert!(matches!(
                c.encode(&Value::Int(1)),
                Err(EncodeError::InvalidScale { .. })
            ));
            assert!(matches!(
                c.decode(&[1]),
                Err(DecodeError::InvalidScale { .. })
            ));
        }
        let c = scaled(ValueType::F32, WordOrder::Big, 1.0, f64::NAN);
        assert_eq!(
            err(c, Value::Int(1)),
            "offset NaN is not usable; it must be a finite number"
        );
        assert_eq!(
            err(
                scaled(ValueType::U16, WordOrder::Big, 0.0, 0.0),
                Value::Int(1)
            ),
            "scale 0 is not usable; it must be a finite, non-zero number"
        );
    }

    #[test]
    fn float_limits() {
        let f32c = codec(ValueType::F32, WordOrder::Big);
        assert_eq!(enc(f32c, Value::Float(f32::MAX.into())), [0x7F7F, 0xFFFF]);
        assert!(matches!(
            f32c.encode(&Value::Float(f64::from(f32::MAX) * 1.000001)),
            Err(EncodeError::OutOfRange { .. })
        ));
        // Live NaN and infinity are data, not errors.
        assert!(matches!(dec(f32c, &[0x7FC0, 0]), Value::Float(x) if x.is_nan()));
        assert_eq!(dec(f32c, &[0x7F80, 0]), Value::Float(f64::INFINITY));
        assert_eq!(dec(f32c, &[0xFF80, 0]), Value::Float(f64::NEG_INFINITY));
        let f64c = codec(ValueType::F64, WordOrder::Little);
        assert!(matches!(dec(f64c, &[0, 0, 0, 0x7FF8]), Value::Float(x) if x.is_nan()));
        // A scaled f64 whose raw value would overflow.
        let c = scaled(ValueType::F64, WordOrder::Big, 1e-10, 0.0);
        assert!(matches!(
            c.encode(&Value::Float(1e300)),
            Err(EncodeError::OutOfRange { .. })
        ));
    }

    #[test]
    fn bools() {
        let c = codec(ValueType::Bool, WordOrder::Big);
        assert_eq!(enc(c, Value::Bool(true)), [1]);
        assert_eq!(enc(c, Value::Bool(false)), [0]);
        assert_eq!(enc(c, Value::Int(1)), [1]);
        assert_eq!(enc(c, Value::Int(0)), [0]);
        assert_eq!(
            err(c, Value::Int(2)),
            "expected true or false (or 0 or 1) for bool, got 2"
        );
        assert!(c.encode(&Value::Float(0.5)).is_err());
        assert_eq!(dec(c, &[0]), Value::Bool(false));
        assert_eq!(dec(c, &[0xFF00]), Value::Bool(true));
        assert_eq!(c.normalize(&Value::Int(1)), Ok(Value::Bool(true)));
        assert_eq!(c.range(), None);
    }

    #[test]
    fn wrong_length() {
        let c = codec(ValueType::U32, WordOrder::Big);
        assert_eq!(
            c.decode(&[1]).map_err(|e| e.to_string()),
            Err("u32 needs 2 word(s), got 1".to_string())
        );
        assert!(codec(ValueType::Bool, WordOrder::Big).decode(&[]).is_err());
    }

    #[test]
    fn ranges() {
        assert_eq!(
            codec(ValueType::U16, WordOrder::Big).range(),
            Some((0.0, 65535.0))
        );
        assert_eq!(
            codec(ValueType::I32, WordOrder::Big).range(),
            Some((-2147483648.0, 2147483647.0))
        );
        let c = scaled(ValueType::U16, WordOrder::Big, 0.1, 0.0);
        assert_eq!(c.range(), Some((0.0, 6553.5)));
        // The bounds themselves encode.
        assert_eq!(enc(c, Value::Float(6553.5)), [65535]);
        assert_eq!(
            scaled(ValueType::I16, WordOrder::Big, -1.0, 0.0).range(),
            Some((-32767.0, 32768.0))
        );
        assert_eq!(
            scaled(ValueType::I16, WordOrder::Big, 0.1, -40.0).range(),
            Some((-3316.8, 3236.7))
        );
        let max = f64::from(f32::MAX);
        assert_eq!(
            codec(ValueType::F32, WordOrder::Big).range(),
            Some((-max, max))
        );
        assert_eq!(
            codec(ValueType::F64, WordOrder::Big).range(),
            Some((-f64::MAX, f64::MAX))
        );
    }

    #[test]
    fn sync_with_tolerance() {
        let f = Value::Float;
        assert!(in_sync(&f(250.3), &f(250.0), 0.5));
        assert!(!in_sync(&f(250.6), &f(250.0), 0.5));
        assert!(in_sync(&f(250.0), &f(250.0), 0.0));
        assert!(in_sync(&Value::Int(251), &f(250.5), 0.5));
        assert!(!in_sync(&f(f64::NAN), &f(250.0), 1e9));
        assert!(in_sync(&f(f64::INFINITY), &f(f64::INFINITY), 0.0));
    }

    #[test]
    fn sync_ints_exactly() {
        let big = i128::from(u64::MAX);
        assert!(in_sync(&Value::Int(big), &Value::Int(big), 0.0));
        assert!(!in_sync(&Value::Int(big), &Value::Int(big - 1), 0.0));
        assert!(in_sync(&Value::Int(big), &Value::Int(big - 1), 1.0));
        // 2^60 + 1 and 2^60 are one apart even though f64 cannot tell them apart.
        let x = (1i128 << 60) + 1;
        assert!(!in_sync(
            &Value::Int(x),
            &Value::Float((1u64 << 60) as f64),
            0.0
        ));
        assert!(in_sync(&Value::Int(7), &Value::Float(7.0), 0.0));
        assert!(!in_sync(&Value::Int(7), &Value::Int(8), 0.0));
    }

    #[test]
    fn sync_bools() {
        assert!(in_sync(&Value::Bool(true), &Value::Bool(true), 0.0));
        assert!(!in_sync(&Value::Bool(true), &Value::Bool(false), 10.0));
        assert!(!in_sync(&Value::Bool(true), &Value::Int(1), 10.0));
        assert!(!in_sync(&Value::Int(0), &Value::Bool(false), 10.0));
    }

    /// Scalings seen on real devices, each with the most decimal places a clean reading
    /// may need.
    const SCALINGS: [(f64, f64, usize); 8] = [
        (0.1, 0.0, 1),
        (0.01, 0.0, 2),
        (0.001, 0.0, 3),
        (0.1, -40.0, 1),
        (0.01, -273.15, 2),
        (0.5, 0.0, 1),
        (-0.25, 100.0, 2),
        (10.0, 5.0, 0),
    ];

    fn decimals(v: &Value) -> usize {
        let s = v.to_string();
        s.split_once('.').map_or(0, |(_, frac)| frac.len())
    }

    proptest! {
        #[test]
        fn decode_then_encode_gives_the_same_words(words in any::<[u16; 4]>()) {
            for ty in ALL_TYPES {
                for order in ORDERS {
                    let c = codec(ty, order);
                    let mut words = words[..usize::from(c.width())].to_vec();
                    if ty == ValueType::Bool {
                        words[0] &= 1;
                    }
                    let value = dec(c, &words);
                    if matches!(value, Value::Float(x) if !x.is_finite()) {
                        prop_assert!(c.encode(&value).is_err());
                        continue;
                    }
                    prop_assert_eq!(enc(c, value.clone()), words, "{} {:?} via {}", ty, order, value);
                }
            }
        }

        #[test]
        fn every_order_round_trips_every_type(
            words in any::<[u16; 4]>(),
            x in any::<f64>(),
            order in prop::sample::select(ALL_ORDERS.to_vec()),
        ) {
            let (word_order, byte_order, _) = order;
            for ty in ALL_TYPES {
                let c = ordered(ty, word_order, byte_order);
                let mut words = words[..usize::from(c.width())].to_vec();
                if ty == ValueType::Bool {
                    words[0] &= 1;
                }
                // Words to value and back.
                let value = dec(c, &words);
                if !matches!(value, Value::Float(x) if !x.is_finite()) {
                    prop_assert_eq!(enc(c, value.clone()), words.clone(), "{} {:?}", ty, order);
                }
                // The order is only a permutation of the Modbus default's bytes.
                if ty != ValueType::Bool && value.as_f64().is_some_and(f64::is_finite) {
                    let plain = enc(codec(ty, WordOrder::Big), value.clone());
                    let mut expected: Vec<u16> = plain.to_vec();
                    if word_order == WordOrder::Little {
                        expected.reverse();
                    }
                    if byte_order == ByteOrder::Little {
                        expected.iter_mut().for_each(|w| *w = w.swap_bytes());
                    }
                    prop_assert_eq!(&words, &expected, "{} {:?}", ty, order);
                }
            }
            // Value to words and back, for the floats.
            if x.is_finite() {
                let c = ordered(ValueType::F64, word_order, byte_order);
                prop_assert_eq!(c.normalize(&Value::Float(x)), Ok(Value::Float(x)));
                let c = ordered(ValueType::F32, word_order, byte_order);
                let y = x as f32;
                if y.is_finite() {
                    let back = c.normalize(&Value::Float(f64::from(y)));
                    prop_assert!(matches!(back, Ok(Value::Float(z)) if (z as f32).to_bits() == y.to_bits()));
                }
            }
        }

        #[test]
        fn strings_round_trip_in_both_byte_orders(
            s in "[ -~]{0,40}",
            extra in 0u16..4,
        ) {
            let length = u16::try_from(s.len().div_ceil(2)).unwrap_or(0) + extra;
            prop_assume!(length >= 1);
            let big = text(length, ByteOrder::Big);
            let little = text(length, ByteOrder::Little);
            let words = enc(big, Value::text(&s));
            prop_assert_eq!(words.len(), usize::from(length));
            prop_assert_eq!(dec(big, &words), Value::text(&s));
            let swapped = enc(little, Value::text(&s));
            prop_assert_eq!(dec(little, &swapped), Value::text(&s));
            let each_swapped: Vec<u16> = words.iter().map(|w| w.swap_bytes()).collect();
            prop_assert_eq!(&*swapped, &each_swapped[..]);
            // One character too many is refused, never cut.
            let long = format!("{s}{}", "x".repeat(2 * usize::from(length) - s.len() + 1));
            let is_too_long = matches!(big.encode(&Value::text(&long)), Err(EncodeError::TooLong { .. }));
            prop_assert!(is_too_long);
        }

        #[test]
        fn string_words_read_and_write_back_unchanged(
            bytes in prop::collection::vec(1u8..=0x7F, 0..20),
            pad in 0usize..3,
        ) {
            // ASCII without NUL, then NUL padding: what a device that fabctl wrote holds.
            let length = (bytes.len() + pad).div_ceil(2).max(1);
            let mut all = bytes.clone();
            all.resize(2 * length, 0);
            let words: Vec<u16> = all.chunks(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
            let c = text(u16::try_from(length).unwrap_or(1), ByteOrder::Big);
            let value = dec(c, &words);
            prop_assert_eq!(&value, &Value::Text(String::from_utf8(bytes).unwrap_or_default().into()));
            prop_assert_eq!(&*enc(c, value), &words[..]);
        }

        #[test]
        fn u16_round_trips(x in any::<u16>()) { int_round_trip(ValueType::U16, x.into())?; }
        #[test]
        fn i16_round_trips(x in any::<i16>()) { int_round_trip(ValueType::I16, x.into())?; }
        #[test]
        fn u32_round_trips(x in any::<u32>()) { int_round_trip(ValueType::U32, x.into())?; }
        #[test]
        fn i32_round_trips(x in any::<i32>()) { int_round_trip(ValueType::I32, x.into())?; }
        #[test]
        fn u64_round_trips(x in any::<u64>()) { int_round_trip(ValueType::U64, x.into())?; }
        #[test]
        fn i64_round_trips(x in any::<i64>()) { int_round_trip(ValueType::I64, x.into())?; }

        #[test]
        fn f32_round_trips(x in any::<f32>()) {
            prop_assume!(x.is_finite());
            for order in ORDERS {
                let c = codec(ValueType::F32, order);
                // Both the exact f32 and its shortest decimal come back as the same f32.
                for v in [f64::from(x), x.to_string().parse::<f64>().unwrap_or(f64::NAN)] {
                    let back = c.normalize(&Value::Float(v));
                    prop_assert!(
                        matches!(back, Ok(Value::Float(y)) if (y as f32).to_bits() == x.to_bits()),
                        "{} became {:?}", x, back
                    );
                }
            }
        }

        #[test]
        fn f64_round_trips(x in any::<f64>()) {
            prop_assume!(x.is_finite());
            for order in ORDERS {
                let back = codec(ValueType::F64, order).normalize(&Value::Float(x));
                prop_assert!(matches!(back, Ok(Value::Float(y)) if y.to_bits() == x.to_bits()));
            }
        }

        #[test]
        fn out_of_range_integers_never_wrap(d in prop_oneof![1i128..=1000, 1i128..=(i128::MAX / 2)]) {
            for ty in INT_TYPES {
                let (min, max) = bounds(ty);
                for order in ORDERS {
                    let c = codec(ty, order);
                    for v in [max + d, min - d] {
                        let is_out_of_range = matches!(c.encode(&Value::Int(v)), Err(EncodeError::OutOfRange { .. }));
                        prop_assert!(is_out_of_range, "{} accepted {}", ty, v);
                        let f = v as f64;
                        if f as i128 > max || (f as i128) < min {
                            let is_out_of_range = matches!(c.encode(&Value::Float(f)), Err(EncodeError::OutOfRange { .. }));
                            prop_assert!(is_out_of_range, "{} accepted {}", ty, f);
                        }
                    }
                }
            }
        }

        #[test]
        fn scaled_words_round_trip_and_read_cleanly(
            raw in any::<i64>(),
            scaling in prop::sample::select(SCALINGS.to_vec()),
            ty in prop::sample::select(INT_TYPES.to_vec()),
            order in prop::sample::select(ORDERS.to_vec()),
        ) {
            let (scale, offset, places) = scaling;
            let (min, max) = bounds(ty);
            // Scaled registers compute in f64: exact up to about 2^50.
            let low = min.max(-(1 << 45));
            let raw = low + i128::from(raw).rem_euclid((max - low + 1).min(1 << 46));
            let c = scaled(ty, order, scale, offset);
            let words = codec(ty, order).encode(&Value::Int(raw)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let value = dec(c, &words);
            prop_assert!(decimals(&value) <= places, "raw {} reads {}", raw, value);
            prop_assert_eq!(enc(c, value), words);
        }

        #[test]
        fn scaled_out_of_range_never_wraps(
            d in 1u32..=1_000_000,
            scaling in prop::sample::select(SCALINGS.to_vec()),
            ty in prop::sample::select(INT_TYPES[..4].to_vec()),
        ) {
            let (scale, offset, _) = scaling;
            let (min, max) = bounds(ty);
            let c = scaled(ty, WordOrder::Big, scale, offset);
            for raw in [max + i128::from(d), min - i128::from(d)] {
                let v = Value::Float(raw as f64 * scale + offset);
                let is_out_of_range = matches!(c.encode(&v), Err(EncodeError::OutOfRange { .. }));
                prop_assert!(is_out_of_range, "{} accepted {}", ty, v);
            }
        }

        #[test]
        fn scaled_floats_round_trip_closely(
            x in -1e30f64..1e30,
            scaling in prop::sample::select(SCALINGS.to_vec()),
            ty in prop::sample::select(vec![ValueType::F32, ValueType::F64]),
        ) {
            let (scale, offset, _) = scaling;
            let c = scaled(ty, WordOrder::Little, scale, offset);
            let back = c.normalize(&Value::Float(x)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let y = back.as_f64().unwrap_or(f64::NAN);
            let precision = if ty == ValueType::F32 { 1e-6 } else { 1e-12 };
            prop_assert!((y - x).abs() <= precision * x.abs().max(offset.abs()).max(1.0), "{} became {}", x, y);
            // What the device holds is stable: normalizing again changes nothing.
            prop_assert_eq!(c.normalize(&back), Ok(back));
        }
    }

    fn int_round_trip(ty: ValueType, x: i128) -> Result<(), TestCaseError> {
        for order in ORDERS {
            let c = codec(ty, order);
            prop_assert_eq!(c.normalize(&Value::Int(x)), Ok(Value::Int(x)));
            if x.unsigned_abs() < 1 << 53 {
                prop_assert_eq!(c.normalize(&Value::Float(x as f64)), Ok(Value::Int(x)));
            }
        }
        Ok(())
    }
}
