//! [`SimConfig`]: what to simulate — endpoints, the devices (unit ids) behind each,
//! their registers, faults and chaos — built from manifests ([`SimConfig::from_plcs`])
//! or from a scenario file (`SimConfig::from_file`, which the scenario module owns
//! with the format).

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::Deserialize;

use super::SimError;
use super::device::Point;
use super::quirks::{Quirks, ReadBack};
use crate::manifest::Plc;

/// Default largest drift per chaos step, in engineering units (the original mock's ±500).
pub const DEFAULT_MAX_DRIFT: f64 = 500.0;

/// Everything the simulator serves.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// One listener each; devices behind an endpoint are told apart by unit id.
    pub endpoints: Vec<EndpointConfig>,
    /// Faults for every device, unless a device overrides them.
    pub faults: Faults,
    pub chaos: ChaosConfig,
    /// Seeds chaos and fault decisions: the same seed gives the same sequence.
    pub seed: u64,
    /// Serve every endpoint with Modbus/TCP Security (TLS, client certificates
    /// required) instead of plain Modbus TCP.
    pub tls: Option<super::tls::SimTls>,
    /// How every endpoint is served.
    pub transport: SimTransport,
}

/// How the simulator serves its endpoints (`fabctl sim --transport`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SimTransport {
    /// Modbus TCP on each endpoint's address.
    #[default]
    Tcp,
    /// RTU frames over TCP on each endpoint's address, like a serial gateway in
    /// transparent mode.
    RtuOverTcp,
    /// Modbus/TCP Security on each endpoint's address: Modbus TCP inside TLS, client
    /// certificates required (the certificates of `tls`).
    Tls,
    /// Modbus RTU on a pseudo-terminal per endpoint (a serial line), whose path is
    /// printed.
    Rtu,
}

/// One TCP listener, like a PLC or a gateway in front of several PLCs.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointConfig {
    pub listen: SocketAddr,
    pub devices: Vec<DeviceConfig>,
}

/// One simulated PLC.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceConfig {
    /// `namespace/name` for PLCs from manifests; free-form in scenario files.
    pub name: String,
    /// Unit ids the device answers to (usually one).
    pub unit_ids: Vec<u8>,
    pub points: Vec<Point>,
    pub faults: FaultOverrides,
    /// Registers the device's own program rewrites on a period (scenario `program`).
    pub program: Vec<super::program::ProgramStep>,
    /// Behaviours of real equipment (no FC22, split read-back).
    pub quirks: Quirks,
    /// Request sizes it accepts, its answer to undeclared reads (scenario `limits`).
    pub limits: super::limits::DeviceLimits,
}

/// Misbehaviour injected into replies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Delay before every reply (`--latency MS`).
    pub latency: Duration,
    /// Probability of closing the connection instead of replying; the request is not
    /// performed (`--drop-rate`).
    pub drop_rate: f64,
    /// Probability of replying ServerDeviceBusy or ServerDeviceFailure (evenly) without
    /// performing the request (`--exception-rate`).
    pub exception_rate: f64,
    /// Probability of performing the request but sending a malformed reply: the right
    /// reply with a wrong transaction id, or random bytes (`--garbage-rate`).
    pub garbage_rate: f64,
    /// Read requests, never reply (`--silent NAME`).
    pub silent: bool,
    /// Perform every write at once but hold its reply back this long
    /// (`--write-latency MS`): a write whose answer comes after the client gave up.
    pub write_latency: Duration,
    /// Answer every write for an address this much higher than the one written (the
    /// write itself lands where asked): a wrong echo (`--write-echo-offset N`).
    pub write_echo_offset: u16,
    /// Answer every write Acknowledge (0x05) and perform it this much later
    /// (`--acknowledge-writes MS`); `None`: answer writes normally.
    pub acknowledge_writes: Option<Duration>,
    /// Answer every Nth read, and every Nth write (counted apart), ServerDeviceBusy
    /// without performing it (`--busy-every N`); 0: never.
    pub busy_every: u32,
    /// Answer with this unit id in the reply's header, whatever the request's
    /// (`--answer-unit ID`): a device that answers for unit 0.
    pub answer_unit: Option<u8>,
    /// Close the connection after each reply (`--close-after-reply`): a device that
    /// serves one request per connection.
    pub close_after_reply: bool,
}

/// Per-device fault settings; `None` keeps the global value.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultOverrides {
    pub latency_ms: Option<u64>,
    pub drop_rate: Option<f64>,
    pub exception_rate: Option<f64>,
    pub garbage_rate: Option<f64>,
    pub silent: Option<bool>,
    pub write_latency_ms: Option<u64>,
    pub write_echo_offset: Option<u16>,
    pub acknowledge_writes_ms: Option<u64>,
    pub busy_every: Option<u32>,
    pub answer_unit_id: Option<u8>,
    pub close_after_reply: Option<bool>,
}

impl FaultOverrides {
    /// The faults a device sees: its overrides on top of the global `faults`.
    pub fn apply(&self, faults: &Faults) -> Faults {
        Faults {
            latency: self
                .latency_ms
                .map_or(faults.latency, Duration::from_millis),
            drop_rate: self.drop_rate.unwrap_or(faults.drop_rate),
            exception_rate: self.exception_rate.unwrap_or(faults.exception_rate),
            garbage_rate: self.garbage_rate.unwrap_or(faults.garbage_rate),
            silent: self.silent.unwrap_or(faults.silent),
            write_latency: self
                .write_latency_ms
                .map_or(faults.write_latency, Duration::from_millis),
            write_echo_offset: self.write_echo_offset.unwrap_or(faults.write_echo_offset),
            acknowledge_writes: self
                .acknowledge_writes_ms
                .map(Duration::from_millis)
                .or(faults.acknowledge_writes),
            busy_every: self.busy_every.unwrap_or(faults.busy_every),
            answer_unit: self.answer_unit_id.or(faults.answer_unit),
            close_after_reply: self.close_after_reply.unwrap_or(faults.close_after_reply),
        }
    }
}

/// Random drift of writable registers.
#[derive(Clone, Debug, PartialEq)]
pub struct ChaosConfig {
    /// Drift every interval (`--chaos`, `--chaos-interval`); `None`: only on demand
    /// through `SimHandle::chaos_step`.
    pub interval: Option<Duration>,
    /// Largest drift of a value per step, in engineering units (`--max-drift`).
    pub max_drift: f64,
    /// Start every writable register off-target (`--drift`).
    pub drift_at_start: bool,
}

impl Default for ChaosConfig {
    fn default() -> Self {
        ChaosConfig {
            interval: None,
            max_drift: DEFAULT_MAX_DRIFT,
            drift_at_start: false,
        }
    }
}

impl SimConfig {
    /// One device per PLC, bound by the rule of [`from_plcs_on`](Self::from_plcs_on)
    /// with `bind` = 127.0.0.1.
    pub fn from_plcs(plcs: &[Plc]) -> Result<Self, SimError> {
        Self::from_plcs_on(plcs, IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// One device per PLC, named `namespace/name`, registers holding the desired
    /// values. A PLC whose deviceAddress is a loopback IP is served on exactly that
    /// IP and port; any other on `bind` with the manifest's port. PLCs ending up on
    /// the same endpoint share a listener, like PLCs behind a gateway.
    pub fn from_plcs_on(plcs: &[Plc], bind: IpAddr) -> Result<Self, SimError> {
        let devices = plcs.iter().map(|plc| {
            let ip = match plc.host.parse::<IpAddr>() {
                Ok(ip) if ip.is_loopback() => ip,
                _ => bind,
            };
            let points = plc
                .registers
                .iter()
                .map(|r| Point {
                    name: r.name.clone(),
                    kind: r.kind,
                    address: r.address,
                    codec: r.codec,
                    bit: r.bit,
                    initial: r.desired.clone(),
                })
                .collect();
            let device = DeviceConfig {
                name: plc.id(),
                unit_ids: vec![plc.unit_id],
                points,
                faults: FaultOverrides::default(),
                program: Vec::new(),
                quirks: Quirks {
                    mask_write: true,
                    read_back: read_backs(&plc.registers),
                    unsupported: Vec::new(),
                },
                limits: Default::default(),
            };
            (SocketAddr::new(ip, plc.port), device)
        });
        Self::grouped(devices)
    }

    /// Sets the quirks of the device named `name` (full name, or the part after `/`
    /// when unambiguous); `false` when there is no such device.
    pub fn set_quirks(&mut self, name: &str, quirks: Quirks) -> bool {
        let Some(full) = self.resolve(name).map(str::to_owned) else {
            return false;
        };
        for device in self.endpoints.iter_mut().flat_map(|e| &mut e.devices) {
            if device.name == full {
                device.quirks = quirks.clone();
            }
        }
        true
    }

    /// Sets the limits of the device named `name` (as [`set_quirks`](Self::set_quirks)
    /// finds it); `false` when there is no such device.
    pub fn set_limits(&mut self, name: &str, limits: super::limits::DeviceLimits) -> bool {
        let Some(full) = self.resolve(name).map(str::to_owned) else {
            return false;
        };
        for device in self.endpoints.iter_mut().flat_map(|e| &mut e.devices) {
            if device.name == full {
                device.limits = limits;
            }
        }
        true
    }

    /// Rebinds every endpoint to 127.0.0.1:0 (an ephemeral port each, still one
    /// listener per endpoint) — for tests and the demo.
    pub fn on_ephemeral_ports(mut self) -> Self {
        for endpoint in &mut self.endpoints {
            endpoint.listen = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
        }
        self
    }

    /// Every device, endpoint by endpoint.
    pub fn devices(&self) -> impl Iterator<Item = &DeviceConfig> {
        self.endpoints.iter().flat_map(|e| e.devices.iter())
    }

    /// Makes the device named `name` silent. `name` is a full device name, or the part
    /// after `/` when that is unambiguous (`press-1` for `plant-a/press-1`).
    pub fn set_silent(&mut self, name: &str) -> Result<(), SimError> {
        let Some(full) = self.resolve(name).map(str::to_owned) else {
            return Err(SimError::UnknownDevice {
                flag: "--silent",
                name: name.to_owned(),
                known: self
                    .devices()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        for device in self.endpoints.iter_mut().flat_map(|e| &mut e.devices) {
            if device.name == full {
                device.faults.silent = Some(true);
            }
        }
        Ok(())
    }

    fn resolve(&self, name: &str) -> Option<&str> {
        if let Some(exact) = self.devices().find(|d| d.name == name) {
            return Some(&exact.name);
        }
        let mut short = self
            .devices()
            .filter(|d| d.name.rsplit('/').next() == Some(name));
        match (short.next(), short.next()) {
            (Some(only), None) => Some(&only.name),
            _ => None,
        }
    }

    /// Checks what can be checked without binding: unique device names, at least one
    /// unit id each, distinct unit ids per endpoint, probabilities within 0..=1.
    pub fn validate(&self) -> Result<(), SimError> {
        let mut names = HashSet::new();
        for endpoint in &self.endpoints {
            let mut units: BTreeMap<u8, &str> = BTreeMap::new();
            for device in &endpoint.devices {
                if !names.insert(device.name.as_str()) {
                    return Err(SimError::DuplicateDevice {
                        name: device.name.clone(),
                    });
                }
                if device.unit_ids.is_empty() {
                    let reason = "has no unit id".to_owned();
                    return Err(SimError::InvalidDevice {
                        device: device.name.clone(),
                        reason,
                    });
                }
                for &unit in &device.unit_ids {
                    match units.insert(unit, &device.name) {
                        Some(first) if first != device.name => {
                            return Err(SimError::DuplicateUnit {
                                listen: endpoint.listen,
                                unit,
                                first: first.to_owned(),
                                second: device.name.clone(),
                            });
                        }
                        _ => {}
                    }
                }
                check_faults(&device.name, &device.faults.apply(&self.faults))?;
            }
        }
        super::program::validate(self)?;
        let drift = self.chaos.max_drift;
        if !(drift.is_finite() && drift >= 0.0) {
            let what = "--max-drift".to_owned();
            return Err(SimError::InvalidSetting {
                what,
                expected: "a number >= 0",
                value: drift,
            });
        }
        Ok(())
    }

    /// Groups devices by listen address, keeping first-seen order.
    pub(super) fn grouped(
        devices: impl IntoIterator<Item = (SocketAddr, DeviceConfig)>,
    ) -> Result<Self, SimError> {
        let mut endpoints: Vec<EndpointConfig> = Vec::new();
        for (listen, device) in devices {
            match endpoints.iter_mut().find(|e| e.listen == listen) {
                Some(endpoint) => endpoint.devices.push(device),
                None => endpoints.push(EndpointConfig {
                    listen,
                    devices: vec![device],
                }),
            }
        }
        let config = SimConfig {
            endpoints,
            faults: Faults::default(),
            chaos: ChaosConfig::default(),
            seed: 0,
            tls: None,
            transport: SimTransport::default(),
        };
        config.validate()?;
        Ok(config)
    }
}

/// The split read-back ranges the registers' `readAddress` fields describe: a device
/// that shows each such register at its read address.
pub(super) fn read_backs(registers: &[crate::manifest::Register]) -> Vec<ReadBack> {
    let mut entries: Vec<ReadBack> = registers
        .iter()
        .filter_map(|r| {
            Some(ReadBack {
                kind: r.kind,
                from: r.address,
                to: r.read_address?,
                count: r.width(),
            })
        })
        .collect();
    entries.sort_unstable();
    entries.dedup();
    entries
}

fn check_faults(device: &str, faults: &Faults) -> Result<(), SimError> {
    let rates = [
        ("drop rate", faults.drop_rate),
        ("exception rate", faults.exception_rate),
        ("garbage rate", faults.garbage_rate),
    ];
    for (what, value) in rates {
        if !(0.0..=1.0).contains(&value) {
            let what = format!("{what} of {device}");
            return Err(SimError::InvalidSetting {
                what,
                expected: "a probability in 0..=1",
                value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
