//! [`Transport`]: how a device is reached, with the settings each way needs, as the
//! manifest resolves them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::manifest::spec::{Parity, TransportKind};

/// How a device is reached.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Transport {
    /// Modbus TCP.
    #[default]
    Tcp,
    /// RTU frames over a TCP socket (a transparent serial gateway).
    RtuOverTcp,
    /// Modbus/TCP Security.
    Tls(TlsSettings),
    /// A serial line.
    Rtu(SerialSettings),
}

impl Transport {
    /// Which kind of transport this is.
    pub fn kind(&self) -> TransportKind {
        match self {
            Transport::Tcp => TransportKind::Tcp,
            Transport::RtuOverTcp => TransportKind::RtuOverTcp,
            Transport::Tls(_) => TransportKind::Tls,
            Transport::Rtu(_) => TransportKind::Rtu,
        }
    }

    /// Whether this is plain Modbus TCP (nothing to record in a plan).
    pub fn is_tcp(&self) -> bool {
        *self == Transport::Tcp
    }
}

/// The files and name of a Modbus/TCP Security connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsSettings {
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// The name the device's certificate must carry.
    pub server_name: String,
}

/// A serial line's settings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SerialSettings {
    pub device: PathBuf,
    pub baud_rate: u32,
    pub parity: Parity,
    pub data_bits: u8,
    pub stop_bits: u8,
}
