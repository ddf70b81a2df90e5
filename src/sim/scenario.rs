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
//!     registers:                  # manifest register entries (same fields and defaults);
//!       - name: speed             # `value` is the initial value; tolerance, min, max and
//!         address: 100            # mode are accepted and ignored
//!         type: f32
//!         value: 12.5
//! ```
//! Only the declared addresses exist: any request touching another one is answered
//! with IllegalDataAddress, as a real PLC would.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::SimError;
use super::config::{DeviceConfig, FaultOverrides};
use super::device::Point;
use crate::manifest::RegisterSpec;
use crate::register::Codec;

/// Reads a scenario file: every device with its listen address, in file order.
/// Errors carry the file, and the line and column when the parser knows them.
pub(super) fn load(path: &Path) -> Result<Vec<(SocketAddr, DeviceConfig)>, SimError> {
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
    let mut devices = Vec::with_capacity(file.devices.len());
    for spec in file.devices {
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
        let points = spec.registers.iter().map(point_of).collect();
        let device = DeviceConfig {
            name: spec.name,
            unit_ids,
            points,
            faults: spec.faults,
        };
        devices.push((listen, device));
    }
    Ok(devices)
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

fn point_of(spec: &RegisterSpec) -> Point {
    let codec = Codec {
        value_type: spec.value_type(),
        word_order: spec.word_order,
        scale: spec.scale,
        offset: spec.offset,
    };
    Point {
        name: spec.name.clone(),
        kind: spec.kind,
        address: spec.address,
        codec,
        initial: spec.value,
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
    registers: Vec<RegisterSpec>,
}
