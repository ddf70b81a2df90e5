//! The validated, resolved form of a manifest that the engine and the simulator use:
//! defaults applied, the original operator's shorthand expanded, each register paired
//! with its [`Codec`] and its place in the source file.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::manifest::spec::Mode;
use crate::register::{Bound, Codec, RegisterKind, Value};

/// A place in a manifest file (1-based line and column; line 0 means the whole file).
/// An object read from the cluster has no lines: its `file` names the object and the
/// field (`cluster:plant-a/press-1:spec.port`), with line 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceLoc {
    pub file: Arc<PathBuf>,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
        }
    }
}

/// One PLC, validated and ready to be planned.
#[derive(Clone, Debug, PartialEq)]
pub struct Plc {
    pub namespace: String,
    pub name: String,
    /// Host name or IP address.
    pub host: String,
    pub port: u16,
    pub unit_id: u8,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub auto_correct: bool,
    /// When writes are allowed (empty: always).
    pub write_windows: Vec<crate::manifest::spec::WriteWindowSpec>,
    /// Least time between two write requests.
    pub min_write_interval: Duration,
    /// What the device accepts in one request.
    pub limits: crate::device::Limits,
    /// How the device is reached.
    pub transport: crate::device::Transport,
    pub registers: Vec<Register>,
    /// Where the document starts.
    pub source: SourceLoc,
}

impl Plc {
    /// `namespace/name`, how output and logs identify the PLC.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// `host:port`, or the serial line of `transport: rtu`.
    pub fn endpoint(&self) -> String {
        crate::device::endpoint_of(&self.host, self.port, &self.transport)
    }
}

/// One register of a PLC, validated: its desired value encodes within its type and
/// lies within its bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Register {
    pub name: String,
    pub address: u16,
    pub kind: RegisterKind,
    pub codec: Codec,
    /// For a `bool` in a holding or input register: its bit of the word (0 = least
    /// significant).
    pub bit: Option<u8>,
    /// Where the register is read (plan, compare-and-set, read-back), when the device
    /// shows it elsewhere than at `address`, where it is written.
    pub read_address: Option<u16>,
    /// Desired engineering value, as the manifest wrote it.
    pub desired: Value,
    pub tolerance: f64,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub mode: Mode,
    /// Where the register is declared.
    pub source: SourceLoc,
}

impl Register {
    /// Number of words (or bits) the register occupies.
    pub fn width(&self) -> u16 {
        self.codec.width()
    }

    /// Where the register is read: `read_address`, else `address`.
    pub fn read_at(&self) -> u16 {
        self.read_address.unwrap_or(self.address)
    }

    /// Whether fabctl may write this register: enforce mode on a writable kind.
    pub fn is_enforced(&self) -> bool {
        self.mode == Mode::Enforce && self.kind.is_writable()
    }
}
