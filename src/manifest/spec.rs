//! The `IndustrialPLC` custom resource: the one Rust type that is the Kubernetes CRD,
//! the JSON Schema of a manifest, and what `fabctl plan` loads.

// kube's `printcolumn(type_ = ...)` repeats keys by design; clippy reads them as
// duplicated attributes.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::register::{Bound, ByteOrder, RegisterKind, Value, ValueType, WordOrder};

/// API group of the resource.
pub const GROUP: &str = "fabgitops.io";
/// API version of the resource.
pub const VERSION: &str = "v1";
/// `apiVersion` as written in manifests.
pub const API_VERSION: &str = "fabgitops.io/v1";
/// `kind` as written in manifests.
pub const KIND: &str = "IndustrialPLC";
/// Annotation `fabctl sync NAME` sets (to an RFC 3339 time) to make the agent
/// reconcile the resource at once.
pub const SYNC_ANNOTATION: &str = "fabgitops.io/sync-requested-at";

/// Desired state of one PLC: where it is and which register values it must hold.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "fabgitops.io",
    version = "v1",
    kind = "IndustrialPLC",
    plural = "industrialplcs",
    singular = "industrialplc",
    shortname = "plc",
    namespaced,
    status = "IndustrialPLCStatus",
    doc = "A PLC whose Modbus register values are managed declaratively by fabctl",
    printcolumn(name = "Device", type_ = "string", json_path = ".spec.deviceAddress"),
    printcolumn(
        name = "Register",
        type_ = "integer",
        json_path = ".spec.targetRegister"
    ),
    printcolumn(name = "Desired", type_ = "integer", json_path = ".spec.targetValue"),
    printcolumn(name = "Actual", type_ = "integer", json_path = ".status.currentValue"),
    printcolumn(name = "In Sync", type_ = "boolean", json_path = ".status.inSync"),
    printcolumn(name = "Status", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndustrialPLCSpec {
    /// Host name or IP address of the PLC (or of the Modbus gateway in front of it).
    #[schemars(length(min = 1, max = 253))]
    pub device_address: String,
    /// TCP port (default: 502, and 802 with `transport: tls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub port: Option<u16>,
    /// Modbus unit id (slave id) of the PLC behind the address.
    #[serde(default = "default_unit_id")]
    pub unit_id: u8,
    /// Timeout of one Modbus request, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    #[schemars(range(min = 1, max = 600000))]
    pub timeout_ms: u32,
    /// How often the agent re-reads the PLC, in seconds.
    #[serde(default = "default_poll_interval_secs")]
    #[schemars(range(min = 1, max = 86400))]
    pub poll_interval_secs: u32,
    /// Whether reconcile and the agent write corrections (false: observe only).
    #[serde(default = "default_true")]
    pub auto_correct: bool,
    /// Free-form tags for categorization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Registers whose values are managed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registers: Vec<RegisterSpec>,
    /// When fabctl may write this PLC (cron schedule + duration + time zone); outside
    /// every window, drift is reported as blocked and nothing is written. Empty: always.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_windows: Vec<WriteWindowSpec>,
    /// Least time between two write requests to this PLC, in milliseconds, so a slow
    /// device is never flooded (0: no pacing).
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(max = 600000))]
    pub min_write_interval_ms: u32,
    /// What the device accepts in one request; a field not set is the protocol's
    /// maximum (or what fabctl learns from the device in the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Box<LimitsSpec>>,
    /// How the device is reached: tcp (Modbus TCP, default), rtu-over-tcp (RTU frames
    /// over a TCP socket: a transparent serial gateway), tls (Modbus/TCP Security) or
    /// rtu (a serial line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportKind>,
    /// Certificates of Modbus/TCP Security (`transport: tls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Box<TlsSpec>>,
    /// The serial line (`transport: rtu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<Box<SerialSpec>>,
    /// The PLCModel (same namespace) whose registers, limits and transport this PLC
    /// inherits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub model: Option<String>,
    /// Values of the model's registers for this PLC, by register name (a register
    /// left out keeps the model's default).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub values: std::collections::BTreeMap<String, Value>,
    /// Shorthand of the original operator: the address of one u16 holding register
    /// (named `target`) whose desired value is `targetValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_register: Option<u16>,
    /// Shorthand of the original operator: the desired value of `targetRegister`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value: Option<i64>,
}

/// What a device accepts in one request. Each field left out is the protocol's maximum.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitsSpec {
    /// Registers one FC03/FC04 read may ask for (protocol maximum 125).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 125))]
    pub max_read_registers: Option<u16>,
    /// Registers one FC16 write may carry (protocol maximum 123).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 123))]
    pub max_write_registers: Option<u16>,
    /// Bits one FC01/FC02 read may ask for (protocol maximum 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2000))]
    pub max_read_bits: Option<u16>,
    /// Bits one FC15 write may carry (protocol maximum 1968).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1968))]
    pub max_write_bits: Option<u16>,
    /// Undeclared addresses one read may span between declared ones (default 8;
    /// 0 = never read an address the manifest does not declare).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 125))]
    pub max_gap: Option<u16>,
    /// Which write function codes to use: auto (FC15/FC16 for runs, falling back to
    /// FC05/FC06 on a device without them), single (FC05/FC06 only) or multiple
    /// (FC15/FC16 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_function: Option<WriteFunction>,
    /// Least time between two requests of any kind, in milliseconds (0: no pacing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 600000))]
    pub request_interval_ms: Option<u32>,
}

/// Which write function codes a device is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WriteFunction {
    /// FC15/FC16 for runs of adjacent items; FC05/FC06 for one item, and for every item
    /// of a device that answers IllegalFunction to FC15/FC16.
    #[default]
    Auto,
    /// FC05/FC06 only: one item per request (a multi-word value cannot be written).
    Single,
    /// FC15/FC16 only, even for one item.
    Multiple,
}

/// How fabctl reaches a device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    /// Modbus TCP (default port 502).
    #[default]
    Tcp,
    /// RTU frames (with CRC) over a TCP socket: a serial gateway in transparent mode.
    RtuOverTcp,
    /// Modbus/TCP Security: Modbus TCP inside TLS 1.2+ with X.509 client certificates
    /// (default port 802).
    Tls,
    /// Modbus RTU on a serial line (RS-485, RS-232).
    Rtu,
}

impl TransportKind {
    /// The port a device listens on when `spec.port` is not written.
    pub fn default_port(self) -> u16 {
        match self {
            TransportKind::Tls => 802,
            TransportKind::Tcp | TransportKind::RtuOverTcp | TransportKind::Rtu => 502,
        }
    }
}

impl IndustrialPLCSpec {
    /// `spec.port`, or the default port of the transport.
    pub fn port_or_default(&self) -> u16 {
        self.port
            .unwrap_or_else(|| self.transport.unwrap_or_default().default_port())
    }
}

/// Certificates of a Modbus/TCP Security connection (PEM files).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsSpec {
    /// The CA certificate(s) the device's certificate must chain to.
    pub ca_file: String,
    /// The client certificate fabctl presents.
    pub cert_file: String,
    /// The private key of `certFile`.
    pub key_file: String,
    /// The name the device's certificate must carry (default: `deviceAddress`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
}

/// A serial line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SerialSpec {
    /// The serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/….
    pub device: String,
    /// Baud rate (default 19200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud_rate: Option<u32>,
    /// none, even (default) or odd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parity: Option<Parity>,
    /// 7 or 8 (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_bits: Option<u8>,
    /// 1 or 2 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_bits: Option<u8>,
}

/// Parity of a serial line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    None,
    #[default]
    Even,
    Odd,
}

/// A time when writes are allowed: from each start the schedule gives, for `duration`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteWindowSpec {
    /// Standard 5-field cron: minute hour day-of-month month day-of-week, e.g. "0 22 * * 1-5".
    pub schedule: String,
    /// How long the window stays open, e.g. "8h", "30m".
    pub duration: String,
    /// IANA time zone of the schedule, e.g. "Europe/Berlin" (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// One managed register (or coil). `V` is the type of `value`: required in a PLC,
/// optional (a default) in a [`PLCModel`](super::template::PLCModel).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterSpec<V = Value> {
    /// Unique within the PLC; lowercase letters, digits, `_` and `-`.
    #[schemars(length(min = 1, max = 63))]
    pub name: String,
    /// Zero-based protocol (PDU) address.
    pub address: u16,
    /// The Modbus table: holding (default), coil, input or discrete.
    #[serde(default)]
    pub kind: RegisterKind,
    /// Data type; default u16 (bool for coil and discrete, and with `bit`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub value_type: Option<ValueType>,
    /// For `type: bool` on a holding or input register: the bit of the word it is,
    /// 0 (least significant) to 15. Written without touching the other 15 bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit: Option<u8>,
    /// Where the device shows a written holding register or coil when it is read, if
    /// not at `address` (WAGO couplers: output image written at 0, read at 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_address: Option<u16>,
    /// Order of the words of multi-word types: big (ABCD, default) or little (CDAB).
    #[serde(default)]
    pub word_order: WordOrder,
    /// Order of the two bytes in each word: big (default, as Modbus specifies) or
    /// little (byte-swapped: BADC, or DCBA with `wordOrder: little`).
    #[serde(default, skip_serializing_if = "ByteOrder::is_big")]
    pub byte_order: ByteOrder,
    /// For `type: string`: the registers it occupies (1 to 123), two ASCII characters
    /// each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u16>,
    /// engineering value = raw * scale + offset.
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// engineering value = raw * scale + offset.
    #[serde(default)]
    pub offset: f64,
    /// Desired engineering value (in a PLCModel: the default, optional).
    pub value: V,
    /// |live - desired| <= tolerance counts as in sync.
    #[serde(default)]
    pub tolerance: f64,
    /// Lowest desired value allowed (safety bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// Highest desired value allowed (safety bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
    /// enforce (write corrections) or observe (report drift, never write).
    #[serde(default)]
    pub mode: Mode,
}

impl<V> RegisterSpec<V> {
    /// The same register with another `value` (a model's register with a PLC's value).
    pub fn with_value<W>(self, value: W) -> RegisterSpec<W> {
        let RegisterSpec {
            name,
            address,
            kind,
            value_type,
            bit,
            read_address,
            word_order,
            byte_order,
            length,
            scale,
            offset,
            value: _,
            tolerance,
            min,
            max,
            mode,
        } = self;
        RegisterSpec {
            name,
            address,
            kind,
            value_type,
            bit,
            read_address,
            word_order,
            byte_order,
            length,
            scale,
            offset,
            value,
            tolerance,
            min,
            max,
            mode,
        }
    }

    /// The registers the value occupies: its type's width, or a string's `length` (1
    /// when it is missing, which validation reports).
    pub fn width(&self) -> u16 {
        self.value_type()
            .width()
            .unwrap_or(self.length.unwrap_or(1))
    }

    /// The declared type, or the default for the register's kind.
    pub fn value_type(&self) -> ValueType {
        self.value_type
            .unwrap_or(if self.kind.is_bit() || self.bit.is_some() {
                ValueType::Bool
            } else {
                ValueType::U16
            })
    }
}

/// Whether drift of a register is corrected or only reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Enforce,
    Observe,
}

/// Observed state, written by `fabctl agent`. Keeps the original operator's fields.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndustrialPLCStatus {
    /// Pending, Connecting, Connected, DriftDetected, Correcting or Failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// RFC 3339 time of the last status update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<String>,
    /// Live value of the `target` register (the original operator's single register).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_value: Option<i64>,
    /// Whether every register was within tolerance at the last reconcile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_sync: Option<bool>,
    /// Number of drifts detected so far.
    #[serde(default)]
    pub drift_events: i64,
    /// Number of corrections written and verified so far.
    #[serde(default)]
    pub corrections_applied: i64,
    /// The last error, if the last reconcile failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Human-readable summary of the last reconcile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The `metadata.generation` of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The `fabgitops.io/sync-requested-at` annotation value the agent last handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_request: Option<String>,
    /// Each register as observed at the last reconcile (empty when the PLC was not reached).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registers: Vec<RegisterStatus>,
    /// `Ready`, `Reachable` and `InSync`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// One register as the agent observed it at the last reconcile.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterStatus {
    /// The register's name in the spec.
    pub name: String,
    /// The Modbus table.
    pub kind: RegisterKind,
    /// Zero-based protocol (PDU) address.
    pub address: u16,
    /// Live engineering value (after a verified correction, the value read back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Value>,
    /// Desired engineering value.
    pub desired: Value,
    /// Whether the live value is within tolerance of the desired value.
    pub in_sync: bool,
    /// What the last reconcile did with the register.
    pub action: RegisterAction,
    /// Why the register is not in sync, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What the last reconcile did with a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RegisterAction {
    /// Within tolerance; nothing written.
    InSync,
    /// Drifted, written and verified by read-back.
    Corrected,
    /// Drifted and not written: observe mode, read-only kind, or `autoCorrect: false`.
    Drifted,
    /// Drifted and not written: another writer (the PLC program, an HMI) rewrote it
    /// after each of the last corrections. Written again when its manifest changes, on
    /// `fabctl sync`, or once it stays in sync by itself.
    Conflict,
    /// Not written: the value changed between the read and the write (retried next poll).
    Stale,
    /// Written (or attempted) but not verified: the device refused or the read-back differs.
    CorrectionFailed,
    /// Could not be read or decoded.
    ReadFailed,
}

/// Lifecycle phase, as the original operator reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Phase {
    Pending,
    Connecting,
    Connected,
    DriftDetected,
    Correcting,
    Failed,
}

fn default_unit_id() -> u8 {
    1
}
fn default_timeout_ms() -> u32 {
    1000
}
fn default_poll_interval_secs() -> u32 {
    5
}
fn is_zero(v: &u32) -> bool {
    *v == 0
}
fn default_true() -> bool {
    true
}
fn default_scale() -> f64 {
    1.0
}
