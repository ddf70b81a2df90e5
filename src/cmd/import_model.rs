//! `fabctl import --model NAME`: adopting a machine of a known device model. The
//! model's registers (a PLCModel from the manifests) are read from the device and the
//! manifest written is a PLC that names the model with a value for every register
//! read: `fabctl plan` right after the import shows no changes, and a later change of
//! the model's defaults never rewrites a machine imported with other values. The
//! registers' modes, bounds and tolerances are the model's.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::{GlobalArgs, ImportArgs};
use crate::device::Limits;
use crate::device::modbus::ModbusConnector;
use crate::engine::observe::{self, Reading};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::register::{Codec, bit};

use super::import::{ImportError, default_name};

/// What to do with a PLC imported with its model before fabctl may write anything.
const NEXT: &str = "Next: run `fabctl plan` on it with the model's file; the modes are the model's, so `fabctl apply` holds every register the model enforces at the value imported (never enforce counters, commands or outputs the PLC program writes).";
use super::setup::Setup;

pub fn run(
    global: &GlobalArgs,
    args: &ImportArgs,
    host: &str,
    port: u16,
    transport: &crate::device::Transport,
    model: &str,
) -> Result<Outcome, Error> {
    let spec = match crate::manifest::find_model(&global.manifest_paths(), &args.namespace, model) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return Err(Error::InvalidManifests {
                count: diagnostics.error_count(),
            });
        }
    };
    let items: Vec<(u16, u16, crate::register::RegisterKind)> = spec
        .registers
        .iter()
        .map(|r| {
            let width = r.width();
            (r.read_address.unwrap_or(r.address), width, r.kind)
        })
        .collect();
    // The PLC written inherits the model's transport: the device is read over it too.
    if let Some(wanted) = spec.transport
        && wanted != transport.kind()
    {
        return Err(ImportError::ModelTransport {
            model: model.to_owned(),
            wanted: crate::device::transport::name(wanted),
            given: crate::device::transport::name(transport.kind()),
        }
        .into());
    }
    // What the model says the device accepts (a `maxGap: 0` keeps clear-on-read
    // registers unread), the flags over it.
    let of_model = Limits::of_spec(spec.limits.as_ref());
    let limits = Limits {
        max_read_registers: args
            .max_read_registers
            .unwrap_or(of_model.max_read_registers),
        max_read_bits: args.max_read_bits.unwrap_or(of_model.max_read_bits),
        max_gap: args.max_gap.unwrap_or(of_model.max_gap),
        ..of_model
    };
    let timeout = Duration::from_millis(args.timeout_ms.into());
    let readings = super::runtime()?.block_on(async {
        let connector = ModbusConnector;
        let mut session = Setup::defaults(global).session(&connector, host, port, transport);
        session.set_limits(args.unit, limits);
        observe::read_registers(&mut session, args.unit, &items, timeout).await
    });
    let readings = readings.map_err(|source| ImportError::Read {
        device: crate::device::endpoint_of(host, port, transport),
        source,
    })?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(host, port, args.unit));
    let mut yaml = String::new();
    let _ = writeln!(
        yaml,
        "# Imported by `fabctl import --model {model}` from {host}:{port} unit {}.\n# The registers, their modes and bounds are PLCModel {model}'s; the values are the device's.",
        args.unit
    );
    let _ = writeln!(
        yaml,
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: {name}\n  namespace: {}\nspec:\n  deviceAddress: {host}\n{}  unitId: {}\n  timeoutMs: {}{}\n  model: {model}\n  values:",
        args.namespace,
        super::import::transport_lines(port, transport),
        args.unit,
        args.timeout_ms,
        super::import::tls_yaml(transport, args.server_name.is_some())
    );
    let mut skipped = Vec::new();
    for (reg, reading) in spec.registers.iter().zip(&readings) {
        let words = match reading {
            Reading::Words(w) => bit::value_words(w, reg.bit),
            Reading::Exception(e) => {
                skipped.push(format!("{} ({} {}): {e}", reg.name, reg.kind, reg.address));
                continue;
            }
        };
        let codec = Codec {
            value_type: reg.value_type(),
            word_order: reg.word_order,
            byte_order: reg.byte_order,
            length: reg.width(),
            scale: reg.scale,
            offset: reg.offset,
        };
        match codec.decode(&words) {
            // Only what a manifest can hold (text that is ASCII without NUL, a finite
            // number), so the file written validates.
            Ok(v) if v.as_f64().is_none_or(f64::is_finite) && codec.encode(&v).is_ok() => {
                let _ = writeln!(yaml, "    {}: {}", reg.name, super::import::yaml_value(&v));
            }
            _ => skipped.push(format!(
                "{} ({} {}): not a {} a manifest can hold",
                reg.name,
                reg.kind,
                reg.address,
                reg.value_type()
            )),
        }
    }
    for s in &skipped {
        eprintln!("note: skipped {s}; the PLC takes the model's default, if it has one");
    }
    let device = crate::device::endpoint_of(host, port, transport);
    super::import::write_out(
        args,
        &yaml,
        device,
        spec.registers.len(),
        &skipped,
        |path, read| {
            let path = path.display();
            format!(
                "Wrote {path} with values of {read} registers of model {model}. Check it with: fabctl plan -f {path} -f <the model's file>"
            )
        },
    )?;
    eprintln!("{NEXT}");
    Ok(Outcome::Success)
}
