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

/// `spec.transport` as manifests write it.
pub fn name(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Tcp => "tcp",
        TransportKind::RtuOverTcp => "rtu-over-tcp",
        TransportKind::Tls => "tls",
        TransportKind::Rtu => "rtu",
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
    /// SHA-256 of the CA certificates in `ca_file` when the manifest was read (`sha256:`
    /// and hex; empty when unknown). A saved plan carries it, so a plan made against
    /// one CA is never applied trusting another file at the same path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_digest: String,
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
