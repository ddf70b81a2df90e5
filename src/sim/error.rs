//! [`SimError`]: every way the simulator can fail to start or run, with the context
//! (file, line, device, register, address) a user needs to fix it.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::register::RegisterKind;

/// A simulator failure. Per-request problems (bad frames, faults) are never errors:
/// they are logged and the server carries on.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{source}")]
    OpenFiles {
        #[from]
        source: crate::process::limits::LimitError,
    },
    /// The manifests of `--from` are invalid; every problem is in `diagnostics`.
    #[error("cannot load manifests: {}", diagnostics.to_string().trim_end())]
    Manifest {
        diagnostics: crate::manifest::Diagnostics,
    },
    #[error(
        "nothing to simulate: give --from PATH (manifests) or --config FILE (a scenario in sim/)"
    )]
    NothingToSimulate,
    #[error("cannot read {}: {source}", path.display())]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}{}: {message}", path.display(), location_suffix(*line, *column))]
    ParseConfig {
        path: PathBuf,
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    },
    #[error("cannot load the scenario: {}", problems.to_string().trim_end())]
    InvalidScenario {
        problems: crate::manifest::Diagnostics,
    },
    #[error("device {device}, register {register}: {reason}")]
    InvalidRegister {
        device: String,
        register: String,
        reason: String,
    },
    #[error("device {device}: registers {first} and {second} overlap in the {kind} table")]
    OverlappingRegisters {
        device: String,
        kind: RegisterKind,
        first: String,
        second: String,
    },
    #[error("device {device}: {reason}")]
    InvalidDevice { device: String, reason: String },
    #[error("two devices are named {name}")]
    DuplicateDevice { name: String },
    #[error(
        "{listen}: unit {unit} is served by both {first} and {second}; devices sharing an endpoint need distinct unit ids"
    )]
    DuplicateUnit {
        listen: SocketAddr,
        unit: u8,
        first: String,
        second: String,
    },
    #[error("{flag} {name}: no simulated device has that name (devices: {known})")]
    UnknownDevice {
        flag: &'static str,
        name: String,
        known: String,
    },
    #[error("{what} must be {expected}, got {value}")]
    InvalidSetting {
        what: String,
        expected: &'static str,
        value: f64,
    },
    #[error("cannot open a pseudo-terminal for {what}: {reason}")]
    Line { what: String, reason: String },
    #[error("cannot listen on {addr} for {what}: {source}")]
    Bind {
        addr: SocketAddr,
        what: String,
        #[source]
        source: io::Error,
    },
    /// The certificates of `--transport tls` cannot be used or made.
    #[error("TLS: {reason}")]
    Tls { reason: String },
    #[error("cannot listen for Ctrl-C or SIGTERM: {source}")]
    Signal {
        #[source]
        source: io::Error,
    },
}

fn location_suffix(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_point_at_the_line() {
        let error = SimError::ParseConfig {
            path: "sim/x.yaml".into(),
            line: Some(4),
            column: Some(7),
            message: "unknown field `adress`".into(),
        };
        assert_eq!(error.to_string(), "sim/x.yaml:4:7: unknown field `adress`");
    }
}
