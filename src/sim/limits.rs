//! [`DeviceLimits`]: the request sizes a simulated device accepts and how it answers
//! a read of an undeclared address, as real meters and PLCs differ (scenario
//! `limits:`, `fabctl sim --max-read-registers` …). A request larger than a limit is
//! answered IllegalDataValue, as such devices do.

use serde::Deserialize;

use crate::modbus::{ExceptionCode, Request};

/// What a simulated device accepts; the protocol's maxima by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DeviceLimits {
    /// Most registers one FC03/FC04 reads.
    pub max_read_registers: u16,
    /// Most registers one FC16 writes.
    pub max_write_registers: u16,
    /// Most bits one FC01/FC02 reads.
    pub max_read_bits: u16,
    /// Most coils one FC15 writes.
    pub max_write_bits: u16,
    /// The answer to a read that touches an undeclared address.
    pub undeclared_read: UndeclaredRead,
}

impl Default for DeviceLimits {
    fn default() -> Self {
        DeviceLimits {
            max_read_registers: crate::modbus::pdu::MAX_READ_REGISTERS,
            max_write_registers: crate::modbus::pdu::MAX_WRITE_REGISTERS,
            max_read_bits: crate::modbus::pdu::MAX_READ_BITS,
            max_write_bits: crate::modbus::pdu::MAX_WRITE_BITS,
            undeclared_read: UndeclaredRead::IllegalDataAddress,
        }
    }
}

/// How a device answers a read that touches an undeclared address (a gap between
/// its registers, or beyond them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "camelCase")]
pub enum UndeclaredRead {
    /// As the standard says (and pymodbus does).
    #[default]
    IllegalDataAddress,
    /// As some energy meters do.
    IllegalDataValue,
    /// As some gateways do.
    ServerDeviceFailure,
}

impl UndeclaredRead {
    pub fn code(self) -> ExceptionCode {
        match self {
            UndeclaredRead::IllegalDataAddress => ExceptionCode::IllegalDataAddress,
            UndeclaredRead::IllegalDataValue => ExceptionCode::IllegalDataValue,
            UndeclaredRead::ServerDeviceFailure => ExceptionCode::ServerDeviceFailure,
        }
    }
}

impl DeviceLimits {
    /// Whether the device refuses `request` for its size (IllegalDataValue).
    pub fn refuses(&self, request: &Request<'_>) -> bool {
        let (quantity, max) = match request {
            Request::ReadCoils { quantity, .. } | Request::ReadDiscreteInputs { quantity, .. } => {
                (usize::from(*quantity), self.max_read_bits)
            }
            Request::ReadHoldingRegisters { quantity, .. }
            | Request::ReadInputRegisters { quantity, .. } => {
                (usize::from(*quantity), self.max_read_registers)
            }
            Request::WriteMultipleCoils { values, .. } => {
                (usize::from(values.len()), self.max_write_bits)
            }
            Request::WriteMultipleRegisters { values, .. } => {
                (usize::from(values.len()), self.max_write_registers)
            }
            _ => return false,
        };
        quantity > usize::from(max)
    }
}
