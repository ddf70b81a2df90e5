//! `fabctl import`: brownfield adoption. Reads the live values of the given register
//! ranges and prints a valid `IndustrialPLC` manifest with them as desired values, so
//! `fabctl plan` right after the import shows no changes. Input registers and
//! discrete inputs become observe-only assertions.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::ImportArgs;
use crate::device::modbus::ModbusConnector;
use crate::device::{RetryPolicy, Session};
use crate::engine::observe::{self, Reading};
use crate::error::Error;
use crate::register::{Codec, RegisterKind, ValueType, WordOrder};

/// Most registers one import may read (the whole table is 65,536).
pub const MAX_REGISTERS: usize = 10_000;

pub fn run(args: &ImportArgs) -> Result<ExitCode, Error> {
    let usage = |message: String| Error::Usage { message };
    let (host, port) = parse_device(&args.device).map_err(usage)?;
    let value_type: ValueType = serde_json::from_value(serde_json::Value::String(
        args.value_type.clone(),
    ))
    .map_err(|_| {
        usage(format!(
            "--type {:?}: use u16 i16 u32 i32 u64 i64 f32 f64 or bool",
            args.value_type
        ))
    })?;
    let word_order: WordOrder = serde_json::from_value(serde_json::Value::String(
        args.word_order.clone(),
    ))
    .map_err(|_| {
        usage(format!(
            "--word-order {:?}: use big or little",
            args.word_order
        ))
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
        for (start, end) in parse_ranges(ranges).map_err(usage)? {
            let mut address = u32::from(start);
            while address + u32::from(ty.width()) - 1 <= u32::from(end) {
                points.push((kind, address as u16, ty));
                address += u32::from(ty.width());
            }
        }
    }
    if points.is_empty() {
        return Err(usage(
            "nothing to import: give --holding, --input, --coils or --discrete ranges".into(),
        ));
    }
    if points.len() > MAX_REGISTERS {
        return Err(usage(format!(
            "{} registers asked for; import at most {MAX_REGISTERS} at a time",
            points.len()
        )));
    }
    let timeout = Duration::from_millis(args.timeout_ms.into());
    let items: Vec<(u16, u16, RegisterKind)> =
        points.iter().map(|(k, a, t)| (*a, t.width(), *k)).collect();
    let readings = super::runtime()?.block_on(async {
        let connector = ModbusConnector;
        let mut session = Session::new(&connector, &host, port, RetryPolicy::default());
        observe::read_registers(&mut session, args.unit, &items, timeout).await
    });
    let readings = readings.map_err(|e| usage(format!("cannot read {}: {e}", args.device)))?;

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
        if !kind.is_writable() {
            let _ = write!(yaml, ", mode: observe");
        }
        let _ = writeln!(yaml, ", value: {value}}}");
    }
    for s in &skipped {
        eprintln!("note: skipped {s}");
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
    Ok(ExitCode::SUCCESS)
}

fn parse_device(text: &str) -> Result<(String, u16), String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("--device {text:?}: expected HOST:PORT, e.g. 10.0.0.5:502"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port
        .parse()
        .map_err(|_| format!("--device {text:?}: {port:?} is not a port"))?;
    if host.is_empty() || port == 0 {
        return Err(format!(
            "--device {text:?}: expected HOST:PORT, e.g. 10.0.0.5:502"
        ));
    }
    Ok((host.to_owned(), port))
}

/// `4000-4099,4200` → [(4000, 4099), (4200, 4200)].
fn parse_ranges(text: &str) -> Result<Vec<(u16, u16)>, String> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let a: u16 = a
                .trim()
                .parse()
                .map_err(|_| format!("{part:?} is not an address or a range like 4000-4099"))?;
            let b: u16 = b
                .trim()
                .parse()
                .map_err(|_| format!("{part:?} is not an address or a range like 4000-4099"))?;
            if a > b {
                return Err(format!("range {part:?} runs backwards"));
            }
            Ok((a, b))
        })
        .collect()
}

fn default_name(host: &str, port: u16, unit: u8) -> String {
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
        assert!(parse_ranges("10-5").unwrap_err().contains("backwards"));
        assert_eq!(
            parse_device("127.0.0.1:5502").unwrap(),
            ("127.0.0.1".into(), 5502)
        );
        assert_eq!(parse_device("[::1]:502").unwrap(), ("::1".into(), 502));
        assert!(parse_device("plc").is_err());
        assert_eq!(default_name("10.0.0.5", 502, 1), "plc-10-0-0-5-502-1");
    }
}
