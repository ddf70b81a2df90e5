//! [`Simulator::start`] and the [`SimHandle`] it returns: the running fleet, which
//! in-process users (tests, `fabctl demo`) can peek at, poke, drift, fault and stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::chaos::DriftRecord;
use super::config::{SimConfig, SimTransport};
use super::device::{DeviceCounters, WriteRecord};
use super::error::SimError;
use super::metrics;
use super::server::{self, Endpoint, Framing};
use super::shared::{Shared, lock};
use crate::register::RegisterKind;

/// Starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Validates `config`, builds every device, binds every endpoint and starts
    /// serving. With `chaos.drift_at_start`, every writable register is drifted before
    /// the first request is read.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        config.validate()?;
        let program = super::program::jobs(&config)?;
        let (shared, units_per_endpoint) = Shared::new(&config)?;
        let shared = Arc::new(shared);

        let mut listeners = Vec::with_capacity(config.endpoints.len());
        for (endpoint, units) in config.endpoints.iter().zip(units_per_endpoint) {
            let what = || {
                endpoint
                    .devices
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let bind_error = |source| SimError::Bind {
                addr: endpoint.listen,
                what: what(),
                source,
            };
            let framing = match config.transport {
                SimTransport::Tcp | SimTransport::Tls => Framing::Mbap,
                SimTransport::RtuOverTcp | SimTransport::Rtu => Framing::Rtu,
            };
            if config.transport == SimTransport::Rtu {
                let (master, line) =
                    tokio_serial::SerialStream::pair().map_err(|e| SimError::Line {
                        what: what(),
                        reason: e.to_string(),
                    })?;
                let path = tokio_serial::SerialPort::name(&line).map(std::path::PathBuf::from);
                let endpoint = Endpoint {
                    addr: endpoint.listen,
                    line: path,
                    units,
                    framing,
                };
                listeners.push((Served::Line(master, line), Arc::new(endpoint)));
                continue;
            }
            let listener = TcpListener::bind(endpoint.listen)
                .await
                .map_err(bind_error)?;
            let addr = listener.local_addr().map_err(bind_error)?;
            let endpoint = Endpoint {
                addr,
                line: None,
                units,
                framing,
            };
            listeners.push((Served::Tcp(listener), Arc::new(endpoint)));
        }
        if config.chaos.drift_at_start {
            shared.chaos(true);
        }
        let tls = match &config.tls {
            Some(files) => Some(tokio_rustls::TlsAcceptor::from(files.server_config()?)),
            None => None,
        };
        let mut tasks = JoinSet::new();
        let endpoints = listeners
            .iter()
            .map(|(_, endpoint)| Arc::clone(endpoint))
            .collect();
        for (served, endpoint) in listeners {
            let shared = Arc::clone(&shared);
            match served {
                Served::Tcp(listener) => {
                    tasks.spawn(server::listen(listener, endpoint, shared, tls.clone()))
                }
                Served::Line(master, line) => {
                    tasks.spawn(server::serve_line(master, line, endpoint, shared))
                }
            };
        }
        if let Some(interval) = config.chaos.interval {
            tasks.spawn(chaos_loop(Arc::clone(&shared), interval));
        }
        for job in program {
            tasks.spawn(super::program::run(Arc::clone(&shared), job));
        }
        Ok(SimHandle {
            shared,
            endpoints,
            tasks,
        })
    }
}

/// What an endpoint is served on.
enum Served {
    Tcp(TcpListener),
    /// A pseudo-terminal: the simulator's end, and the line's end clients open.
    Line(tokio_serial::SerialStream, tokio_serial::SerialStream),
}

async fn chaos_loop(shared: Arc<Shared>, interval: Duration) {
    let interval = interval.max(Duration::from_millis(1));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        shared.chaos(false);
    }
}

/// A running simulator. Dropping it stops every task too; [`shutdown`](Self::shutdown)
/// also waits for them.
#[derive(Debug)]
pub struct SimHandle {
    shared: Arc<Shared>,
    endpoints: Vec<Arc<Endpoint>>,
    tasks: JoinSet<()>,
}

impl SimHandle {
    /// Every bound endpoint with the devices behind it: (device name, unit id).
    pub fn endpoints(&self) -> Vec<(SocketAddr, Vec<(String, u8)>)> {
        let name = |d: usize| {
            self.shared
                .devices
                .get(d)
                .map_or_else(String::new, |s| s.name.clone())
        };
        let units = |e: &Endpoint| e.units.iter().map(|&(unit, d)| (name(d), unit)).collect();
        self.endpoints.iter().map(|e| (e.addr, units(e))).collect()
    }

    /// The serial lines (pseudo-terminals) of `--transport rtu`, with the devices on
    /// each: (device name, unit id).
    pub fn lines(&self) -> Vec<(std::path::PathBuf, Vec<(String, u8)>)> {
        let all = self.endpoints();
        self.endpoints
            .iter()
            .zip(all)
            .filter_map(|(e, (_, units))| Some((e.line.clone()?, units)))
            .collect()
    }

    /// The serial line (a pseudo-terminal) serving `device`, with `--transport rtu`.
    pub fn line_of(&self, device: &str) -> Option<std::path::PathBuf> {
        let index = self.shared.index_of(device)?;
        let endpoint = self
            .endpoints
            .iter()
            .find(|e| e.units.iter().any(|&(_, d)| d == index))?;
        endpoint.line.clone()
    }

    /// The bound address serving `device`.
    pub fn addr_of(&self, device: &str) -> Option<SocketAddr> {
        let index = self.shared.index_of(device)?;
        let endpoint = self
            .endpoints
            .iter()
            .find(|e| e.units.iter().any(|&(_, d)| d == index))?;
        Some(endpoint.addr)
    }

    /// Reads values directly, without Modbus (bits as 0/1); `None` for an unknown
    /// device or an undeclared address.
    pub fn read_words(
        &self,
        device: &str,
        kind: RegisterKind,
        address: u16,
        count: u16,
    ) -> Option<Vec<u16>> {
        let slot = self.shared.slot(device)?;
        self.shared.perform_due_writes(slot);
        lock(&slot.device).read_words(kind, address, count)
    }

    /// Sets values directly, as the machine or another actor would (any table, even
    /// input and discrete). Not logged or counted as a write. `false` for an unknown
    /// device or an undeclared address.
    pub fn set_words(&self, device: &str, kind: RegisterKind, address: u16, words: &[u16]) -> bool {
        self.shared
            .slot(device)
            .is_some_and(|slot| lock(&slot.device).set_words(kind, address, words))
    }

    /// Requests per function code and writes per address of `device`.
    pub fn counters(&self, device: &str) -> Option<DeviceCounters> {
        Some(lock(&self.shared.slot(device)?.device).counters().clone())
    }

    /// Requests received by every endpoint (including unserved unit ids).
    pub fn total_requests(&self) -> u64 {
        self.shared.metrics.total_requests()
    }

    /// Connections accepted by every endpoint.
    pub fn total_connections(&self) -> u64 {
        self.shared.metrics.total_connections()
    }

    /// Every Modbus write so far, oldest first (the last
    /// [`WRITE_LOG_CAPACITY`](super::WRITE_LOG_CAPACITY)).
    pub fn write_log(&self) -> Vec<WriteRecord> {
        self.shared.write_log()
    }

    /// One chaos step now: a random subset (at least one) of writable registers drift.
    /// Deterministic for a given seed, configuration and history of calls.
    pub fn chaos_step(&self) -> Vec<DriftRecord> {
        self.shared.chaos(false)
    }

    /// Drifts every writable register once (what `--drift` does at start).
    pub fn drift_all(&self) -> Vec<DriftRecord> {
        self.shared.chaos(true)
    }

    /// Makes `device` stop (or resume) replying. `false` for an unknown device.
    pub fn set_silent(&self, device: &str, silent: bool) -> bool {
        self.shared
            .slot(device)
            .map(|slot| slot.silent.store(silent, Ordering::Relaxed))
            .is_some()
    }

    /// Makes `device` refuse (or accept again) every write with ServerDeviceFailure,
    /// while still answering reads: a device that fails in the middle of an apply.
    /// `false` for an unknown device.
    pub fn refuse_writes(&self, device: &str, refuse: bool) -> bool {
        self.shared
            .slot(device)
            .map(|slot| slot.refuse_writes.store(refuse, Ordering::Relaxed))
            .is_some()
    }

    /// Makes `device` perform every write and then close the connection instead of
    /// replying (or behave again): a connection lost in the middle of a write.
    /// `false` for an unknown device.
    pub fn drop_after_write(&self, device: &str, drop: bool) -> bool {
        self.shared
            .slot(device)
            .map(|slot| slot.drop_after_write.store(drop, Ordering::Relaxed))
            .is_some()
    }

    /// Pauses (or resumes) the program of `device` (scenario `program`): the other
    /// writer stops rewriting its registers. `false` for an unknown device.
    pub fn pause_program(&self, device: &str, paused: bool) -> bool {
        self.shared
            .slot(device)
            .map(|slot| slot.program_paused.store(paused, Ordering::Relaxed))
            .is_some()
    }

    /// The seed of chaos and fault decisions.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// The Prometheus text exposition of the simulator's metrics.
    pub fn metrics_text(&self) -> String {
        self.shared.metrics.render()
    }

    /// Serves `/metrics` on `addr` until shutdown; returns the bound address.
    pub async fn serve_metrics(&mut self, addr: SocketAddr) -> Result<SocketAddr, SimError> {
        let (bound, server) = metrics::serve(addr, Arc::clone(&self.shared.metrics)).await?;
        self.tasks.spawn(server);
        Ok(bound)
    }

    /// Stops every listener, connection and the chaos task, and waits for them.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
    }
}
