//! Scenario files (`sim/*.yaml`, `fabctl sim --config FILE`): simulated devices
//! written by hand, with the same register entries as `IndustrialPLC` manifests.
//!
//! ```yaml
//! devices:
//!   - name: line-1/gateway-a      # how logs, --silent and the in-process API name it
//!     listen: 127.0.0.1:5502      # IP:PORT; devices with the same listen share a listener
//!     unitId: 1                   # or unitIds: [1, 2] (same tables on every id); default 1
//!     faults:                     # optional; each field overrides the command-line flag
//!       latencyMs: 200            #   delay before every reply
//!       dropRate: 0.0             #   probability of closing the connection instead
//!       exceptionRate: 0.0        #   probability of ServerDeviceBusy/ServerDeviceFailure
//!       garbageRate: 0.0          #   probability of a malformed reply
//!       silent: false             #   accept and read requests, never reply
//!       writeLatencyMs: 500       #   perform writes at once, reply this much later
//!       writeEchoOffset: 0        #   answer writes for the address this much higher
//!       acknowledgeWritesMs: 100  #   answer writes Acknowledge, perform them this later
//!       busyEvery: 3              #   every 3rd read and every 3rd write: ServerDeviceBusy
//!       answerUnitId: 0           #   replies carry this unit id, whatever was asked
//!       closeAfterReply: true     #   close the connection after each reply
//!     maskWrite: false            # optional: answer FC22 Mask Write with IllegalFunction
//!     unsupported: [15, 16]       # optional: function codes answered IllegalFunction
//!     readBack:                   # optional: holding registers (or coils) written at
//!       - {from: 0, to: 512, count: 16}   # `from`, read back at `to` (WAGO couplers)
//!     limits:                     # optional: what the device accepts (default: the
//!       maxReadRegisters: 64      #   protocol maxima); larger requests are answered
//!       maxWriteRegisters: 32     #   IllegalDataValue
//!       maxReadBits: 2000
//!       maxWriteBits: 1968
//!       undeclaredRead: illegalDataValue  # answer to a read touching an undeclared
//!                                 #   address: illegalDataAddress (default) |
//!                                 #   illegalDataValue | serverDeviceFailure
//!     registers:                  # manifest register entries (same fields, defaults
//!       - name: speed             # and rules); `value` is the initial value, within
//!         address: 100            # min and max; tolerance and mode are accepted and
//!         type: f32               # ignored
//!         value: 12.5
//!     program:                    # optional: the device's own program rewrites
//!       - {register: speed, value: 7, everyMs: 200}   # a register every everyMs
//! ```
//! Only the declared addresses exist: any request touching another one is answered
//! with IllegalDataAddress, as a real PLC would.
//!
//! Each device's register map is held to the manifest rules (names, types per kind,
//! encodability, bounds, no overlapping addresses), run by the manifests' own rule
//! functions; every problem is reported with the file and the line of its entry.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::SimError;
use super::config::{DeviceConfig, FaultOverrides, SimConfig};
use super::device::Point;
use super::quirks::{Quirks, ReadBack};
use crate::manifest::diagnostic::FileRef;
use crate::manifest::locations::{EntrySpans, Pos};
use crate::manifest::{Diagnostics, Locations, Register, RegisterSpec};

impl SimConfig {
    /// Reads a scenario file (format in the module documentation).
    pub fn from_file(path: &Path) -> Result<Self, SimError> {
        Self::grouped(load(path)?)
    }
}

/// Reads a scenario file: every device with its listen address, in file order.
/// Errors carry the file, and the line and column when the parser knows them.
fn load(path: &Path) -> Result<Vec<(SocketAddr, DeviceConfig)>, SimError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimError::ReadConfig {
        path: path.to_owned(),
        source,
    })?;
    let at = |location: Option<serde_saphyr::Location>, message: String| {
        let known = location.filter(|l| l.line() > 0);
        SimError::ParseConfig {
            path: path.to_owned(),
            line: known.map(|l| l.line()),
            column: known.map(|l| l.column()),
            message,
        }
    };
    // Fleet scenarios (1,000 devices × 100 registers) exceed serde-saphyr's default
    // node budget, which is sized for configuration files; allow 40 times more.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_nodes: 10_000_000, max_events: 40_000_000 },
    };
    let file: ScenarioFile = serde_saphyr::from_str_with_options(&text, options)
        .map_err(|e| at(e.location(), yaml_message(&e)))?;
    let file_ref = FileRef::new(path);
    let mut problems = Diagnostics::default();
    let mut devices = Vec::with_capacity(file.devices.len());
    for (index, spec) in file.devices.into_iter().enumerate() {
        let listen = spec.listen.value.parse::<SocketAddr>().map_err(|_| {
            let message = format!(
                "listen: expected IP:PORT like 127.0.0.1:5502, got {:?}",
                spec.listen.value
            );
            at(Some(spec.listen.referenced), message)
        })?;
        let mut unit_ids = spec.unit_ids;
        unit_ids.extend(spec.unit_id);
        if unit_ids.is_empty() {
            unit_ids.push(1);
        }
        let registers = check_registers(index, spec.registers, &file_ref, &mut problems);
        let mut read_back = spec.read_back;
        read_back.extend(super::config::read_backs(&registers));
        let points: Vec<Point> = registers.into_iter().map(point_of).collect();
        let mut program = Vec::with_capacity(spec.program.len());
        for (i, step) in spec.program.into_iter().enumerate() {
            // Registers with problems are reported above; a step naming one is not.
            if problems.has_errors() {
                break;
            }
            if let Err(reason) = super::program::resolve(&points, &step.value) {
                let message = format!(
                    "devices[{index}].program[{i}]: register {}: {reason}",
                    step.value.register
                );
                return Err(at(Some(step.referenced), message));
            }
            program.push(step.value);
        }
        let device = DeviceConfig {
            name: spec.name,
            unit_ids,
            points,
            faults: spec.faults,
            program,
            quirks: Quirks {
                mask_write: spec.mask_write,
                read_back,
                unsupported: spec.unsupported,
            },
            limits: spec.limits,
        };
        devices.push((listen, device));
    }
    if problems.has_errors() {
        problems.sort();
        return Err(SimError::InvalidScenario { problems });
    }
    Ok(devices)
}

/// The manifest register rules on the register map of the device at `index`, each
/// problem located at its entry; returns the registers that passed.
fn check_registers(
    index: usize,
    entries: Vec<Spanned<RegisterSpec>>,
    file: &FileRef,
    problems: &mut Diagnostics,
) -> Vec<Register> {
    let pos = |l: &serde_saphyr::Location| Pos::new(l.line(), l.column());
    let spans = entries
        .iter()
        .map(|e| EntrySpans::at(pos(&e.referenced)))
        .collect();
    let path = format!("devices[{index}].registers");
    let locs = Locations::of_register_list(file, path, spans);
    let specs = entries.into_iter().map(|e| e.value).enumerate();
    let registers = crate::manifest::check_registers(specs, &locs, problems);
    crate::manifest::check_device_overlaps(&registers, problems);
    registers
}

/// The first line of serde-saphyr's rendering, without the location we print ourselves.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest.to_owned(),
        _ => first.to_owned(),
    }
}

fn point_of(register: Register) -> Point {
    Point {
        name: register.name,
        kind: register.kind,
        address: register.address,
        codec: register.codec,
        bit: register.bit,
        initial: register.desired,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScenarioFile {
    devices: Vec<DeviceSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeviceSpec {
    name: String,
    listen: Spanned<String>,
    #[serde(default)]
    unit_id: Option<u8>,
    #[serde(default)]
    unit_ids: Vec<u8>,
    #[serde(default)]
    faults: FaultOverrides,
    #[serde(default = "serves_mask_write")]
    mask_write: bool,
    #[serde(default)]
    read_back: Vec<ReadBack>,
    #[serde(default)]
    unsupported: Vec<u8>,
    #[serde(default)]
    limits: super::limits::DeviceLimits,
    registers: Vec<Spanned<RegisterSpec>>,
    #[serde(default)]
    program: Vec<Spanned<super::program::ProgramStep>>,
}

fn serves_mask_write() -> bool {
    true
}
