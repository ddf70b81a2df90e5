//! `fabctl import`: brownfield adoption. Reads the live values of the given register
//! ranges and prints a valid `IndustrialPLC` manifest with them as desired values, so
//! `fabctl plan` right after the import shows no changes. Every register is imported
//! `mode: observe` (a live counter or a command word must never be rolled back to the
//! value it had at import time); `--enforce` opts writable registers in.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::{GlobalArgs, ImportArgs};
use crate::device::modbus::ModbusConnector;
use crate::engine::observe::{self, DeviceError, Reading};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::register::{Codec, RegisterKind, ValueType, WordOrder};

use super::setup::Setup;

/// Most registers one import may read (the whole table is 65,536).
pub const MAX_REGISTERS: usize = 10_000;

/// Arguments that do not say what to import, or a device that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("--device {text:?}: expected HOST:PORT, e.g. 10.0.0.5:502")]
    DeviceSyntax { text: String },
    #[error("--device {text:?}: {port:?} is not a port")]
    DevicePort { text: String, port: String },
    #[error("--type {text:?}: use u16 i16 u32 i32 u64 i64 f32 f64 or bool")]
    ValueType { text: String },
    /// A bool in a word is one of its bits; importing words as bool would declare
    /// registers whose writes overwrite all 16 bits.
    #[error(
        "--type bool: a bool in a holding or input register is one bit of a word; import the words (u16) and declare their bits with `type: bool, bit: N`"
    )]
    BoolWords,
    #[error("--word-order {text:?}: use big or little")]
    WordOrder { text: String },
    #[error("{part:?} is not an address or a range like 4000-4099")]
    Range { part: String },
    #[error("range {part:?} runs backwards")]
    BackwardsRange { part: String },
    #[error("nothing to import: give --holding, --input, --coils or --discrete ranges")]
    Nothing,
    #[error("{asked} registers asked for; import at most {MAX_REGISTERS} at a time")]
    TooMany { asked: usize },
    #[error(
        "read nothing from {device}: none of the {asked} registers asked for could be imported (first: {first}); check the ranges, --unit and --type"
    )]
    NothingRead {
        device: String,
        asked: usize,
        first: String,
    },
    #[error("cannot read {device}: {source}")]
    Read {
        device: String,
        #[source]
        source: DeviceError,
    },
}

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> Result<Outcome, Error> {
    let (host, port) = parse_device(&args.device)?;
    if let Some(model) = &args.model {
        return super::import_model::run(global, args, &host, port, model);
    }
    let value_type: ValueType = serde_json::from_value(serde_json::Value::String(
        args.value_type.clone(),
    ))
    .map_err(|_| ImportError::ValueType {
        text: args.value_type.clone(),
    })?;
    if value_type == ValueType::Bool && (args.holding.is_some() || args.input.is_some()) {
        return Err(ImportError::BoolWords.into());
    }
    let word_order: WordOrder = serde_json::from_value(serde_json::Value::String(
        args.word_order.clone(),
    ))
    .map_err(|_| ImportError::WordOrder {
        text: args.word_order.clone(),
    })?;
    let mut points: Vec<(RegisterKind, u16, ValueType)> = Vec::new();
    for (kind, ranges, ty) in [
        (RegisterKind::Holding, &args.holding, value_type),
        (RegisterKind::Input, &args.input, value_type),
        (RegisterKind::Coil, &args.coils, ValueType::Bool),
        (RegisterKind::Discrete, &args.discrete, ValueType::Bool),
    ] {
        let Some(ranges) = ranges else { continue };
        let ty = if kind.is_bit() { ValueType::Bool } else { ty };
        for (start, end) in parse_ranges(ranges)? {
            let mut address = u32::from(start);
            while address + u32::from(ty.width()) - 1 <= u32::from(end) {
                points.push((kind, address as u16, ty));
                address += u32::from(ty.width());
            }
        }
    }
    if points.is_empty() {
        return Err(ImportError::Nothing.into());
    }
    if points.len() > MAX_REGISTERS {
        return Err(ImportError::TooMany {
            asked: points.len(),
        }
        .into());
    }
    let timeout = Duration::from_millis(args.timeout_ms.into());
    let items: Vec<(u16, u16, RegisterKind)> =
        points.iter().map(|(k, a, t)| (*a, t.width(), *k)).collect();
    let readings = super::runtime()?.block_on(async {
        let connector = ModbusConnector;
        let mut session = Setup::defaults(global).session(
            &connector,
            &host,
            port,
            &crate::device::Transport::Tcp,
        );
        observe::read_registers(&mut session, args.unit, &items, timeout).await
    });
    let readings = readings.map_err(|source| ImportError::Read {
        device: args.device.clone(),
        source,
    })?;

    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&host, port, args.unit));
    let mut yaml = String::new();
    let _ = writeln!(
        yaml,
        "# Imported by `fabctl import` from {}:{port} unit {} at {}.",
        host,
        args.unit,
        jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map(|t| t.to_string())
            .unwrap_or_default()
    );
    let _ = writeln!(
        yaml,
        "# Rename the registers, set min/max bounds and tolerances, then commit."
    );
    if !args.enforce {
        let _ = writeln!(
            yaml,
            "# Every register is `mode: observe` (reported, never written): switch them to\n# `mode: enforce` one by one, never counters, commands or outputs the PLC program writes."
        );
    }
    let _ = writeln!(
        yaml,
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: {name}\n  namespace: {}\nspec:\n  deviceAddress: {host}\n  port: {port}\n  unitId: {}\n  timeoutMs: {}\n  registers:",
        args.namespace, args.unit, args.timeout_ms
    );
    let mut skipped = Vec::new();
    for ((kind, address, ty), reading) in points.iter().zip(&readings) {
        let words = match reading {
            Reading::Words(w) => w,
            Reading::Exception(e) => {
                skipped.push(format!("{kind} {address}: {e}"));
                continue;
            }
        };
        let codec = Codec {
            value_type: *ty,
            word_order,
            scale: 1.0,
            offset: 0.0,
        };
        let value = match codec.decode(words) {
            Ok(v) if v.as_f64().is_none_or(f64::is_finite) => v,
            _ => {
                skipped.push(format!("{kind} {address}: not a finite {ty} ({words:?})"));
                continue;
            }
        };
        let prefix = match kind {
            RegisterKind::Holding => "hr",
            RegisterKind::Input => "ir",
            RegisterKind::Coil => "coil",
            RegisterKind::Discrete => "di",
        };
        let _ = write!(
            yaml,
            "    - {{name: {prefix}_{address}, address: {address}, kind: {kind}"
        );
        if !kind.is_bit() && *ty != ValueType::U16 {
            let _ = write!(yaml, ", type: {ty}");
            if ty.width() > 1 && word_order == WordOrder::Little {
                let _ = write!(yaml, ", wordOrder: little");
            }
        }
        if !(args.enforce && kind.is_writable()) {
            let _ = write!(yaml, ", mode: observe");
        }
        let _ = writeln!(yaml, ", value: {value}}}");
    }
    for s in &skipped {
        eprintln!("note: skipped {s}");
    }
    if skipped.len() == points.len() {
        return Err(ImportError::NothingRead {
            device: args.device.clone(),
            asked: points.len(),
            first: skipped.first().cloned().unwrap_or_default(),
        }
        .into());
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, &yaml).map_err(|source| Error::WriteFile {
                path: path.clone(),
                source,
            })?;
            eprintln!(
                "Wrote {} with {} registers. Check it with: fabctl plan -f {}",
                path.display(),
                points.len() - skipped.len(),
                path.display()
            );
        }
        None => print!("{yaml}"),
    }
    eprintln!("{}", next_steps(args.enforce));
    Ok(Outcome::Success)
}

/// What to do with the imported manifest before fabctl may write anything.
fn next_steps(enforce: bool) -> &'static str {
    if enforce {
        "Next: review every register before applying: writable registers were imported as `mode: enforce`, so `fabctl apply` will hold them at the imported values (never enforce counters, commands or outputs the PLC program writes)."
    } else {
        "Next: review the file (names, min/max, tolerances), run `fabctl plan` on it, then switch registers to `mode: enforce` one by one; never enforce counters, commands or outputs the PLC program writes."
    }
}

pub(super) fn parse_device(text: &str) -> Result<(String, u16), ImportError> {
    let syntax = || ImportError::DeviceSyntax {
        text: text.to_owned(),
    };
    let (host, port) = text.rsplit_once(':').ok_or_else(syntax)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().map_err(|_| ImportError::DevicePort {
        text: text.to_owned(),
        port: port.to_owned(),
    })?;
    if host.is_empty() || port == 0 {
        return Err(syntax());
    }
    Ok((host.to_owned(), port))
}

/// `4000-4099,4200` → [(4000, 4099), (4200, 4200)].
fn parse_ranges(text: &str) -> Result<Vec<(u16, u16)>, ImportError> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let address = |s: &str| {
                s.trim().parse::<u16>().map_err(|_| ImportError::Range {
                    part: part.to_owned(),
                })
            };
            let (a, b) = (address(a)?, address(b)?);
            if a > b {
                return Err(ImportError::BackwardsRange {
                    part: part.to_owned(),
                });
            }
            Ok((a, b))
        })
        .collect()
}

pub(super) fn default_name(host: &str, port: u16, unit: u8) -> String {
    let host: String = host
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("plc-{}-{port}-{unit}", host.trim_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_devices_parse() {
        assert_eq!(
            parse_ranges("4000-4099,4200").unwrap(),
            [(4000, 4099), (4200, 4200)]
        );
        assert!(
            parse_ranges("10-5")
                .unwrap_err()
                .to_string()
                .contains("backwards")
        );
        assert_eq!(
            parse_device("127.0.0.1:5502").unwrap(),
            ("127.0.0.1".into(), 5502)
        );
        assert_eq!(parse_device("[::1]:502").unwrap(), ("::1".into(), 502));
        assert!(parse_device("plc").is_err());
        assert_eq!(default_name("10.0.0.5", 502, 1), "plc-10-0-0-5-502-1");
    }

    #[test]
    fn errors_say_what_to_give() {
        assert_eq!(
            ImportError::TooMany { asked: 10_001 }.to_string(),
            "10001 registers asked for; import at most 10000 at a time"
        );
        assert_eq!(
            parse_device("plc:x").unwrap_err().to_string(),
            "--device \"plc:x\": \"x\" is not a port"
        );
        assert_eq!(
            parse_device(":502").unwrap_err().to_string(),
            "--device \":502\": expected HOST:PORT, e.g. 10.0.0.5:502"
        );
        assert_eq!(
            parse_ranges("1,a").unwrap_err().to_string(),
            "\"a\" is not an address or a range like 4000-4099"
        );
    }
}
