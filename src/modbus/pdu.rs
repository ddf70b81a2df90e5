//! Request and response PDUs for function codes 1, 2, 3, 4, 5, 6, 15, 16 and 22.
//!
//! [`Request::parse`] validates a request the way the Modbus specification orders it:
//! an unsupported function code is `IllegalFunction`; a wrong length, quantity, byte
//! count or coil value is `IllegalDataValue`. Whether the addresses exist is for the
//! device to decide (`IllegalDataAddress`). [`Response::encode`] appends a whole frame
//! to a reusable buffer, so a server allocates nothing per request.

use super::ExceptionCode;
use super::frame::{Header, begin_frame, finish_frame};
use super::function::*;

/// Largest quantity of bits in FC01/FC02.
pub const MAX_READ_BITS: u16 = 2000;
/// Largest quantity of registers in FC03/FC04.
pub const MAX_READ_REGISTERS: u16 = 125;
/// Largest quantity of coils in FC15.
pub const MAX_WRITE_BITS: u16 = 1968;
/// Largest quantity of registers in FC16.
pub const MAX_WRITE_REGISTERS: u16 = 123;

/// A validated request, borrowing its data from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    ReadCoils {
        address: u16,
        quantity: u16,
    },
    ReadDiscreteInputs {
        address: u16,
        quantity: u16,
    },
    ReadHoldingRegisters {
        address: u16,
        quantity: u16,
    },
    ReadInputRegisters {
        address: u16,
        quantity: u16,
    },
    WriteSingleCoil {
        address: u16,
        value: bool,
    },
    WriteSingleRegister {
        address: u16,
        value: u16,
    },
    WriteMultipleCoils {
        address: u16,
        values: Bits<'a>,
    },
    WriteMultipleRegisters {
        address: u16,
        values: Words<'a>,
    },
    /// FC22: the register becomes `(current AND and_mask) OR (or_mask AND NOT and_mask)`.
    MaskWriteRegister {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
}

/// Coil values of an FC15 request: `len` bits packed LSB-first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bits<'a> {
    packed: &'a [u8],
    len: u16,
}

impl<'a> Bits<'a> {
    /// Number of coils.
    pub fn len(&self) -> u16 {
        self.len
    }

    /// Whether there are no coils (never true for a parsed request).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The coil values in address order.
    pub fn iter(&self) -> impl Iterator<Item = bool> + 'a {
        let packed = self.packed;
        (0..usize::from(self.len)).map(move |i| {
            packed
                .get(i / 8)
                .is_some_and(|byte| byte & (1 << (i % 8)) != 0)
        })
    }
}

/// Register values of an FC16 request: big-endian words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words<'a> {
    bytes: &'a [u8],
}

impl<'a> Words<'a> {
    /// Number of registers.
    pub fn len(&self) -> u16 {
        u16::try_from(self.bytes.len() / 2).unwrap_or(u16::MAX)
    }

    /// Whether there are no registers (never true for a parsed request).
    pub fn is_empty(&self) -> bool {
        self.bytes.len() < 2
    }

    /// The register values in address order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.bytes
            .chunks_exact(2)
            .map(|w| u16::from_be_bytes([w[0], w[1]]))
    }
}

impl<'a> Request<'a> {
    /// Parses and validates a request PDU (function code first).
    pub fn parse(pdu: &'a [u8]) -> Result<Self, ExceptionCode> {
        let Some((&function, data)) = pdu.split_first() else {
            return Err(ExceptionCode::IllegalFunction);
        };
        let word = |i: usize| -> Result<u16, ExceptionCode> {
            match data.get(i..i + 2) {
                Some(&[hi, lo]) => Ok(u16::from_be_bytes([hi, lo])),
                _ => Err(ExceptionCode::IllegalDataValue),
            }
        };
        let fixed = |max: u16| -> Result<(u16, u16), ExceptionCode> {
            let (address, quantity) = (word(0)?, word(2)?);
            if data.len() != 4 || !(1..=max).contains(&quantity) {
                return Err(ExceptionCode::IllegalDataValue);
            }
            Ok((address, quantity))
        };
        // FC15/FC16 data: address, quantity, byte count, values; the byte count must
        // match the quantity and the bytes that follow.
        let multiple = |byte_count: usize| -> Result<(u16, &'a [u8]), ExceptionCode> {
            let address = word(0)?;
            let count = data.get(4).copied().map(usize::from);
            match data.get(5..) {
                Some(values) if count == Some(byte_count) && values.len() == byte_count => {
                    Ok((address, values))
                }
                _ => Err(ExceptionCode::IllegalDataValue),
            }
        };
        match function {
            READ_COILS => fixed(MAX_READ_BITS)
                .map(|(address, quantity)| Request::ReadCoils { address, quantity }),
            READ_DISCRETE_INPUTS => fixed(MAX_READ_BITS)
                .map(|(address, quantity)| Request::ReadDiscreteInputs { address, quantity }),
            READ_HOLDING_REGISTERS => fixed(MAX_READ_REGISTERS)
                .map(|(address, quantity)| Request::ReadHoldingRegisters { address, quantity }),
            READ_INPUT_REGISTERS => fixed(MAX_READ_REGISTERS)
                .map(|(address, quantity)| Request::ReadInputRegisters { address, quantity }),
            WRITE_SINGLE_COIL => {
                let (address, value) = (word(0)?, word(2)?);
                match (data.len(), value) {
                    (4, 0xFF00) => Ok(Request::WriteSingleCoil {
                        address,
                        value: true,
                    }),
                    (4, 0x0000) => Ok(Request::WriteSingleCoil {
                        address,
                        value: false,
                    }),
                    _ => Err(ExceptionCode::IllegalDataValue),
                }
            }
            WRITE_SINGLE_REGISTER => {
                let (address, value) = (word(0)?, word(2)?);
                if data.len() != 4 {
                    return Err(ExceptionCode::IllegalDataValue);
                }
                Ok(Request::WriteSingleRegister { address, value })
            }
            WRITE_MULTIPLE_COILS => {
                let quantity = word(2)?;
                if !(1..=MAX_WRITE_BITS).contains(&quantity) {
                    return Err(ExceptionCode::IllegalDataValue);
                }
                let (address, packed) = multiple(usize::from(quantity).div_ceil(8))?;
                Ok(Request::WriteMultipleCoils {
                    address,
                    values: Bits {
                        packed,
                        len: quantity,
                    },
                })
            }
            WRITE_MULTIPLE_REGISTERS => {
                let quantity = word(2)?;
                if !(1..=MAX_WRITE_REGISTERS).contains(&quantity) {
                    return Err(ExceptionCode::IllegalDataValue);
                }
                let (address, bytes) = multiple(usize::from(quantity) * 2)?;
                Ok(Request::WriteMultipleRegisters {
                    address,
                    values: Words { bytes },
                })
            }
            MASK_WRITE_REGISTER => {
                let (address, and_mask, or_mask) = (word(0)?, word(2)?, word(4)?);
                if data.len() != 6 {
                    return Err(ExceptionCode::IllegalDataValue);
                }
                Ok(Request::MaskWriteRegister {
                    address,
                    and_mask,
                    or_mask,
                })
            }
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }

    /// The function code of the request.
    pub fn function(&self) -> u8 {
        match self {
            Request::ReadCoils { .. } => READ_COILS,
            Request::ReadDiscreteInputs { .. } => READ_DISCRETE_INPUTS,
            Request::ReadHoldingRegisters { .. } => READ_HOLDING_REGISTERS,
            Request::ReadInputRegisters { .. } => READ_INPUT_REGISTERS,
            Request::WriteSingleCoil { .. } => WRITE_SINGLE_COIL,
            Request::WriteSingleRegister { .. } => WRITE_SINGLE_REGISTER,
            Request::WriteMultipleCoils { .. } => WRITE_MULTIPLE_COILS,
            Request::WriteMultipleRegisters { .. } => WRITE_MULTIPLE_REGISTERS,
            Request::MaskWriteRegister { .. } => MASK_WRITE_REGISTER,
        }
    }
}

/// A response, borrowing the values it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response<'a> {
    /// FC01/FC02: bit values, packed LSB-first on the wire (at most 2000).
    Bits { function: u8, bits: &'a [bool] },
    /// FC03/FC04: register values (at most 125).
    Words { function: u8, words: &'a [u16] },
    /// FC05/FC06: echo of the address and the value as sent (0xFF00/0x0000 for coils).
    WriteSingle {
        function: u8,
        address: u16,
        value: u16,
    },
    /// FC15/FC16: the starting address and quantity written.
    WriteMultiple {
        function: u8,
        address: u16,
        quantity: u16,
    },
    /// FC22: echo of the address and both masks.
    MaskWrite {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    /// Any function: `function | 0x80` followed by the exception code.
    Exception { function: u8, code: ExceptionCode },
}

impl Response<'_> {
    /// Appends the whole frame (MBAP header and PDU) to `out`.
    pub fn encode(&self, header: Header, out: &mut Vec<u8>) {
        let start = begin_frame(out, header);
        match *self {
            Response::Bits { function, bits } => {
                out.push(function);
                out.push(byte_count(bits.len().div_ceil(8)));
                for chunk in bits.chunks(8) {
                    let byte = chunk
                        .iter()
                        .enumerate()
                        .fold(0u8, |acc, (i, &bit)| acc | (u8::from(bit) << i));
                    out.push(byte);
                }
            }
            Response::Words { function, words } => {
                out.push(function);
                out.push(byte_count(words.len() * 2));
                for word in words {
                    out.extend_from_slice(&word.to_be_bytes());
                }
            }
            Response::WriteSingle {
                function,
                address,
                value,
            } => {
                out.push(function);
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&value.to_be_bytes());
            }
            Response::WriteMultiple {
                function,
                address,
                quantity,
            } => {
                out.push(function);
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&quantity.to_be_bytes());
            }
            Response::MaskWrite {
                address,
                and_mask,
                or_mask,
            } => {
                out.push(MASK_WRITE_REGISTER);
                for word in [address, and_mask, or_mask] {
                    out.extend_from_slice(&word.to_be_bytes());
                }
            }
            Response::Exception { function, code } => {
                out.push(function | 0x80);
                out.push(code.code());
            }
        }
        finish_frame(out, start);
    }
}

fn byte_count(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests;
