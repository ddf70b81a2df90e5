//! Semantic validation of one `IndustrialPLC`: the rules a schema cannot express
//! (names, the shorthand, types per kind, encodability of values, bounds, read-only
//! kinds) and the resolution into the engine's [`Plc`] model. The rules read the
//! typed resource; [`Locations`] says where each part of it is.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::locations::{Field, Locations, RegisterField, SpecField};
use super::spec::{IndustrialPLCSpec, Mode, RegisterSpec, SerialSpec, TransportKind};
use super::{Plc, Register, SourceLoc};
use crate::device::transport::{SerialSettings, Transport};
use crate::register::{
    ByteOrder, Codec, EncodeError, RegisterKind, Value, ValueType, WordOrder, Words, above_max,
    below_min,
};

/// Name of the register the original operator's shorthand declares.
pub const SHORTHAND_REGISTER: &str = "target";

/// Validates a structurally valid resource; `None` when any rule failed (reported).
pub fn resolve(
    metadata: &ObjectMeta,
    mut spec: IndustrialPLCSpec,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Option<Plc> {
    let before = diags.error_count();
    let register_specs = std::mem::take(&mut spec.registers);
    let spec = &spec;
    let at_spec = |field: SpecField| locs.at(Field::Spec(field));

    if spec.device_address.trim().is_empty() || spec.device_address.chars().any(char::is_whitespace)
    {
        diags.push(
            Diagnostic::error(
                at_spec(SpecField::DeviceAddress),
                format!(
                    "`spec.deviceAddress` {:?} is not a host name or IP address",
                    spec.device_address
                ),
            )
            .with_hint(
                "write a host name such as plc-1.plant.local or an IP address such as 10.0.0.5",
            ),
        );
    } else if let Some(d) = check_device_address(&spec.device_address, spec.port_or_default()) {
        diags.push(d.at(at_spec(SpecField::DeviceAddress)));
    }
    if spec.port == Some(0) {
        diags.push(Diagnostic::error(
            at_spec(SpecField::Port),
            "`spec.port` must be between 1 and 65535, got 0",
        ));
    }

    let mut registers = Vec::with_capacity(register_specs.len() + 1);
    match (spec.target_register, spec.target_value) {
        (Some(address), Some(value)) => {
            if let Some(warning) =
                super::modicon::check(SHORTHAND_REGISTER, RegisterKind::Holding, address, || {
                    at_spec(SpecField::TargetRegister)
                })
            {
                diags.push(warning);
            }
            let loc = at_spec(SpecField::TargetValue);
            if !(0..=i64::from(u16::MAX)).contains(&value) {
                diags.push(
                    Diagnostic::error(loc.clone(), format!("`spec.targetValue` {value} is out of range for a u16 holding register (0..=65535)"))
                        .with_hint("use `registers:` with a wider `type` for larger values"),
                );
            }
            registers.push(Register {
                name: SHORTHAND_REGISTER.to_owned(),
                address,
                kind: RegisterKind::Holding,
                codec: Codec {
                    value_type: ValueType::U16,
                    word_order: WordOrder::Big,
                    byte_order: ByteOrder::Big,
                    length: 0,
                    scale: 1.0,
                    offset: 0.0,
                },
                bit: None,
                read_address: None,
                desired: Value::Int(value.into()),
                tolerance: 0.0,
                min: None,
                max: None,
                mode: Mode::Enforce,
                source: at_spec(SpecField::TargetRegister),
            });
        }
        (Some(_), None) => diags.push(
            Diagnostic::error(
                at_spec(SpecField::TargetRegister),
                "`spec.targetRegister` is set but `spec.targetValue` is not",
            )
            .with_hint("add `targetValue:` (the desired value), or use `registers:`"),
        ),
        (None, Some(_)) => diags.push(
            Diagnostic::error(
                at_spec(SpecField::TargetValue),
                "`spec.targetValue` is set but `spec.targetRegister` is not",
            )
            .with_hint("add `targetRegister:` (the register address), or use `registers:`"),
        ),
        (None, None) => {}
    }

    for (i, reg) in register_specs.into_iter().enumerate() {
        if let Some(r) = resolve_register(reg, i, locs, diags) {
            registers.push(r);
        }
    }
    if spec.model.is_none() && !spec.values.is_empty() {
        diags.push(
            Diagnostic::error(
                at_spec(SpecField::Values),
                "`spec.values` sets values of a model's registers, but `spec.model` is not set",
            )
            .with_hint("add `model: NAME` (a PLCModel of this namespace), or declare the registers in `registers:`"),
        );
    }
    // A PLC with a model checked without it (its document has problems) has the
    // model's registers.
    if registers.is_empty() && spec.model.is_none() && diags.error_count() == before {
        diags.push(
            Diagnostic::error(
                at_spec(SpecField::Registers),
                "the PLC declares no registers",
            )
            .with_hint("add `registers:` (or the shorthand `targetRegister` + `targetValue`)"),
        );
    }
    check_duplicate_names(&registers, diags);
    check_write_function(spec, &registers, diags);
    check_limits(spec, &registers, locs, diags);

    for (i, w) in spec.write_windows.iter().enumerate() {
        if let Err(why) =
            crate::schedule::window::Window::parse(&w.schedule, &w.duration, w.time_zone.as_deref())
        {
            let loc = locs.at(Field::WriteWindow(i));
            diags.push(
                Diagnostic::error(loc, format!("`spec.writeWindows[{i}]`: {why}")).with_hint(
                    "e.g. {schedule: \"0 22 * * 1-5\", duration: 8h, timeZone: Europe/Berlin}",
                ),
            );
        }
    }

    let transport = resolve_transport(spec, locs, diags);
    check_serial_unused(spec, locs, diags);
    check_serial_unit(spec, locs, diags);

    if diags.error_count() > before {
        return None;
    }
    Some(Plc {
        namespace: metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned()),
        name: metadata.name.clone().unwrap_or_default(),
        host: spec.device_address.clone(),
        port: spec.port_or_default(),
        unit_id: spec.unit_id,
        timeout: Duration::from_millis(spec.timeout_ms.into()),
        poll_interval: Duration::from_secs(spec.poll_interval_secs.into()),
        auto_correct: spec.auto_correct,
        write_windows: spec.write_windows.clone(),
        min_write_interval: Duration::from_millis(spec.min_write_interval_ms.into()),
        limits: crate::device::Limits::of_spec(spec.limits.as_deref()),
        transport: transport?,
        registers,
        source: locs.at(Field::Document),
    })
}

/// `writeFunction: single` allows FC06 only, one register per request: a value of
/// several registers to enforce could never be written (it is never split).
fn check_write_function(spec: &IndustrialPLCSpec, registers: &[Register], diags: &mut Diagnostics) {
    let single = spec
        .limits
        .as_ref()
        .and_then(|l| l.write_function)
        .is_some_and(|w| w == crate::manifest::spec::WriteFunction::Single);
    if !single {
        return;
    }
    for r in registers {
        if r.mode == crate::manifest::spec::Mode::Enforce && r.kind.is_writable() && r.width() > 1 {
            diags.push(
                Diagnostic::error(
                    r.source.clone(),
                    format!(
                        "register `{}`: a {} takes {} registers, which only one FC16 request writes, and `spec.limits.writeFunction: single` allows FC06 only",
                        r.name,
                        r.codec.value_type,
                        r.width()
                    ),
                )
                .with_hint("set `mode: observe` on the register, or writeFunction: auto if the device has FC16"),
            );
        }
    }
}

/// `spec.limits` against the registers: a value is never split across requests, so
/// every register must fit one read (and, when it is written, one write) of the
/// device (`writeFunction: single` is [`check_write_function`]'s).
fn check_limits(
    spec: &IndustrialPLCSpec,
    registers: &[Register],
    locs: &Locations,
    diags: &mut Diagnostics,
) {
    let Some(set) = &spec.limits else { return };
    let at = |key: &'static str| locs.at(Field::SpecKey(SpecField::Limits, key));
    let words = registers.iter().filter(|r| !r.kind.is_bit());
    let written = |r: &&Register| r.kind.is_writable() && r.mode == Mode::Enforce;
    if let Some(max) = set.max_read_registers
        && let Some(r) = words
            .clone()
            .max_by_key(|r| r.width())
            .filter(|r| r.width() > max)
    {
        diags.push(
            Diagnostic::error(
                at("maxReadRegisters"),
                format!(
                    "register `{}` is {} registers wide, more than `maxReadRegisters: {max}`: a value is never split across reads",
                    r.name,
                    r.width()
                ),
            )
            .with_hint(format!("set maxReadRegisters to at least {}", r.width())),
        );
    }
    if let Some(max) = set.max_write_registers
        && let Some(r) = words
            .clone()
            .filter(written)
            .max_by_key(|r| r.width())
            .filter(|r| r.width() > max)
    {
        diags.push(
            Diagnostic::error(
                at("maxWriteRegisters"),
                format!(
                    "register `{}` is {} registers wide, more than `maxWriteRegisters: {max}`: a value is never split across writes",
                    r.name,
                    r.width()
                ),
            )
            .with_hint(format!(
                "set maxWriteRegisters to at least {}, or `mode: observe` on `{}`",
                r.width(),
                r.name
            )),
        );
    }
}

/// The transport `spec.transport` names, with the settings it needs.
fn resolve_transport(
    spec: &IndustrialPLCSpec,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Option<Transport> {
    let kind = spec.transport.unwrap_or_default();
    let missing = |field: &str, example: &str, diags: &mut Diagnostics| {
        diags.push(
            Diagnostic::error(
                locs.at(Field::Spec(SpecField::Transport)),
                format!(
                    "`spec.transport: {}` needs `spec.{field}`",
                    crate::device::transport::name(kind)
                ),
            )
            .with_hint(format!("add {field}: {example}")),
        );
        None
    };
    if kind != TransportKind::Tls && spec.tls.is_some() {
        diags.push(
            Diagnostic::error(
                locs.at(Field::Spec(SpecField::Tls)),
                format!(
                    "`spec.tls` is set but `spec.transport` is {}",
                    crate::device::transport::name(kind)
                ),
            )
            .with_hint("add `transport: tls` (Modbus/TCP Security), or remove `spec.tls`"),
        );
    }
    Some(match kind {
        TransportKind::Tcp => Transport::Tcp,
        TransportKind::RtuOverTcp => Transport::RtuOverTcp,
        TransportKind::Tls => {
            let Some(tls) = &spec.tls else {
                return missing(
                    "tls",
                    "{caFile: ca.pem, certFile: client.pem, keyFile: client.key}",
                    diags,
                );
            };
            if !super::tls::check_object_paths(tls, locs, diags) {
                return None;
            }
            let settings = super::tls::settings(tls, &spec.device_address, locs);
            if !super::tls::check(&settings, locs, diags) {
                return None;
            }
            Transport::Tls(settings)
        }
        TransportKind::Rtu => {
            let Some(serial) = &spec.serial else {
                return missing("serial", "{device: /dev/ttyUSB0, baudRate: 19200}", diags);
            };
            Transport::Rtu(check_serial(serial, locs, diags)?)
        }
    })
}

/// A unit id no single device on a serial line has: 0 is broadcast (every device on
/// the line performs the request, none answers), 248 to 255 are reserved.
fn check_serial_unit(spec: &IndustrialPLCSpec, locs: &Locations, diags: &mut Diagnostics) {
    let kind = spec.transport.unwrap_or_default();
    if !matches!(kind, TransportKind::Rtu | TransportKind::RtuOverTcp) {
        return;
    }
    if let Some(why) = crate::device::serial::unit_problem(spec.unit_id) {
        diags.push(
            Diagnostic::error(
                locs.at(Field::Spec(SpecField::UnitId)),
                format!(
                    "`spec.unitId: {}` cannot be used with transport {}: {why}",
                    spec.unit_id,
                    crate::device::transport::name(kind)
                ),
            )
            .with_hint(crate::device::serial::UNIT_HINT),
        );
    }
}

/// `spec.serial` given for a transport that is not a serial line.
fn check_serial_unused(spec: &IndustrialPLCSpec, locs: &Locations, diags: &mut Diagnostics) {
    let kind = spec.transport.unwrap_or_default();
    if spec.serial.is_some() && kind != TransportKind::Rtu {
        diags.push(
            Diagnostic::error(
                locs.at(Field::Spec(SpecField::Serial)),
                format!(
                    "spec.serial is only read with transport: rtu (this PLC's transport is {})",
                    crate::device::transport::name(kind)
                ),
            )
            .with_hint("set `transport: rtu` for a serial line, or remove spec.serial"),
        );
    }
}

/// A serial line's settings, each one a line can have (the defaults: 19200 baud, even
/// parity, 8 data bits, 1 stop bit).
fn check_serial(
    serial: &SerialSpec,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Option<SerialSettings> {
    let before = diags.error_count();
    let at = |key: &'static str| locs.at(Field::SpecKey(SpecField::Serial, key));
    let baud_rate = serial.baud_rate.unwrap_or(19200);
    let data_bits = serial.data_bits.unwrap_or(8);
    let stop_bits = serial.stop_bits.unwrap_or(1);
    for problem in crate::device::serial::check(baud_rate, data_bits, stop_bits) {
        diags.push(
            Diagnostic::error(
                at(problem.key),
                format!("`spec.serial.{}`: {}", problem.key, problem.message),
            )
            .with_hint(problem.hint),
        );
    }
    if serial.device.trim().is_empty() {
        diags.push(
            Diagnostic::error(at("device"), "`spec.serial.device` is empty")
                .with_hint("the serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/…"),
        );
    }
    (diags.error_count() == before).then(|| SerialSettings {
        device: serial.device.clone().into(),
        baud_rate,
        parity: serial.parity.unwrap_or_default(),
        data_bits,
        stop_bits,
    })
}

/// Runs the register rules on register entries (the index of each in its list) and
/// checks that their names are unique: for a document with structural errors, the
/// entries that are themselves well-formed; for a simulator scenario, a device's
/// register map. Returns the registers that passed.
pub fn check_registers(
    entries: impl IntoIterator<Item = (usize, RegisterSpec)>,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Vec<Register> {
    let registers: Vec<Register> = entries
        .into_iter()
        .filter_map(|(i, reg)| resolve_register(reg, i, locs, diags))
        .collect();
    check_duplicate_names(&registers, diags);
    registers
}

fn resolve_register(
    reg: RegisterSpec,
    index: usize,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Option<Register> {
    let codec = check_shape(&reg, index, locs, diags)?;
    check_value(&reg, &reg.value, &codec, index, locs, diags)?;
    Some(Register {
        name: reg.name,
        address: reg.address,
        kind: reg.kind,
        codec,
        bit: reg.bit,
        read_address: reg.read_address,
        desired: reg.value,
        tolerance: reg.tolerance,
        min: reg.min,
        max: reg.max,
        mode: if reg.kind.is_writable() {
            reg.mode
        } else {
            Mode::Observe
        },
        source: locs.at(Field::Register(index)),
    })
}

/// Runs the register rules on a `PLCModel`'s register map (a default `value` is
/// checked like a PLC's value; a register without one is checked for the rest):
/// names, shapes, duplicates and overlapping addresses. `true` when all pass.
pub fn check_model_registers(
    registers: &[RegisterSpec<Option<Value>>],
    locs: &Locations,
    diags: &mut Diagnostics,
) -> bool {
    let before = diags.error_count();
    let mut shaped = Vec::with_capacity(registers.len());
    for (i, reg) in registers.iter().enumerate() {
        let Some(codec) = check_shape(reg, i, locs, diags) else {
            continue;
        };
        if let Some(value) = &reg.value
            && check_value(reg, value, &codec, i, locs, diags).is_none()
        {
            continue;
        }
        shaped.push(Register {
            name: reg.name.clone(),
            address: reg.address,
            kind: reg.kind,
            codec,
            bit: reg.bit,
            read_address: reg.read_address,
            // Only the places of the registers are compared below.
            desired: reg.value.clone().unwrap_or(Value::Int(0)),
            tolerance: reg.tolerance,
            min: reg.min,
            max: reg.max,
            mode: reg.mode,
            source: locs.at(Field::Register(i)),
        });
    }
    check_duplicate_names(&shaped, diags);
    super::fleet::check_device_overlaps(&shaped, diags);
    diags.error_count() == before
}

/// The rules on a register entry but its value: the codec it resolves to, `None`
/// when any rule failed (reported).
fn check_shape<V>(
    reg: &RegisterSpec<V>,
    index: usize,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Option<Codec> {
    let before = diags.error_count();
    let at = |field: RegisterField| locs.at(Field::RegisterField(index, field));
    let label = Label(&reg.name);

    if !reg
        .name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Name),
                format!(
                    "register name `{}` ({}) may only hold lowercase letters, digits, '_' and '-'",
                    reg.name,
                    locs.register_path(index)
                ),
            )
            .with_hint(format!("try `{}`", suggest_name(&reg.name))),
        );
    }
    if let Some(warning) = super::modicon::check(&reg.name, reg.kind, reg.address, || {
        at(RegisterField::Address)
    }) {
        diags.push(warning);
    }
    let value_type = reg.value_type();
    if reg.kind.is_bit() && value_type != ValueType::Bool {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Type),
                format!(
                    "{label} is a {} and holds one bit, so its type must be bool, not {value_type}",
                    reg.kind
                ),
            )
            .with_hint("remove `type:` (bool is the default for coils and discrete inputs)"),
        );
        return None;
    }
    if reg.kind.is_bit() && !reg.byte_order.is_big() {
        diags.push(
            Diagnostic::error(
                at(RegisterField::ByteOrder),
                format!(
                    "{label} is a {} and holds one bit, which has no byte order",
                    reg.kind
                ),
            )
            .with_hint("remove `byteOrder:`"),
        );
    }
    check_bit(reg, value_type, &at, diags);
    let width = check_string(reg, value_type, &at, diags);
    check_read_address(reg, value_type, width, &at, diags);
    let last = u32::from(reg.address) + u32::from(width) - 1;
    if last > u32::from(u16::MAX) {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Address),
                format!(
                    "{label}: {value_type} at address {} needs {width} registers and runs past 65535",
                    reg.address,
                ),
            )
            .with_hint(format!(
                "move it to address {} or lower",
                65536 - u32::from(width)
            )),
        );
    }
    if !reg.kind.is_writable()
        && reg.mode == Mode::Enforce
        && locs.is_written(Field::RegisterField(index, RegisterField::Mode))
    {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Mode),
                format!(
                    "{label} is a read-only {} register and cannot be enforced",
                    reg.kind
                ),
            )
            .with_hint("use `mode: observe` (read-only registers are asserted, never written)"),
        );
    }
    if !reg.scale.is_finite() || reg.scale == 0.0 {
        diags.push(Diagnostic::error(
            at(RegisterField::Scale),
            format!(
                "{label}: scale must be a finite, non-zero number, got {}",
                reg.scale
            ),
        ));
    }
    if !reg.offset.is_finite() {
        diags.push(Diagnostic::error(
            at(RegisterField::Offset),
            format!(
                "{label}: offset must be a finite number, got {}",
                reg.offset
            ),
        ));
    }
    if !reg.tolerance.is_finite() || reg.tolerance < 0.0 {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Tolerance),
                format!(
                    "{label}: tolerance must be zero or positive, got {}",
                    reg.tolerance
                ),
            )
            .with_hint("tolerance is the largest |live - desired| still counted as in sync"),
        );
    }
    if let (Some(min), Some(max)) = (reg.min, reg.max)
        && max.compare(&min.into()) == Some(std::cmp::Ordering::Greater)
    {
        diags.push(Diagnostic::error(
            at(RegisterField::Min),
            format!("{label}: min {min} is greater than max {max}"),
        ));
    }
    if diags.error_count() > before {
        return None;
    }

    Some(Codec {
        value_type,
        word_order: reg.word_order,
        byte_order: reg.byte_order,
        length: width,
        scale: reg.scale,
        offset: reg.offset,
    })
}

/// The rules on a register's value: encodable in its type after scaling, within its
/// bounds. A value a PLC sets for its model's register is located at the PLC's
/// `spec.values` entry, and the hint names the model's line of the bound.
fn check_value<V>(
    reg: &RegisterSpec<V>,
    value: &Value,
    codec: &Codec,
    index: usize,
    locs: &Locations,
    diags: &mut Diagnostics,
) -> Option<()> {
    let before = diags.error_count();
    let at = |field: RegisterField| locs.at(Field::RegisterField(index, field));
    let label = Label(&reg.name);
    let bound_hint = |field: RegisterField| {
        if locs.inherits_value(index) {
            format!(
                "the model sets this bound at {}; fix the value, or the model's bound if the machine allows it",
                at(field)
            )
        } else {
            "fix the value, or the bound if the machine allows it".to_owned()
        }
    };
    if let Err(e) = codec.encode(value) {
        diags.push(
            Diagnostic::error(at(RegisterField::Value), format!("{label}: {e}"))
                .with_hint(value_hint(codec, &e)),
        );
        return None;
    }
    if let Some(min) = reg.min.filter(|m| below_min(value, *m)) {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Value),
                format!("{label}: value {value} is below its min {min}"),
            )
            .with_hint(bound_hint(RegisterField::Min)),
        );
    }
    if let Some(max) = reg.max.filter(|m| above_max(value, *m)) {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Value),
                format!("{label}: value {value} is above its max {max}"),
            )
            .with_hint(bound_hint(RegisterField::Max)),
        );
    }
    (diags.error_count() == before).then_some(())
}

/// `bit`: only a `bool` in a holding or input register has one (0..=15), and such a
/// bool must: without it, writing the bool would overwrite all 16 bits of the word.
fn check_bit<V>(
    reg: &RegisterSpec<V>,
    value_type: ValueType,
    at: &impl Fn(RegisterField) -> SourceLoc,
    diags: &mut Diagnostics,
) {
    let label = Label(&reg.name);
    match reg.bit {
        None if value_type == ValueType::Bool && !reg.kind.is_bit() => diags.push(
            Diagnostic::error(
                at(RegisterField::Type),
                format!(
                    "{label}: type bool on a {} register needs `bit`",
                    reg.kind
                ),
            )
            .with_hint(
                "add bit: N (0 = least significant) — a bool on a register would overwrite all 16 bits",
            ),
        ),
        None => {}
        Some(_) if reg.kind.is_bit() => diags.push(
            Diagnostic::error(
                at(RegisterField::Bit),
                format!("{label} is a {} and already one bit; `bit` is for holding and input registers", reg.kind),
            )
            .with_hint("remove `bit:`"),
        ),
        Some(_) if value_type != ValueType::Bool => diags.push(
            Diagnostic::error(
                at(RegisterField::Bit),
                format!("{label}: `bit` needs type bool, not {value_type}"),
            )
            .with_hint("write type: bool (or remove `type:`), or remove `bit:`"),
        ),
        Some(bit) if bit > crate::register::bit::MAX_BIT => diags.push(
            Diagnostic::error(
                at(RegisterField::Bit),
                format!("{label}: bit {bit} does not exist; a register has bits 0 to 15"),
            )
            .with_hint("bit 0 is the least significant bit of the word"),
        ),
        Some(bit) if !reg.byte_order.is_big() => diags.push(
            Diagnostic::error(
                at(RegisterField::ByteOrder),
                format!("{label}: `byteOrder` does not apply to a bit; bits count in the word as Modbus sends it"),
            )
            .with_hint(format!(
                "remove `byteOrder:`; if the device's manual numbers bits in a byte-swapped word, its bit {bit} is bit {} here",
                (bit + 8) % 16
            )),
        ),
        Some(_) => {}
    }
}

/// `type: string` and its `length`, and the fields that do not apply to text. Returns
/// the registers the value occupies (1 for a string whose `length` is missing, which
/// is reported).
fn check_string<V>(
    reg: &RegisterSpec<V>,
    value_type: ValueType,
    at: &impl Fn(RegisterField) -> SourceLoc,
    diags: &mut Diagnostics,
) -> u16 {
    let label = Label(&reg.name);
    if value_type != ValueType::String {
        if reg.length.is_some() {
            diags.push(
                Diagnostic::error(
                    at(RegisterField::Length),
                    format!("{label}: `length` is for type string, not {value_type}"),
                )
                .with_hint(format!(
                    "remove `length:` ({value_type} has a fixed width), or write type: string"
                )),
            );
        }
        return value_type.width().unwrap_or(1);
    }
    let Some(length) = reg.length else {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Type),
                format!("{label}: type string needs `length`, the registers it occupies"),
            )
            .with_hint("add length: N (two characters per register; length: 8 holds 16)"),
        );
        return 1;
    };
    if !(1..=Words::MAX).contains(&usize::from(length)) {
        diags.push(
            Diagnostic::error(
                at(RegisterField::Length),
                format!(
                    "{label}: length {length} is out of range; a string takes 1 to {} registers",
                    Words::MAX
                ),
            )
            .with_hint(format!(
                "fabctl reads and writes a value in one request, and one write (FC16) carries at most {} registers; split longer text into several strings",
                Words::MAX
            )),
        );
        return 1;
    }
    if reg.word_order == WordOrder::Little {
        diags.push(
            Diagnostic::error(
                at(RegisterField::WordOrder),
                format!("{label}: a string is stored first character first; `wordOrder` does not apply"),
            )
            .with_hint(
                "remove `wordOrder:`; for a device that swaps the two characters of each register, write byteOrder: little",
            ),
        );
    }
    let not_for_text = [
        (RegisterField::Scale, reg.scale != 1.0),
        (RegisterField::Offset, reg.offset != 0.0),
        (RegisterField::Tolerance, reg.tolerance != 0.0),
        (RegisterField::Min, reg.min.is_some()),
        (RegisterField::Max, reg.max.is_some()),
    ];
    for (field, written) in not_for_text {
        if written {
            diags.push(
                Diagnostic::error(
                    at(field),
                    format!(
                        "{label}: `{}` does not apply to a string; strings are compared exactly",
                        field.key()
                    ),
                )
                .with_hint(format!("remove `{}:`", field.key())),
            );
        }
    }
    length
}

/// `readAddress`: for registers fabctl writes (holding, coil), within the address space.
fn check_read_address<V>(
    reg: &RegisterSpec<V>,
    value_type: ValueType,
    width: u16,
    at: &impl Fn(RegisterField) -> SourceLoc,
    diags: &mut Diagnostics,
) {
    let Some(read_address) = reg.read_address else {
        return;
    };
    let label = Label(&reg.name);
    if !reg.kind.is_writable() {
        diags.push(
            Diagnostic::error(
                at(RegisterField::ReadAddress),
                format!(
                    "{label} is a read-only {} register; `readAddress` is for registers fabctl writes (holding, coil)",
                    reg.kind
                ),
            )
            .with_hint("remove `readAddress:` and set `address:` to where the device is read"),
        );
        return;
    }
    if u32::from(read_address) + u32::from(width) - 1 > u32::from(u16::MAX) {
        diags.push(
            Diagnostic::error(
                at(RegisterField::ReadAddress),
                format!(
                    "{label}: {value_type} read at {read_address} needs {width} registers and runs past 65535"
                ),
            )
            .with_hint(format!("readAddress must be {} or lower", 65536 - u32::from(width))),
        );
    }
}

/// A `deviceAddress` that holds more than a host: a scheme (`tcp://10.0.0.5`), a port
/// (`10.0.0.5:502`, `[::1]:502`) or brackets (`[::1]`). An IPv6 address such as `::1`
/// is a host, not a host and a port.
fn check_device_address(address: &str, port: u16) -> Option<AddressProblem> {
    if address.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    if let Some((scheme, rest)) = address.split_once("://") {
        let host = rest.split(['/', ':']).next().unwrap_or(rest);
        return Some(AddressProblem {
            message: format!("`spec.deviceAddress` {address:?} holds a scheme ({scheme}://)"),
            hint: format!(
                "write the host only (`deviceAddress: {host}`) and put the port in spec.port"
            ),
        });
    }
    let bracketed = address.strip_prefix('[').and_then(|r| r.split_once(']'));
    let (host, written_port) = match bracketed {
        Some((host, "")) => {
            return Some(AddressProblem {
                message: format!("`spec.deviceAddress` {address:?} is in brackets"),
                hint: format!("write the IPv6 address without them: `deviceAddress: {host}`"),
            });
        }
        Some((host, rest)) => (host, rest.strip_prefix(':')?),
        None => address.rsplit_once(':')?,
    };
    let written_port: u16 = written_port.parse().ok()?;
    let port_hint = if written_port == port {
        String::new()
    } else {
        format!(" and `port: {written_port}` (spec.port is {port})")
    };
    Some(AddressProblem {
        message: format!("`spec.deviceAddress` {address:?} holds a port"),
        hint: format!("put the port in spec.port: `deviceAddress: {host}`{port_hint}"),
    })
}

/// What [`check_device_address`] found, placed by the caller.
struct AddressProblem {
    message: String,
    hint: String,
}

impl AddressProblem {
    fn at(self, loc: super::SourceLoc) -> Diagnostic {
        Diagnostic::error(loc, self.message).with_hint(self.hint)
    }
}

/// "register `name`", how messages name a register; formatted only when one is.
struct Label<'a>(&'a str);

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "register `{}`", self.0)
    }
}

/// How to fix a value the register cannot hold.
fn value_hint(codec: &Codec, error: &EncodeError) -> String {
    let chars = 2 * u32::from(codec.length);
    match error {
        EncodeError::ExpectedText { value } => {
            format!("quote the value: value: \"{value}\" (a string register holds text)")
        }
        EncodeError::TooLong { bytes, length, .. } => format!(
            "shorten the text to {chars} characters, or raise `length` to {} if the device reserves that many registers (it is {length})",
            bytes.div_ceil(2)
        ),
        EncodeError::NotAscii { .. } => {
            "write ASCII characters only: devices differ in how they store others".to_owned()
        }
        EncodeError::Nul { .. } => {
            "remove the NUL: shorter text is padded with NUL, and trailing NULs are dropped when reading".to_owned()
        }
        _ => range_hint(codec),
    }
}

fn range_hint(codec: &Codec) -> String {
    match codec.range() {
        Some(_) if codec.value_type.is_float() => {
            format!("{} holds finite numbers", codec.value_type)
        }
        Some(_) if codec.scale == 1.0 && codec.offset == 0.0 => {
            let (lo, hi): (i128, i128) = match codec.value_type {
                ValueType::U16 => (0, u16::MAX.into()),
                ValueType::I16 => (i16::MIN.into(), i16::MAX.into()),
                ValueType::U32 => (0, u32::MAX.into()),
                ValueType::I32 => (i32::MIN.into(), i32::MAX.into()),
                ValueType::U64 => (0, u64::MAX.into()),
                _ => (i64::MIN.into(), i64::MAX.into()),
            };
            format!("{} holds whole numbers from {lo} to {hi}", codec.value_type)
        }
        Some((lo, hi)) => format!(
            "{} with scale {} and offset {} holds {lo} to {hi}",
            codec.value_type, codec.scale, codec.offset
        ),
        None if codec.value_type == ValueType::String => format!(
            "a string of length {} holds up to {} ASCII characters",
            codec.length,
            2 * u32::from(codec.length)
        ),
        None => "bool registers hold true or false".to_owned(),
    }
}

fn suggest_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' | '_' | '-' => c,
            _ => '_',
        })
        .collect()
}

fn check_duplicate_names(registers: &[Register], diags: &mut Diagnostics) {
    // Linear, not quadratic: a PLC may declare thousands of registers.
    let mut first_of: std::collections::HashMap<&str, &Register> =
        std::collections::HashMap::with_capacity(registers.len());
    for r in registers {
        let first = *first_of.entry(r.name.as_str()).or_insert(r);
        if !std::ptr::eq(first, r) {
            let hint = if r.name == SHORTHAND_REGISTER {
                format!(
                    "`targetRegister` declares a register named `{SHORTHAND_REGISTER}`; rename this one"
                )
            } else {
                format!(
                    "first declared at {}; register names must be unique within a PLC",
                    first.source
                )
            };
            diags.push(
                Diagnostic::error(
                    r.source.clone(),
                    format!("duplicate register name `{}`", r.name),
                )
                .with_hint(hint),
            );
        }
    }
}
