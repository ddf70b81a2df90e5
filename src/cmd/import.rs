//! `fabctl import`: brownfield adoption. Reads the live values of the given register
//! ranges and prints a valid `IndustrialPLC` manifest with them as desired values, so
//! `fabctl plan` right after the import shows no changes. Every register is imported
//! `mode: observe` (a live counter or a command word must never be rolled back to the
//! value it had at import time); `--enforce` opts writable registers in. Reads honour
//! `--max-read-registers`/`--max-read-bits`/`--max-gap` and learn the device's own
//! limits as every run does; the manifest records them in `spec.limits`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{GlobalArgs, ImportArgs};
use crate::device::batch::Coalescing;
use crate::device::modbus::ModbusConnector;
use crate::device::transport::{SerialSettings, TlsSettings};
use crate::device::{Limits, Transport};
use crate::engine::observe::{self, DeviceError, Reading};
use crate::error::Error;
use crate::manifest::spec::{Parity, TransportKind};
use crate::outcome::Outcome;
use crate::register::{ByteOrder, Codec, RegisterKind, Value, ValueType, WordOrder, Words};

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
    #[error("--type {text:?}: use u16 i16 u32 i32 u64 i64 f32 f64 bool or string")]
    ValueType { text: String },
    /// A bool in a word is one of its bits; importing words as bool would declare
    /// registers whose writes overwrite all 16 bits.
    #[error(
        "--type bool: a bool in a holding or input register is one bit of a word; import the words (u16) and declare their bits with `type: bool, bit: N`"
    )]
    BoolWords,
    #[error(
        "give the device: --device HOST:PORT (or --transport rtu --serial-device PATH for a serial line)"
    )]
    NoDevice,
    #[error("--transport {text:?}: use tcp, rtu-over-tcp or rtu")]
    Transport { text: String },
    #[error(
        "--transport rtu reads a serial line: give --serial-device PATH (and --baud-rate, --parity…) instead of --device"
    )]
    SerialDevice,
    #[error("--serial-device is only read with --transport rtu")]
    SerialWithoutRtu,
    #[error("--unit {unit} cannot be used with --transport {transport}: {why}; {hint}")]
    SerialUnit {
        unit: u8,
        why: &'static str,
        transport: &'static str,
        hint: &'static str,
    },
    #[error("--parity {text:?}: use none, even or odd")]
    Parity { text: String },
    #[error("--{flag}: {message}; {hint}")]
    SerialSetting {
        flag: &'static str,
        message: String,
        hint: String,
    },
    #[error("--word-order {text:?}: use big or little")]
    WordOrder { text: String },
    #[error("--order {text:?}: use ABCD, CDAB, BADC or DCBA")]
    Order { text: String },
    #[error(
        "--type string needs --length N, the registers each string occupies (1 to {})",
        Words::MAX
    )]
    StringLength,
    #[error("--length is for --type string; {value_type} has a fixed width")]
    LengthWithoutString { value_type: ValueType },
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
    #[error("--transport tls needs --ca-file, --cert-file and --key-file")]
    TlsFiles,
    #[error("--ca-file, --cert-file, --key-file and --server-name need --transport tls")]
    TlsWithoutTransport,
    #[error("--{flag}: {reason}")]
    Tls { flag: &'static str, reason: String },
    #[error("cannot read {device}: {source}")]
    Read {
        device: String,
        #[source]
        source: DeviceError,
    },
    #[error(
        "PLCModel `{model}` is reached over {wanted}, not {given}: pass --transport {wanted} (and its flags)"
    )]
    ModelTransport {
        model: String,
        wanted: &'static str,
        given: &'static str,
    },
}

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> Result<Outcome, Error> {
    let (host, port, transport) = device_of(args)?;
    let device = crate::device::endpoint_of(&host, port, &transport);
    if let Transport::Tls(settings) = &transport {
        crate::device::tls::check(settings).map_err(|e| ImportError::Tls {
            flag: flag_of(e.field()),
            reason: e.to_string(),
        })?;
        let key = &settings.key_file;
        if let Some(mode) = crate::device::tls::pem::readable_by_others(key) {
            eprintln!(
                "warning: --key-file {} can be read by others (mode {mode:04o}): chmod 600 it",
                key.display()
            );
        }
    }
    if let Some(model) = &args.model {
        return super::import_model::run(global, args, &host, port, &transport, model);
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
    let (word_order, byte_order) = parse_order(args)?;
    let length = match (value_type, args.length) {
        (ValueType::String, Some(n)) if (1..=Words::MAX).contains(&usize::from(n)) => n,
        (ValueType::String, _) => return Err(ImportError::StringLength.into()),
        (_, Some(_)) => return Err(ImportError::LengthWithoutString { value_type }.into()),
        (_, None) => 0,
    };
    let codec_of = |value_type: ValueType| Codec {
        value_type,
        word_order,
        byte_order: if value_type == ValueType::Bool {
            ByteOrder::Big
        } else {
            byte_order
        },
        length,
        scale: 1.0,
        offset: 0.0,
    };
    let mut points: Vec<(RegisterKind, u16, ValueType)> = Vec::new();
    for (kind, ranges, ty) in [
        (RegisterKind::Holding, &args.holding, value_type),
        (RegisterKind::Input, &args.input, value_type),
        (RegisterKind::Coil, &args.coils, ValueType::Bool),
        (RegisterKind::Discrete, &args.discrete, ValueType::Bool),
    ] {
        let Some(ranges) = ranges else { continue };
        let ty = if kind.is_bit() { ValueType::Bool } else { ty };
        let width = u32::from(codec_of(ty).width());
        for (start, end) in parse_ranges(ranges)? {
            let mut address = u32::from(start);
            while address + width - 1 <= u32::from(end) {
                points.push((kind, address as u16, ty));
                address += width;
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
    let items: Vec<(u16, u16, RegisterKind)> = points
        .iter()
        .map(|(k, a, t)| (*a, codec_of(*t).width(), *k))
        .collect();
    let asked = Limits {
        max_read_registers: args
            .max_read_registers
            .unwrap_or(Limits::PROTOCOL.max_read_registers),
        max_read_bits: args.max_read_bits.unwrap_or(Limits::PROTOCOL.max_read_bits),
        max_gap: args.max_gap.unwrap_or(Limits::PROTOCOL.max_gap),
        ..Limits::PROTOCOL
    };
    let (readings, reads) = super::runtime()?.block_on(async {
        let connector = ModbusConnector;
        let mut session = Setup::defaults(global).session(&connector, &host, port, &transport);
        session.set_limits(args.unit, asked);
        let readings = observe::read_registers(&mut session, args.unit, &items, timeout).await;
        (readings, session.unit_limits(args.unit).coalescing())
    });
    let readings = readings.map_err(|source| ImportError::Read {
        device: device.clone(),
        source,
    })?;

    let name = args.name.clone().unwrap_or_else(|| match &transport {
        Transport::Rtu(serial) => default_line_name(&serial.device, args.unit),
        Transport::Tcp | Transport::RtuOverTcp | Transport::Tls(_) => {
            default_name(&host, port, args.unit)
        }
    });
    let mut yaml = String::new();
    let _ = writeln!(
        yaml,
        "# Imported by `fabctl import` from {device} unit {} at {}.",
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
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: {name}\n  namespace: {}\nspec:\n  deviceAddress: {host}\n{}  unitId: {}\n  timeoutMs: {}{}",
        args.namespace,
        transport_lines(port, &transport),
        args.unit,
        args.timeout_ms,
        tls_yaml(&transport, args.server_name.is_some())
    );
    if let Some(limits) = limits_line(reads) {
        let _ = writeln!(yaml, "  limits: {limits}");
    }
    let _ = writeln!(yaml, "  registers:");
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    for ((kind, address, ty), reading) in points.iter().zip(&readings) {
        let words = match reading {
            Reading::Words(w) => w,
            Reading::Exception(e) => {
                skipped.push(format!("{kind} {address}: {e}"));
                continue;
            }
        };
        let codec = codec_of(*ty);
        let value = match codec.decode(words) {
            Ok(v) if v.as_f64().is_none_or(f64::is_finite) => v,
            _ => {
                skipped.push(format!("{kind} {address}: not a finite {ty} ({words:?})"));
                continue;
            }
        };
        // What a manifest cannot declare (text that is not ASCII or holds a NUL) is
        // left out rather than written into a manifest that would not validate.
        if let Err(e) = codec.encode(&value) {
            skipped.push(format!("{kind} {address}: {e}"));
            continue;
        }
        if let Some(hint) = order_hint(&codec, words, &value) {
            notes.push(format!("{kind} {address}: {hint}"));
        }
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
            if *ty == ValueType::String {
                let _ = write!(yaml, ", length: {length}");
            } else if codec.width() > 1 && word_order == WordOrder::Little {
                let _ = write!(yaml, ", wordOrder: little");
            }
        }
        if !kind.is_bit() && codec.byte_order == ByteOrder::Little {
            let _ = write!(yaml, ", byteOrder: little");
        }
        if !(args.enforce && kind.is_writable()) {
            let _ = write!(yaml, ", mode: observe");
        }
        let _ = writeln!(yaml, ", value: {}}}", yaml_value(&value));
    }
    for s in &skipped {
        eprintln!("note: skipped {s}");
    }
    for n in &notes {
        eprintln!("note: {n}");
    }
    write_out(args, &yaml, device, points.len(), &skipped, |path, read| {
        let path = path.display();
        format!("Wrote {path} with {read} registers. Check it with: fabctl plan -f {path}")
    })?;
    eprintln!("{}", next_steps(args.enforce));
    Ok(Outcome::Success)
}

/// Writes an imported manifest to `--out` (then `wrote` says what it holds, given the
/// path and the registers read) or to stdout. An import that read none of the `asked`
/// registers is an error and writes nothing.
pub(super) fn write_out(
    args: &ImportArgs,
    yaml: &str,
    device: String,
    asked: usize,
    skipped: &[String],
    wrote: impl FnOnce(&std::path::Path, usize) -> String,
) -> Result<(), Error> {
    if skipped.len() == asked {
        return Err(ImportError::NothingRead {
            device,
            asked,
            first: skipped.first().cloned().unwrap_or_default(),
        }
        .into());
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, yaml).map_err(|source| Error::WriteFile {
                path: path.clone(),
                source,
            })?;
            eprintln!("{}", wrote(path, asked - skipped.len()));
        }
        None => print!("{yaml}"),
    }
    Ok(())
}

/// The device the flags name: host, port and transport. A serial line's
/// `deviceAddress` is its path.
fn device_of(args: &ImportArgs) -> Result<(String, u16, Transport), ImportError> {
    let kind: TransportKind = serde_json::from_value(serde_json::Value::String(
        args.transport.clone(),
    ))
    .map_err(|_| ImportError::Transport {
        text: args.transport.clone(),
    })?;
    if matches!(kind, TransportKind::Rtu | TransportKind::RtuOverTcp)
        && let Some(why) = crate::device::serial::unit_problem(args.unit)
    {
        return Err(ImportError::SerialUnit {
            unit: args.unit,
            why,
            transport: crate::device::transport::name(kind),
            hint: crate::device::serial::UNIT_HINT,
        });
    }
    // The tls settings of --transport tls (Tcp otherwise); the tls flags without it
    // are an error.
    let tls = transport(args)?;
    let network = |transport: Transport| {
        if args.serial_device.is_some() {
            return Err(ImportError::SerialWithoutRtu);
        }
        let text = args.device.as_deref().ok_or(ImportError::NoDevice)?;
        let (host, port) = parse_device(text, transport.kind().default_port())?;
        let transport = with_server_name(transport, &host);
        Ok((host, port, transport))
    };
    match kind {
        TransportKind::Tcp => network(Transport::Tcp),
        TransportKind::RtuOverTcp => network(Transport::RtuOverTcp),
        TransportKind::Tls => network(tls),
        TransportKind::Rtu => {
            let Some(path) = &args.serial_device else {
                return Err(ImportError::SerialDevice);
            };
            let parity: Parity = serde_json::from_value(serde_json::Value::String(
                args.parity.clone(),
            ))
            .map_err(|_| ImportError::Parity {
                text: args.parity.clone(),
            })?;
            let problems =
                crate::device::serial::check(args.baud_rate, args.data_bits, args.stop_bits);
            if let Some(problem) = problems.into_iter().next() {
                let flag = match problem.key {
                    "baudRate" => "baud-rate",
                    "dataBits" => "data-bits",
                    _ => "stop-bits",
                };
                return Err(ImportError::SerialSetting {
                    flag,
                    message: problem.message,
                    hint: problem.hint,
                });
            }
            let serial = SerialSettings {
                device: path.clone(),
                baud_rate: args.baud_rate,
                parity,
                data_bits: args.data_bits,
                stop_bits: args.stop_bits,
            };
            let host = path.display().to_string();
            // A serial line has no port (the manifest leaves it out).
            Ok((host, 502, Transport::Rtu(serial)))
        }
    }
}

/// The manifest's lines of the port and the transport.
pub(super) fn transport_lines(port: u16, transport: &Transport) -> String {
    match transport {
        Transport::Rtu(serial) => {
            let parity = match serial.parity {
                Parity::None => "none",
                Parity::Even => "even",
                Parity::Odd => "odd",
            };
            format!(
                "  transport: rtu\n  serial: {{device: {}, baudRate: {}, parity: {parity}, dataBits: {}, stopBits: {}}}\n",
                serial.device.display(),
                serial.baud_rate,
                serial.data_bits,
                serial.stop_bits
            )
        }
        Transport::RtuOverTcp => format!("  port: {port}\n  transport: rtu-over-tcp\n"),
        Transport::Tcp | Transport::Tls(_) => format!("  port: {port}\n"),
    }
}

/// The `spec.limits` of the manifest: what the device was read with, where it is less
/// than the protocol allows (given by flags, or learned from the device's refusals).
fn limits_line(reads: Coalescing) -> Option<String> {
    let protocol = Coalescing::default();
    let mut fields = Vec::new();
    if reads.max_registers < protocol.max_registers {
        fields.push(format!("maxReadRegisters: {}", reads.max_registers));
    }
    if reads.max_bits < protocol.max_bits {
        fields.push(format!("maxReadBits: {}", reads.max_bits));
    }
    if reads.max_gap != protocol.max_gap {
        fields.push(format!("maxGap: {}", reads.max_gap));
    }
    (!fields.is_empty()).then(|| format!("{{{}}}", fields.join(", ")))
}

/// A float that reads as an implausible magnitude in the order asked for, and as a
/// plausible one in another: the order is probably wrong. Only a hint: the user knows
/// what the device should show.
fn order_hint(codec: &Codec, words: &[u16], value: &Value) -> Option<String> {
    // Magnitudes a process value has (0, or 1e-4 to 1e7); a wrong order typically
    // gives something like 2.6e-41 or 8.6e9.
    let plausible = |x: f64| x == 0.0 || (1e-4..=1e7).contains(&x.abs());
    let x = value.as_f64().filter(|_| codec.value_type.is_float())?;
    if plausible(x) {
        return None;
    }
    let orders = [
        (WordOrder::Big, ByteOrder::Big),
        (WordOrder::Little, ByteOrder::Big),
        (WordOrder::Big, ByteOrder::Little),
        (WordOrder::Little, ByteOrder::Little),
    ];
    let others: Vec<String> = orders
        .into_iter()
        .filter(|&(w, b)| (w, b) != (codec.word_order, codec.byte_order))
        .filter_map(|(word_order, byte_order)| {
            let other = Codec {
                word_order,
                byte_order,
                ..*codec
            };
            let y = other.decode(words).ok()?.as_f64()?;
            let name = crate::register::order_name(word_order, byte_order);
            plausible(y).then(|| format!("{y} as {name} (--order {name})"))
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    let asked = crate::register::order_name(codec.word_order, codec.byte_order);
    Some(format!(
        "{x:e} as {asked} looks implausible; it reads {}: keep the order the device's manual or HMI confirms",
        others.join(", ")
    ))
}

/// The word and byte order of `--order`, or of `--word-order` (bytes as Modbus
/// specifies).
fn parse_order(args: &ImportArgs) -> Result<(WordOrder, ByteOrder), ImportError> {
    if let Some(text) = &args.order {
        return match text.to_ascii_uppercase().as_str() {
            "ABCD" => Ok((WordOrder::Big, ByteOrder::Big)),
            "CDAB" => Ok((WordOrder::Little, ByteOrder::Big)),
            "BADC" => Ok((WordOrder::Big, ByteOrder::Little)),
            "DCBA" => Ok((WordOrder::Little, ByteOrder::Little)),
            _ => Err(ImportError::Order { text: text.clone() }),
        };
    }
    let word_order = serde_json::from_value(serde_json::Value::String(args.word_order.clone()))
        .map_err(|_| ImportError::WordOrder {
            text: args.word_order.clone(),
        })?;
    Ok((word_order, ByteOrder::Big))
}

/// A value as YAML: text double-quoted (ASCII without NUL, as import checked), so that
/// `true`, `12` or a trailing space stay text.
pub(super) fn yaml_value(value: &Value) -> String {
    match value {
        Value::Text(text) => {
            let mut quoted = String::with_capacity(text.len() + 2);
            quoted.push('"');
            for c in text.chars() {
                match c {
                    '"' => quoted.push_str("\\\""),
                    '\\' => quoted.push_str("\\\\"),
                    c if c.is_ascii_control() => {
                        let _ = write!(quoted, "\\x{:02X}", u32::from(c));
                    }
                    c => quoted.push(c),
                }
            }
            quoted.push('"');
            quoted
        }
        other => other.to_string(),
    }
}

/// What to do with the imported manifest before fabctl may write anything.
fn next_steps(enforce: bool) -> &'static str {
    if enforce {
        "Next: review every register before applying: writable registers were imported as `mode: enforce`, so `fabctl apply` will hold them at the imported values (never enforce counters, commands or outputs the PLC program writes)."
    } else {
        "Next: review the file (names, min/max, tolerances), run `fabctl plan` on it, then switch registers to `mode: enforce` one by one; never enforce counters, commands or outputs the PLC program writes."
    }
}

/// `--transport` with its files (absolute, so the manifest works wherever it is
/// written), the server name still to be filled in from the host.
fn transport(args: &ImportArgs) -> Result<Transport, ImportError> {
    let files = (&args.ca_file, &args.cert_file, &args.key_file);
    if args.transport != "tls" {
        let any = files.0.is_some() || files.1.is_some() || files.2.is_some();
        if any || args.server_name.is_some() {
            return Err(ImportError::TlsWithoutTransport);
        }
        return Ok(Transport::Tcp);
    }
    let (Some(ca), Some(cert), Some(key)) = files else {
        return Err(ImportError::TlsFiles);
    };
    let absolute = |path: &PathBuf| std::path::absolute(path).unwrap_or_else(|_| path.clone());
    Ok(Transport::Tls(TlsSettings {
        ca_digest: crate::device::tls::ca_file_digest(&absolute(ca)),
        ca_file: absolute(ca),
        cert_file: absolute(cert),
        key_file: absolute(key),
        server_name: args.server_name.clone().unwrap_or_default(),
    }))
}

/// A tls transport whose server name is `host` unless `--server-name` was given.
fn with_server_name(transport: Transport, host: &str) -> Transport {
    match transport {
        Transport::Tls(mut settings) if settings.server_name.is_empty() => {
            settings.server_name = host.to_owned();
            Transport::Tls(settings)
        }
        other => other,
    }
}

/// The import flag of a `spec.tls` key.
fn flag_of(field: &str) -> &'static str {
    match field {
        "caFile" => "ca-file",
        "certFile" => "cert-file",
        "keyFile" => "key-file",
        _ => "server-name",
    }
}

/// The `transport:` and `tls:` lines of the manifest (none for tcp).
pub(super) fn tls_yaml(transport: &Transport, server_name_given: bool) -> String {
    let Transport::Tls(settings) = transport else {
        return String::new();
    };
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let path = |p: &std::path::Path| quoted(&p.to_string_lossy());
    let mut yaml = format!(
        "\n  transport: tls\n  tls:\n    caFile: {}\n    certFile: {}\n    keyFile: {}",
        path(&settings.ca_file),
        path(&settings.cert_file),
        path(&settings.key_file)
    );
    if server_name_given {
        let _ = write!(yaml, "\n    serverName: {}", quoted(&settings.server_name));
    }
    yaml
}

/// `HOST:PORT`, `[IPv6]:PORT`, or a host without a port (then `default_port`).
fn parse_device(text: &str, default_port: u16) -> Result<(String, u16), ImportError> {
    let syntax = || ImportError::DeviceSyntax {
        text: text.to_owned(),
    };
    let bare = !text.contains(':')
        || (text.starts_with('[') && text.ends_with(']'))
        || text.parse::<std::net::Ipv6Addr>().is_ok();
    if bare {
        let host = text.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(syntax());
        }
        return Ok((host.to_owned(), default_port));
    }
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
    format!("plc-{}-{port}-{unit}", slug(host))
}

/// `plc-LINE-UNIT` for a device on the serial line at `path` (by its file name).
fn default_line_name(path: &std::path::Path, unit: u8) -> String {
    let line = path.file_name().unwrap_or_default().to_string_lossy();
    format!("plc-{}-{unit}", slug(&line))
}

/// Lowercase letters, digits and `-`.
fn slug(text: &str) -> String {
    let slug: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    slug.trim_matches('-').to_owned()
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
            parse_device("127.0.0.1:5502", 502).unwrap(),
            ("127.0.0.1".into(), 5502)
        );
        assert_eq!(parse_device("[::1]:502", 502).unwrap(), ("::1".into(), 502));
        assert_eq!(parse_device("plc", 802).unwrap(), ("plc".into(), 802));
        assert_eq!(parse_device("[::1]", 502).unwrap(), ("::1".into(), 502));
        assert_eq!(
            parse_device("fd00::7", 802).unwrap(),
            ("fd00::7".into(), 802)
        );
        assert_eq!(default_name("10.0.0.5", 502, 1), "plc-10-0-0-5-502-1");
    }

    #[test]
    fn text_is_written_as_yaml_that_reads_back_the_same() {
        for text in [
            "PVC-40",
            "12",
            "true",
            "AB  ",
            "say \"hi\"",
            "a\\b",
            "tab\there",
        ] {
            let yaml = yaml_value(&Value::text(text));
            let back: String = serde_saphyr::from_str(&yaml).unwrap();
            assert_eq!(back, text, "{yaml}");
        }
        assert_eq!(yaml_value(&Value::text("tab\there")), "\"tab\\x09here\"");
        assert_eq!(yaml_value(&Value::Float(12.5)), "12.5");
    }

    #[test]
    fn errors_say_what_to_give() {
        assert_eq!(
            ImportError::TooMany { asked: 10_001 }.to_string(),
            "10001 registers asked for; import at most 10000 at a time"
        );
        assert_eq!(
            parse_device("plc:x", 502).unwrap_err().to_string(),
            "--device \"plc:x\": \"x\" is not a port"
        );
        assert_eq!(
            parse_device(":502", 502).unwrap_err().to_string(),
            "--device \":502\": expected HOST:PORT, e.g. 10.0.0.5:502"
        );
        assert_eq!(
            parse_ranges("1,a").unwrap_err().to_string(),
            "\"a\" is not an address or a range like 4000-4099"
        );
    }
}
