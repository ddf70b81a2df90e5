//! [`Simulator::start`] and the [`SimHandle`] it returns: the running fleet, which
//! in-process users (tests, `fabctl demo`) can peek at, poke, drift, fault and stop.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::chaos::{self, DriftRecord};
use super::config::{Faults, SimConfig};
use super::device::{Device, DeviceCounters, WriteRecord};
use super::metrics::{self, Metrics};
use super::{SimError, server};
use crate::register::RegisterKind;

/// Writes kept by [`SimHandle::write_log`]; older ones are dropped first.
pub const WRITE_LOG_CAPACITY: usize = 100_000;

/// Locks a mutex, ignoring poisoning: device tables stay consistent word by word.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by the listeners, the chaos task and the handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) devices: Vec<DeviceSlot>,
    by_name: HashMap<String, usize>,
    /// (device, point) of every writable point, the chaos candidates.
    writable: Vec<(usize, usize)>,
    write_log: Mutex<VecDeque<WriteRecord>>,
    pub(crate) metrics: Metrics,
    chaos_rng: Mutex<SmallRng>,
    max_drift: f64,
    pub(crate) seed: u64,
}

/// One device with its fault settings.
#[derive(Debug)]
pub(crate) struct DeviceSlot {
    pub(crate) name: String,
    pub(crate) device: Mutex<Device>,
    pub(crate) faults: Faults,
    pub(crate) silent: AtomicBool,
    /// When set, writes are refused with ServerDeviceFailure (a PLC whose program
    /// locks its registers); reads still work. Toggled with `SimHandle::refuse_writes`.
    pub(crate) refuse_writes: AtomicBool,
    /// When set, writes are performed but the connection is closed instead of the
    /// reply: the client cannot know whether its write arrived.
    pub(crate) drop_after_write: AtomicBool,
}

/// One bound listener and the units it serves.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) addr: SocketAddr,
    /// Unit id → device index, in configuration order.
    pub(crate) units: Vec<(u8, usize)>,
}

impl Endpoint {
    pub(crate) fn device_for(&self, unit: u8) -> Option<usize> {
        self.units
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|&(_, device)| device)
    }
}

impl Shared {
    pub(crate) fn log_write(&self, record: WriteRecord) {
        let mut log = lock(&self.write_log);
        if log.len() == WRITE_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }

    fn slot(&self, name: &str) -> Option<&DeviceSlot> {
        self.by_name.get(name).and_then(|&i| self.devices.get(i))
    }

    /// One chaos step (every writable point when `all`), logged at info. When none of
    /// the chosen points can change (e.g. already at the end of its range), the others
    /// are tried from a random one on, so a step drifts something if anything can.
    pub(crate) fn chaos(&self, all: bool) -> Vec<DriftRecord> {
        let mut rng = lock(&self.chaos_rng);
        let candidates = self.writable.len();
        let mut drifts: Vec<DriftRecord> = chaos::choose(candidates, all, &mut rng)
            .into_iter()
            .filter_map(|i| self.drift_one(i, &mut rng))
            .collect();
        if drifts.is_empty() && candidates > 0 {
            let first = rng.random_range(0..candidates);
            let mut others = (0..candidates).map(|k| (first + k) % candidates);
            drifts.extend(others.find_map(|i| self.drift_one(i, &mut rng)));
        }
        drifts
    }

    /// Drifts the `i`th writable point, if its value can change.
    fn drift_one(&self, i: usize, rng: &mut SmallRng) -> Option<DriftRecord> {
        let &(d, p) = self.writable.get(i)?;
        let slot = self.devices.get(d)?;
        let mut device = lock(&slot.device);
        let point = device.points().get(p)?.clone();
        let words = device.read_words(point.kind, point.address, point.width())?;
        let (old, new, new_words) = chaos::drift(&point, &words, self.max_drift, rng)?;
        device.set_words(point.kind, point.address, &new_words);
        drop(device);
        tracing::info!(device = %slot.name, register = %point.name, "chaos drift {old} -> {new}");
        Some(DriftRecord {
            device: slot.name.clone(),
            register: point.name,
            kind: point.kind,
            address: point.address,
            old,
            new,
        })
    }
}

/// Starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Validates `config`, builds every device, binds every endpoint and starts
    /// serving. With `chaos.drift_at_start`, every writable register is drifted before
    /// the first request is read.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        config.validate()?;
        let mut devices = Vec::new();
        let mut by_name = HashMap::new();
        let mut writable = Vec::new();
        let mut units_per_endpoint = Vec::new();
        for endpoint in &config.endpoints {
            let mut units = Vec::new();
            for device_config in &endpoint.devices {
                let index = devices.len();
                let device = Device::new(&device_config.name, device_config.points.clone())?;
                let faults = device_config.faults.apply(&config.faults);
                units.extend(device_config.unit_ids.iter().map(|&unit| (unit, index)));
                let points = device_config.points.iter().enumerate();
                writable.extend(
                    points
                        .filter(|(_, p)| p.kind.is_writable())
                        .map(|(p, _)| (index, p)),
                );
                by_name.insert(device_config.name.clone(), index);
                devices.push(DeviceSlot {
                    name: device_config.name.clone(),
                    device: Mutex::new(device),
                    silent: AtomicBool::new(faults.silent),
                    refuse_writes: AtomicBool::new(false),
                    drop_after_write: AtomicBool::new(false),
                    faults,
                });
            }
            units_per_endpoint.push(units);
        }
        let shared = Arc::new(Shared {
            devices,
            by_name,
            writable,
            write_log: Mutex::new(VecDeque::new()),
            metrics: Metrics::new(),
            chaos_rng: Mutex::new(SmallRng::seed_from_u64(config.seed)),
            max_drift: config.chaos.max_drift,
            seed: config.seed,
        });

        let mut listeners = Vec::with_capacity(config.endpoints.len());
        for (endpoint, units) in config.endpoints.iter().zip(units_per_endpoint) {
            let bind_error = |source| SimError::Bind {
                addr: endpoint.listen,
                what: endpoint
                    .devices
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                source,
            };
            let listener = TcpListener::bind(endpoint.listen)
                .await
                .map_err(bind_error)?;
            let addr = listener.local_addr().map_err(bind_error)?;
            listeners.push((listener, Arc::new(Endpoint { addr, units })));
        }
        if config.chaos.drift_at_start {
            shared.chaos(true);
        }
        let mut tasks = JoinSet::new();
        let endpoints = listeners
            .iter()
            .map(|(_, endpoint)| Arc::clone(endpoint))
            .collect();
        for (listener, endpoint) in listeners {
            tasks.spawn(server::listen(listener, endpoint, Arc::clone(&shared)));
        }
        if let Some(interval) = config.chaos.interval {
            tasks.spawn(chaos_loop(Arc::clone(&shared), interval));
        }
        Ok(SimHandle {
            shared,
            endpoints,
            tasks,
        })
    }
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

    /// The bound address serving `device`.
    pub fn addr_of(&self, device: &str) -> Option<SocketAddr> {
        let index = *self.shared.by_name.get(device)?;
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
        lock(&self.shared.slot(device)?.device).read_words(kind, address, count)
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

    /// Every Modbus write so far, oldest first (the last [`WRITE_LOG_CAPACITY`]).
    pub fn write_log(&self) -> Vec<WriteRecord> {
        lock(&self.shared.write_log).iter().cloned().collect()
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
        let (bound, server) = metrics::serve(addr, Arc::clone(&self.shared)).await?;
        self.tasks.spawn(server);
        Ok(bound)
    }

    /// Stops every listener, connection and the chaos task, and waits for them.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
    }
}
