//! A PLC program: a device that rewrites some of its own registers on a period, as a
//! scan that owns an output or a setpoint would. fabctl must notice it is fighting
//! such a writer and stop (the tug of war), so the simulator can play one.
//!
//! In a scenario file, per device:
//! ```yaml
//! program:
//!   - {register: speed, value: 7, everyMs: 200}   # a register of this device, by name
//! ```
//! Each entry writes `value` (an engineering value, encoded as the register is) into
//! the device's table every `everyMs`, from the start. These writes are not Modbus
//! requests: they are neither counted nor in the write log, like the machine's own.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::SimError;
use super::config::{DeviceConfig, SimConfig};
use super::device::Point;
use super::shared::{Shared, lock};
use crate::register::{RegisterKind, Value, Words};

/// One register the program writes on a period.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgramStep {
    /// The name of one of the device's registers.
    pub register: String,
    /// The engineering value written.
    pub value: Value,
    /// The period, in milliseconds (at least 1).
    pub every_ms: u64,
}

/// A step ready to run: which table words it writes.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    device: usize,
    register: String,
    kind: RegisterKind,
    address: u16,
    words: Words,
    every: Duration,
}

/// Where a step writes and what: (kind, address, words, period); or why it cannot.
pub(crate) fn resolve(
    points: &[Point],
    step: &ProgramStep,
) -> Result<(RegisterKind, u16, Words, Duration), String> {
    let point = points
        .iter()
        .find(|p| p.name == step.register)
        .ok_or_else(|| {
            let known: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
            format!(
                "the device has no register of that name (registers: {})",
                known.join(", ")
            )
        })?;
    if step.every_ms == 0 {
        return Err("everyMs must be at least 1".into());
    }
    let words = point
        .codec
        .encode(&step.value)
        .map_err(|e| format!("value {} does not encode: {e}", step.value))?;
    Ok((
        point.kind,
        point.address,
        words,
        Duration::from_millis(step.every_ms),
    ))
}

/// The steps of `device`, resolved, or what is wrong with one.
fn check(device: &DeviceConfig) -> Result<Vec<Job>, SimError> {
    device
        .program
        .iter()
        .map(|step| {
            let (kind, address, words, every) =
                resolve(&device.points, step).map_err(|reason| SimError::InvalidRegister {
                    device: device.name.clone(),
                    register: step.register.clone(),
                    reason: format!("program: {reason}"),
                })?;
            Ok(Job {
                device: 0,
                register: step.register.clone(),
                kind,
                address,
                words,
                every,
            })
        })
        .collect()
}

/// Checks every device's program (without starting anything).
pub(crate) fn validate(config: &SimConfig) -> Result<(), SimError> {
    for device in config.devices() {
        check(device)?;
    }
    Ok(())
}

/// Every step of every device of `config`; devices are numbered as [`Shared`] does.
pub(crate) fn jobs(config: &SimConfig) -> Result<Vec<Job>, SimError> {
    let mut jobs = Vec::new();
    for (index, device) in config.devices().enumerate() {
        for job in check(device)? {
            jobs.push(Job {
                device: index,
                ..job
            });
        }
    }
    Ok(jobs)
}

/// Plays one step until the simulator stops.
pub(crate) async fn run(shared: Arc<Shared>, job: Job) {
    let Some(slot) = shared.devices.get(job.device) else {
        return;
    };
    let mut ticker = tokio::time::interval(job.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if slot
            .program_paused
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            continue;
        }
        lock(&slot.device).set_words(job.kind, job.address, &job.words);
        tracing::trace!(device = %slot.name, register = %job.register, "program wrote {:?}", &job.words[..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{ByteOrder, Codec, ValueType, WordOrder};
    use crate::sim::Simulator;
    use crate::sim::config::FaultOverrides;

    fn device(program: Vec<ProgramStep>) -> SimConfig {
        let point = Point {
            name: "speed".into(),
            kind: RegisterKind::Holding,
            address: 10,
            codec: Codec {
                value_type: ValueType::U16,
                word_order: WordOrder::Big,
                byte_order: ByteOrder::Big,
                length: 0,
                scale: 1.0,
                offset: 0.0,
            },
            bit: None,
            initial: Value::Int(5),
        };
        let config = DeviceConfig {
            name: "line/press".into(),
            unit_ids: vec![1],
            points: vec![point],
            faults: FaultOverrides::default(),
            program,
            quirks: crate::sim::Quirks::default(),
            limits: Default::default(),
        };
        SimConfig::grouped([("127.0.0.1:0".parse().unwrap(), config)]).unwrap()
    }

    fn step(register: &str, value: i128, every_ms: u64) -> ProgramStep {
        ProgramStep {
            register: register.into(),
            value: Value::Int(value),
            every_ms,
        }
    }

    #[tokio::test]
    async fn the_program_rewrites_its_register_on_its_period() {
        let sim = Simulator::start(device(vec![step("speed", 7, 20)]))
            .await
            .unwrap();
        let read = || sim.read_words("line/press", RegisterKind::Holding, 10, 1);
        // Bounded waits: a loaded machine runs the program's task late, never not.
        let rewritten = async || {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while read() != Some(vec![7]) {
                assert!(std::time::Instant::now() < deadline, "{:?}", read());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        rewritten().await;
        assert!(sim.set_words("line/press", RegisterKind::Holding, 10, &[5]));
        rewritten().await;
        assert!(sim.write_log().is_empty(), "not a Modbus write");
        assert!(sim.pause_program("line/press", true));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(sim.set_words("line/press", RegisterKind::Holding, 10, &[5]));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(read(), Some(vec![5]), "paused");
        sim.shutdown().await;
    }

    #[test]
    fn a_program_names_a_register_of_its_device_with_a_value_it_can_hold() {
        let config = |program| {
            let mut c = device(Vec::new());
            c.endpoints[0].devices[0].program = program;
            c.validate().unwrap_err().to_string()
        };
        assert_eq!(
            config(vec![step("sped", 7, 20)]),
            "device line/press, register sped: program: the device has no register of that name (registers: speed)"
        );
        assert!(config(vec![step("speed", 70000, 20)]).starts_with(
            "device line/press, register speed: program: value 70000 does not encode"
        ));
        assert_eq!(
            config(vec![step("speed", 7, 0)]),
            "device line/press, register speed: program: everyMs must be at least 1"
        );
    }
}
