//! Encoding and decoding of engineering values to register words.
use super::{ValueType, WordOrder};

/// How one register's value is converted between engineering units and words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Codec {
    pub value_type: ValueType,
    pub word_order: WordOrder,
    pub scale: f64,
    pub offset: f64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EncodeError {}
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {}
