//! Device I/O: the one small trait through which the engine reaches PLCs, its Modbus
//! TCP implementation, an in-memory implementation for tests, read batching, and the
//! session that adds timeouts, retries (of reads; a write is never re-sent once it
//! left) and reconnects.
//!
//! Transport failures (no connection, timeout, broken frame) and device exceptions
//! (the PLC answered "no") are different types all the way up: an exception is an
//! answer and is never retried.

pub mod allow;
pub mod batch;
pub mod endpoint;
mod fresh;
pub mod learned;
pub mod limits;
pub mod memory;
pub mod modbus;
pub mod serial;
mod session;
pub mod tls;
pub mod transport;
mod watched;

use std::fmt;
use std::future::Future;
use std::time::Duration;

pub use limits::Limits;
pub use session::{RetryPolicy, Session};
pub use transport::Transport;

use crate::register::RegisterKind;

/// `host:port` as users write it, an IPv6 address in brackets (`[::1]:502`).
pub fn endpoint_name(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Where a device is, as output names it: `host:port`, or the serial line of `rtu`.
pub fn endpoint_of(host: &str, port: u16, transport: &Transport) -> String {
    match transport {
        Transport::Rtu(serial) => serial.device.display().to_string(),
        Transport::Tcp | Transport::RtuOverTcp | Transport::Tls(_) => endpoint_name(host, port),
    }
}

/// A Modbus exception code returned by a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Exception(pub u8);

impl Exception {
    pub const ILLEGAL_FUNCTION: Exception = Exception(0x01);
    pub const ILLEGAL_DATA_ADDRESS: Exception = Exception(0x02);
    pub const ILLEGAL_DATA_VALUE: Exception = Exception(0x03);
    pub const SERVER_DEVICE_FAILURE: Exception = Exception(0x04);
    pub const ACKNOWLEDGE: Exception = Exception(0x05);
    pub const SERVER_DEVICE_BUSY: Exception = Exception(0x06);
    pub const GATEWAY_PATH_UNAVAILABLE: Exception = Exception(0x0A);
    pub const GATEWAY_TARGET_FAILED: Exception = Exception(0x0B);

    /// The standard name of the code.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x01 => "IllegalFunction",
            0x02 => "IllegalDataAddress",
            0x03 => "IllegalDataValue",
            0x04 => "ServerDeviceFailure",
            0x05 => "Acknowledge",
            0x06 => "ServerDeviceBusy",
            0x08 => "MemoryParityError",
            0x0A => "GatewayPathUnavailable",
            0x0B => "GatewayTargetDeviceFailedToRespond",
            _ => "UnknownException",
        }
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (exception 0x{:02X})", self.name(), self.0)
    }
}

/// A failure to talk to a device at all: the request may or may not have arrived.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect to {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("no answer within {} ms", timeout.as_millis())]
    Timeout { timeout: Duration },
    #[error("connection lost: {reason}")]
    Io { reason: String },
    #[error("malformed response: {reason}")]
    Protocol { reason: String },
    /// The device closed (or reset) the connection instead of answering.
    #[error(
        "the device closed the connection: it may accept only one client (is another master, HMI or SCADA connected?)"
    )]
    Closed,
    /// The answer came with another unit id in its header than the request's.
    /// `serial`: on a serial line (RTU framing), where unit 0 is broadcast and no
    /// unit answers for it.
    #[error("the device answered for unit {answered}, not unit {asked}: {}", wrong_unit_hint(*.answered, *.serial))]
    WrongUnit {
        asked: u8,
        answered: u8,
        serial: bool,
    },
    /// A read answered ServerDeviceBusy (or Acknowledge) every time it was sent again.
    #[error(
        "the device stayed busy: {exception} through {retries} retries over {} ms",
        waited.as_millis()
    )]
    Busy {
        exception: Exception,
        retries: u32,
        waited: Duration,
    },
    /// A gateway answered a write GatewayTargetDeviceFailedToRespond: its wait for the
    /// device behind it ran out, and the device may have performed the write.
    #[error(
        "the gateway got no answer from the device behind it (GatewayTargetDeviceFailedToRespond, exception 0x0B): the device may or may not have performed the write"
    )]
    GatewayTimedOut,
}

/// What a failure to read a PLC amounts to, as a plan labels it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Nothing usable came back from the device (or from the gateway for it).
    Unreachable,
    /// The device answered, but not usably (another unit id, a malformed answer).
    UnusableAnswer,
    /// The device answered busy to every retry.
    Busy,
    /// The PLC was not read: the run was stopped first, or only a message is known.
    NotRead,
}

impl Failure {
    /// The label: "unreachable", "unusable answer", "busy" or "not read".
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Unreachable => "unreachable",
            Failure::UnusableAnswer => "unusable answer",
            Failure::Busy => "busy",
            Failure::NotRead => "not read",
        }
    }

    /// Whether the device answered: reached, yet not read.
    pub fn answered(self) -> bool {
        matches!(self, Failure::UnusableAnswer | Failure::Busy)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TransportError {
    /// What this failure amounts to: whether the device could not be reached at all,
    /// or answered in a way that could not be used.
    pub fn failure(&self) -> Failure {
        match self {
            TransportError::Connect { .. }
            | TransportError::Timeout { .. }
            | TransportError::Io { .. }
            | TransportError::Closed
            | TransportError::GatewayTimedOut => Failure::Unreachable,
            TransportError::Protocol { .. } | TransportError::WrongUnit { .. } => {
                Failure::UnusableAnswer
            }
            TransportError::Busy { .. } => Failure::Busy,
        }
    }
}

/// What to check when a device answers for another unit id: on a serial line never
/// to set unitId to 0 (broadcast: every device on the line performs the write).
fn wrong_unit_hint(answered: u8, serial: bool) -> String {
    match serial {
        false => "check spec.unitId (a gateway may answer for unit 0 when it answers itself, and a device that is not behind a gateway may answer for unit 0 or 255 whatever it is asked: then set unitId to that)".to_owned(),
        true if (1..=247).contains(&answered) => format!("check spec.unitId: another device on the line answers, or this one has unit id {answered} (then set unitId to that)"),
        true => "check spec.unitId and the device's own unit id setting (on a serial line unit ids are 1 to 247; 0 is broadcast, which no device answers)".to_owned(),
    }
}

impl TransportError {
    /// Whether sending the request again may get another result: not for an answer
    /// for another unit (the device will answer the same way), nor for a device that
    /// stayed busy through its retries.
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            TransportError::WrongUnit { .. } | TransportError::Busy { .. }
        )
    }
}

/// The result of one Modbus request: transport failure, device exception, or data.
pub type IoResult<T> = Result<Result<T, Exception>, TransportError>;

/// What a write request says it writes, and what a device's answer says it wrote:
/// FC05/FC06 echo the address and the value, FC15/FC16 the start address and the
/// quantity. Coils are 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteEcho {
    /// FC05/FC06.
    Single { address: u16, value: u16 },
    /// FC15/FC16.
    Multiple { start: u16, quantity: u16 },
    /// FC22: the address and both masks.
    Mask { address: u16, and: u16, or: u16 },
}

impl WriteEcho {
    /// The echo a correct device gives to writing `words` from `start`, with FC05/FC06
    /// when `single`, else FC15/FC16.
    pub fn of(single: bool, start: u16, words: &[u16]) -> Self {
        match words {
            [value] if single => WriteEcho::Single {
                address: start,
                value: *value,
            },
            _ => WriteEcho::Multiple {
                start,
                quantity: u16::try_from(words.len()).unwrap_or(u16::MAX),
            },
        }
    }

    /// The two numbers it carries, as `X, N`.
    pub fn numbers(self) -> String {
        match self {
            WriteEcho::Single { address, value } => format!("{address}, {value}"),
            WriteEcho::Multiple { start, quantity } => format!("{start}, {quantity}"),
            WriteEcho::Mask { address, and, or } => {
                format!("{address}, AND 0x{and:04X}, OR 0x{or:04X}")
            }
        }
    }
}

impl fmt::Display for WriteEcho {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WriteEcho::Single { address, value } => write!(f, "address {address}, value {value}"),
            WriteEcho::Multiple { start, quantity } => {
                write!(f, "address {start}, quantity {quantity}")
            }
            WriteEcho::Mask { address, and, or } => {
                write!(
                    f,
                    "address {address}, AND mask 0x{and:04X}, OR mask 0x{or:04X}"
                )
            }
        }
    }
}

/// One open connection to an endpoint (host:port), shared by every unit id behind it.
/// One request is in flight at a time. Bit tables (coils, discrete inputs) use one
/// word per bit, 0 or 1. Writes return the device's echo as it came, unchecked: the
/// engine compares it with what it sent.
pub trait RegisterIo: Send {
    /// FC01/FC02/FC03/FC04 depending on `kind`.
    fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
    ) -> impl Future<Output = IoResult<Vec<u16>>> + Send;

    /// FC06.
    fn write_single_register(
        &mut self,
        unit: u8,
        address: u16,
        word: u16,
    ) -> impl Future<Output = IoResult<WriteEcho>> + Send;

    /// FC16.
    fn write_registers(
        &mut self,
        unit: u8,
        start: u16,
        words: &[u16],
    ) -> impl Future<Output = IoResult<WriteEcho>> + Send;

    /// FC05.
    fn write_single_coil(
        &mut self,
        unit: u8,
        address: u16,
        bit: bool,
    ) -> impl Future<Output = IoResult<WriteEcho>> + Send;

    /// FC15.
    fn write_coils(
        &mut self,
        unit: u8,
        start: u16,
        bits: &[bool],
    ) -> impl Future<Output = IoResult<WriteEcho>> + Send;

    /// FC22 Mask Write Register: the device sets the holding register at `address` to
    /// `(word AND and_mask) OR (or_mask AND NOT and_mask)` in one step.
    fn mask_write_register(
        &mut self,
        unit: u8,
        address: u16,
        and_mask: u16,
        or_mask: u16,
    ) -> impl Future<Output = IoResult<WriteEcho>> + Send;

    /// Whether the device closed this connection, as far as can be told without
    /// waiting: no request is sent on a connection the device closed.
    fn is_closed(&self) -> bool {
        false
    }
}

/// Opens connections. The engine is generic over it, so it runs against real
/// devices or the in-memory fake. Cheap to clone: every endpoint's session task
/// holds its own.
pub trait Connector: Clone + Send + Sync + 'static {
    type Io: RegisterIo;

    /// Connects to `host:port` (or the serial line of `transport`) within `timeout`.
    fn connect(
        &self,
        host: &str,
        port: u16,
        transport: &Transport,
        timeout: Duration,
    ) -> impl Future<Output = Result<Self::Io, TransportError>> + Send;
}
