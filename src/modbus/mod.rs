//! Modbus protocol layer: function codes, exception codes, MBAP framing ([`frame`]),
//! RTU framing ([`rtu`]) and request/response PDUs ([`pdu`]).
//!
//! This layer owns only bytes ⇄ types. It does no I/O and never panics on any input:
//! decoding is total, so the simulator can read from untrusted sockets and decide by
//! itself what to do with a bad frame (close, reply with an exception, inject faults).

pub mod frame;
pub mod pdu;
pub mod rtu;

use std::fmt;

pub use frame::{FrameError, Header, MAX_PDU_LEN, MBAP_LEN, decode_frame};
pub use pdu::{Request, Response};

/// Function codes the simulator serves.
pub mod function {
    /// FC01 Read Coils.
    pub const READ_COILS: u8 = 0x01;
    /// FC02 Read Discrete Inputs.
    pub const READ_DISCRETE_INPUTS: u8 = 0x02;
    /// FC03 Read Holding Registers.
    pub const READ_HOLDING_REGISTERS: u8 = 0x03;
    /// FC04 Read Input Registers.
    pub const READ_INPUT_REGISTERS: u8 = 0x04;
    /// FC05 Write Single Coil.
    pub const WRITE_SINGLE_COIL: u8 = 0x05;
    /// FC06 Write Single Register.
    pub const WRITE_SINGLE_REGISTER: u8 = 0x06;
    /// FC15 Write Multiple Coils.
    pub const WRITE_MULTIPLE_COILS: u8 = 0x0F;
    /// FC16 Write Multiple Registers.
    pub const WRITE_MULTIPLE_REGISTERS: u8 = 0x10;
    /// FC22 Mask Write Register.
    pub const MASK_WRITE_REGISTER: u8 = 0x16;

    /// Whether the function code writes (FC05, FC06, FC15, FC16, FC22).
    pub fn is_write(code: u8) -> bool {
        matches!(
            code,
            WRITE_SINGLE_COIL
                | WRITE_SINGLE_REGISTER
                | WRITE_MULTIPLE_COILS
                | WRITE_MULTIPLE_REGISTERS
                | MASK_WRITE_REGISTER
        )
    }

    /// The snake_case name of a function code, as used in metric labels
    /// (`read_holding_registers`, ...); `other` for codes the simulator does not serve.
    pub fn name(code: u8) -> &'static str {
        match code {
            READ_COILS => "read_coils",
            READ_DISCRETE_INPUTS => "read_discrete_inputs",
            READ_HOLDING_REGISTERS => "read_holding_registers",
            READ_INPUT_REGISTERS => "read_input_registers",
            WRITE_SINGLE_COIL => "write_single_coil",
            WRITE_SINGLE_REGISTER => "write_single_register",
            WRITE_MULTIPLE_COILS => "write_multiple_coils",
            WRITE_MULTIPLE_REGISTERS => "write_multiple_registers",
            MASK_WRITE_REGISTER => "mask_write_register",
            _ => "other",
        }
    }
}

/// A Modbus exception code, sent back as `function | 0x80` followed by the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionCode {
    /// 0x01: the function code is not supported.
    IllegalFunction,
    /// 0x02: the address range is not (fully) served by the device.
    IllegalDataAddress,
    /// 0x03: a value in the request is not allowed (quantity, byte count, coil value).
    IllegalDataValue,
    /// 0x04: the device failed while performing the request.
    ServerDeviceFailure,
    /// 0x05: the request is accepted and will take long; the device performs it later.
    Acknowledge,
    /// 0x06: the device is busy; try again later.
    ServerDeviceBusy,
    /// 0x0B: a gateway got no answer from the addressed unit.
    GatewayTargetDeviceFailedToRespond,
    /// Any other code received from the wire.
    Other(u8),
}

impl ExceptionCode {
    /// The code byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            ExceptionCode::IllegalFunction => 0x01,
            ExceptionCode::IllegalDataAddress => 0x02,
            ExceptionCode::IllegalDataValue => 0x03,
            ExceptionCode::ServerDeviceFailure => 0x04,
            ExceptionCode::Acknowledge => 0x05,
            ExceptionCode::ServerDeviceBusy => 0x06,
            ExceptionCode::GatewayTargetDeviceFailedToRespond => 0x0B,
            ExceptionCode::Other(code) => code,
        }
    }

    /// The exception for a code byte.
    pub fn from_code(code: u8) -> Self {
        match code {
            0x01 => ExceptionCode::IllegalFunction,
            0x02 => ExceptionCode::IllegalDataAddress,
            0x03 => ExceptionCode::IllegalDataValue,
            0x04 => ExceptionCode::ServerDeviceFailure,
            0x05 => ExceptionCode::Acknowledge,
            0x06 => ExceptionCode::ServerDeviceBusy,
            0x0B => ExceptionCode::GatewayTargetDeviceFailedToRespond,
            other => ExceptionCode::Other(other),
        }
    }
}

impl fmt::Display for ExceptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ExceptionCode::IllegalFunction => "illegal function",
            ExceptionCode::IllegalDataAddress => "illegal data address",
            ExceptionCode::IllegalDataValue => "illegal data value",
            ExceptionCode::ServerDeviceFailure => "server device failure",
            ExceptionCode::Acknowledge => "acknowledge",
            ExceptionCode::ServerDeviceBusy => "server device busy",
            ExceptionCode::GatewayTargetDeviceFailedToRespond => {
                "gateway target device failed to respond"
            }
            ExceptionCode::Other(code) => return write!(f, "exception 0x{code:02X}"),
        };
        write!(f, "{text} (0x{:02X})", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_codes_round_trip() {
        for code in 0..=u8::MAX {
            assert_eq!(ExceptionCode::from_code(code).code(), code);
        }
        assert_eq!(
            ExceptionCode::from_code(0x0B),
            ExceptionCode::GatewayTargetDeviceFailedToRespond
        );
    }

    #[test]
    fn exception_display_names_the_code() {
        assert_eq!(
            ExceptionCode::ServerDeviceBusy.to_string(),
            "server device busy (0x06)"
        );
        assert_eq!(ExceptionCode::Other(0x0A).to_string(), "exception 0x0A");
    }

    #[test]
    fn function_names_label_metrics() {
        assert_eq!(function::name(3), "read_holding_registers");
        assert_eq!(function::name(0x2B), "other");
    }
}
