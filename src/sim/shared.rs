//! The state of a running simulator, shared by its listeners, its chaos task and its
//! [`SimHandle`](super::SimHandle): the devices with their fault switches, the write
//! log, the metrics and the chaos RNG.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::chaos::{self, DriftRecord};
use super::config::{Faults, SimConfig};
use super::device::{Device, WriteRecord};
use super::error::SimError;
use super::metrics::Metrics;

/// Writes kept by [`SimHandle::write_log`](super::SimHandle::write_log); older ones
/// are dropped first.
pub const WRITE_LOG_CAPACITY: usize = 100_000;

/// Unit ids, each with the index of the device behind it, in configuration order.
pub(crate) type Units = Vec<(u8, usize)>;

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
    pub(crate) metrics: Arc<Metrics>,
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
    /// Writes answered Acknowledge, with the time they are due: each is performed by
    /// the first request to the device (or look through the handle) after it.
    pub(crate) acknowledged: Mutex<Vec<(Instant, Vec<u8>)>>,
    /// When set, the device's program (scenario `program`) writes nothing. Toggled
    /// with `SimHandle::pause_program`.
    pub(crate) program_paused: AtomicBool,
    /// Reads and writes received, counted apart, for `busyEvery`.
    pub(crate) busy_counts: [AtomicU64; 2],
}

impl DeviceSlot {
    /// Keeps a write answered Acknowledge, to perform it after `delay`.
    pub(crate) fn defer_write(&self, pdu: &[u8], delay: Duration) {
        lock(&self.acknowledged).push((Instant::now() + delay, pdu.to_vec()));
    }

    /// Whether this request is the Nth read (or write) since the last busy one, with
    /// N = `busyEvery`: answered ServerDeviceBusy.
    pub(crate) fn busy_turn(&self, is_write: bool) -> bool {
        let every = u64::from(self.faults.busy_every);
        if every == 0 {
            return false;
        }
        let n = self.busy_counts[usize::from(is_write)].fetch_add(1, Ordering::Relaxed) + 1;
        n.is_multiple_of(every)
    }
}

impl Shared {
    /// Builds every device of `config` (already validated). Also returns the units of
    /// each endpoint, in configuration order.
    pub(crate) fn new(config: &SimConfig) -> Result<(Shared, Vec<Units>), SimError> {
        let mut devices = Vec::new();
        let mut by_name = HashMap::new();
        let mut writable = Vec::new();
        let mut units_per_endpoint = Vec::new();
        for endpoint in &config.endpoints {
            let mut units = Vec::new();
            for device_config in &endpoint.devices {
                let index = devices.len();
                let device = Device::new(&device_config.name, device_config.points.clone())?
                    .with_quirks(device_config.quirks.clone())?
                    .with_limits(device_config.limits);
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
                    acknowledged: Mutex::new(Vec::new()),
                    program_paused: AtomicBool::new(false),
                    busy_counts: [AtomicU64::new(0), AtomicU64::new(0)],
                    faults,
                });
            }
            units_per_endpoint.push(units);
        }
        let shared = Shared {
            devices,
            by_name,
            writable,
            write_log: Mutex::new(VecDeque::new()),
            metrics: Arc::new(Metrics::new()),
            chaos_rng: Mutex::new(SmallRng::seed_from_u64(config.seed)),
            max_drift: config.chaos.max_drift,
            seed: config.seed,
        };
        Ok((shared, units_per_endpoint))
    }

    pub(crate) fn log_write(&self, record: WriteRecord) {
        let mut log = lock(&self.write_log);
        if log.len() == WRITE_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// Performs the acknowledged writes of `slot` that are due, in arrival order, and
    /// logs them like any write.
    pub(crate) fn perform_due_writes(&self, slot: &DeviceSlot) {
        let due: Vec<Vec<u8>> = {
            let mut pending = lock(&slot.acknowledged);
            let now = Instant::now();
            let (due, later) = pending.drain(..).partition(|(at, _)| *at <= now);
            *pending = later;
            due.into_iter().map(|(_, pdu)| pdu).collect()
        };
        for pdu in due {
            let record = lock(&slot.device).execute(&pdu).1;
            if let Some(record) = record {
                tracing::debug!(device = %slot.name, address = record.address, "acknowledged write performed");
                self.log_write(record);
            }
        }
    }

    /// Every write so far, oldest first.
    pub(crate) fn write_log(&self) -> Vec<WriteRecord> {
        lock(&self.write_log).iter().cloned().collect()
    }

    /// The index of the device named `name`.
    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn slot(&self, name: &str) -> Option<&DeviceSlot> {
        self.index_of(name).and_then(|i| self.devices.get(i))
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
        tracing::info!(device = %slot.name, register = %point.name, "chaos drift {old} → {new}");
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
