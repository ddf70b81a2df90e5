//! Rules across PLCs: each declared once, and no two registers of one device sharing
//! an address. The overlap rule also serves a single device's register map (a
//! simulator scenario's).

use std::collections::HashMap;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::{Plc, Register};
use crate::device::Transport;
use crate::register::RegisterKind;

/// Reports PLCs declared twice; returns the first declaration of each.
pub fn check_unique_plcs<'a>(plcs: &'a [Plc], diags: &mut Diagnostics) -> Vec<&'a Plc> {
    let mut seen: HashMap<(&str, &str), &Plc> = HashMap::new();
    let mut unique = Vec::with_capacity(plcs.len());
    for plc in plcs {
        if let Some(&first) = seen.get(&(plc.namespace.as_str(), plc.name.as_str())) {
            diags.push(
                Diagnostic::error(
                    plc.source.clone(),
                    format!("duplicate IndustrialPLC `{}`", plc.id()),
                )
                .with_hint(format!(
                    "also defined at {}; names must be unique per namespace",
                    first.source
                )),
            );
        } else {
            seen.insert((&plc.namespace, &plc.name), plc);
            unique.push(plc);
        }
    }
    unique
}

/// Two registers of the same device (endpoint and unit id) and kind may not share an
/// address: writing one would change the other. Hosts are compared by their literal
/// identity: case, a trailing dot and `localhost` never make two devices (see
/// [`crate::device::endpoint::literal`]).
pub fn check_overlaps(plcs: &[&Plc], diags: &mut Diagnostics) {
    check_overlaps_by(plcs, crate::device::endpoint::literal, diags);
}

/// [`check_overlaps`] with hosts compared by `identity` (a run compares them by the
/// addresses they resolved to).
pub fn check_overlaps_by(
    plcs: &[&Plc],
    identity: impl Fn(&str) -> String,
    diags: &mut Diagnostics,
) {
    let mut endpoints: HashMap<(String, u16), &Plc> = HashMap::new();
    // Each device (endpoint and unit id) once, with its registers by kind: a fleet's
    // registers are grouped with one lookup per PLC, not one per register.
    let mut units: HashMap<(String, u16, u8), usize> = HashMap::new();
    let mut devices: Vec<(&Plc, ByKind)> = Vec::new();
    for &plc in plcs {
        // A serial line's device is its path and unit id, whatever its deviceAddress.
        let (host, port) =
            crate::device::endpoint::key_with(&plc.host, plc.port, &plc.transport, &identity);
        match endpoints.get(&(host.clone(), port)) {
            Some(first) if !one_link(&first.transport, &plc.transport) => {
                diags.push(mixed_transports(first, plc));
            }
            Some(_) => {}
            None => {
                endpoints.insert((host.clone(), port), plc);
            }
        }
        let device = *units.entry((host, port, plc.unit_id)).or_insert_with(|| {
            devices.push((plc, Default::default()));
            devices.len() - 1
        });
        let (first, by_kind) = &mut devices[device];
        if first.limits != plc.limits {
            diags.push(mixed_limits(first, plc));
        }
        if by_kind.iter().all(Vec::is_empty) {
            // The device's first PLC: its lists at their size (most devices have one).
            let mut counts = [0; RegisterKind::ALL.len()];
            for reg in &plc.registers {
                counts[reg.kind.index()] += 1;
            }
            for (regs, count) in by_kind.iter_mut().zip(counts) {
                regs.reserve_exact(count);
            }
        }
        for reg in &plc.registers {
            by_kind[reg.kind.index()].push((plc, reg));
        }
    }
    for (_, by_kind) in &mut devices {
        for regs in by_kind {
            report_overlaps(regs, other_plc, diags);
        }
    }
}

/// A device's registers (with their PLCs), one list per kind.
type ByKind<'a> = [Vec<(&'a Plc, &'a Register)>; RegisterKind::ALL.len()];

/// Whether two PLCs of one endpoint reach it the same way: one transport, and on a
/// serial line (one line however its path is spelled) the same line settings.
fn one_link(a: &Transport, b: &Transport) -> bool {
    match (a, b) {
        (Transport::Rtu(a), Transport::Rtu(b)) => {
            (a.baud_rate, a.parity, a.data_bits, a.stop_bits)
                == (b.baud_rate, b.parity, b.data_bits, b.stop_bits)
        }
        (a, b) => a == b,
    }
}

/// Two PLCs of one device (endpoint and unit id) share what the device accepts: one
/// read session holds one set of limits per unit, so differing ones would let one
/// manifest's settings (a `maxGap: 0` kept for clear-on-read registers) be dropped
/// for the other's.
fn mixed_limits(first: &Plc, other: &Plc) -> Diagnostic {
    Diagnostic::error(
        other.source.clone(),
        format!(
            "`{}` and `{}` (at {}) are one device ({} unit {}) with different spec.limits",
            other.id(),
            first.id(),
            first.source,
            crate::device::endpoint_of(&other.host, other.port, &other.transport),
            other.unit_id,
        ),
    )
    .with_hint("what a device accepts is a fact of the device: give both the same spec.limits")
}

/// Two PLCs behind one endpoint share its connection, so they must agree on how it is
/// made: otherwise one would be reached with the other's transport (plain TCP for a
/// PLC that asked for TLS, or another PLC's certificates).
fn mixed_transports(first: &Plc, other: &Plc) -> Diagnostic {
    let how = |plc: &Plc| match &plc.transport {
        Transport::Tls(tls) => format!(
            "tls (caFile {}, certFile {}, serverName {})",
            tls.ca_file.display(),
            tls.cert_file.display(),
            tls.server_name
        ),
        Transport::Rtu(line) => format!(
            "rtu ({} baud, parity {:?}, {} data bits, {} stop bits)",
            line.baud_rate, line.parity, line.data_bits, line.stop_bits
        )
        .to_lowercase(),
        other => crate::device::transport::name(other.kind()).to_owned(),
    };
    Diagnostic::error(
        other.source.clone(),
        format!(
            "`{}` reaches {} over {}, but `{}` (at {}) reaches the same endpoint over {}",
            other.id(),
            crate::device::endpoint_of(&other.host, other.port, &other.transport),
            how(other),
            first.id(),
            first.source,
            how(first),
        ),
    )
    .with_hint(match other.transport {
        Transport::Rtu(_) => {
            "PLCs on one serial line share it: give them the same spec.serial baudRate, parity, dataBits and stopBits"
        }
        _ => {
            "PLCs behind one address and port share one connection: give them the same spec.transport and spec.tls"
        }
    })
}

/// How an overlap names the other PLC, and the two spellings of its device when they
/// differ.
fn other_plc(first: &Plc, other: &Plc) -> Option<OtherOwner> {
    if std::ptr::eq(first, other) {
        return None;
    }
    let same_device = (first.host != other.host).then(|| match &other.transport {
        crate::device::Transport::Rtu(serial) => format!(
            "{} and {} are one device (unit {} on the serial line {})",
            other.host,
            first.host,
            other.unit_id,
            serial.device.display()
        ),
        _ => format!(
            "{} and {} are one device",
            crate::device::endpoint_name(&other.host, other.port),
            crate::device::endpoint_name(&first.host, first.port),
        ),
    });
    Some(OtherOwner {
        id: first.id(),
        same_device,
    })
}

/// The owner of the earlier of two overlapping registers, when it is another PLC.
struct OtherOwner {
    id: String,
    /// Why the two PLCs are one device, when they spell it differently.
    same_device: Option<String>,
}

/// Two registers of one device's map (a simulator scenario's device) and kind may not
/// share an address.
pub fn check_device_overlaps(registers: &[Register], diags: &mut Diagnostics) {
    let mut groups: HashMap<RegisterKind, Vec<(&(), &Register)>> = HashMap::new();
    for reg in registers {
        groups.entry(reg.kind).or_default().push((&(), reg));
    }
    for regs in groups.values_mut() {
        report_overlaps(regs, |_, _| None, diags);
    }
}

/// Where a register sits in its table: the words it is written at, the words it is
/// read at (when elsewhere), and its bit for a `bool` in a word.
#[derive(Clone, Copy)]
struct Place {
    start: u32,
    end: u32,
    bit: Option<u8>,
}

impl Place {
    /// The places of `reg`: its address, and its readAddress when it has one.
    fn of(reg: &Register) -> impl Iterator<Item = Place> {
        let width = u32::from(reg.width());
        let at = move |address: u16| Place {
            start: u32::from(address),
            end: u32::from(address) + width - 1,
            bit: reg.bit,
        };
        std::iter::once(at(reg.address)).chain(reg.read_address.map(at))
    }

    /// Two places clash when they share a word, unless they are different bits of it.
    fn clashes(&self, other: &Place) -> bool {
        let share = self.start <= other.end && other.start <= self.end;
        let different_bits = matches!((self.bit, other.bit), (Some(a), Some(b)) if a != b);
        share && !different_bits
    }
}

/// Reports each register of one device and kind whose place (where it is written or
/// read) clashes with a place of one sorted before it. `other_owner` names the owner
/// of the earlier register when it is not the owner of the later one.
fn report_overlaps<'a, O>(
    regs: &mut [(&'a O, &'a Register)],
    other_owner: impl Fn(&O, &O) -> Option<OtherOwner>,
    diags: &mut Diagnostics,
) {
    let mut places: Vec<(Place, &'a O, &'a Register)> = regs
        .iter()
        .flat_map(|&(owner, reg)| Place::of(reg).map(move |p| (p, owner, reg)))
        .collect();
    places.sort_by(|a, b| (a.0.start, &a.2.source).cmp(&(b.0.start, &b.2.source)));
    // The places that still reach the current one. Only places that clash with none
    // of them, or reach further than all, are kept: at most the 16 bits of a word
    // plus a few wider places, so the sweep stays linear.
    let mut active: Vec<(Place, &O, &Register)> = Vec::new();
    let mut reported: std::collections::HashSet<*const Register> = Default::default();
    for &(place, owner, reg) in &places {
        active.retain(|(p, _, _)| p.end >= place.start);
        let clash = active
            .iter()
            .find(|(p, _, r)| !std::ptr::eq(*r, reg) && p.clashes(&place));
        let reach = active.iter().map(|(p, _, _)| p.end).max();
        match clash {
            Some(&(_, prev_owner, prev)) => {
                if reported.insert(reg) {
                    let other = other_owner(prev_owner, owner);
                    let owner_text = other
                        .as_ref()
                        .map(|o| format!(" of {}", o.id))
                        .unwrap_or_default();
                    let same_device = other
                        .and_then(|o| o.same_device)
                        .map(|why| format!("{why}; "))
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error(
                            reg.source.clone(),
                            format!(
                                "register `{}` ({} {}) overlaps register `{}`{owner_text} ({} {})",
                                reg.name,
                                reg.kind,
                                span(reg),
                                prev.name,
                                prev.kind,
                                span(prev),
                            ),
                        )
                        .with_hint(format!(
                            "`{}` is declared at {}; {same_device}give each register its own addresses",
                            prev.name, prev.source
                        )),
                    );
                }
                if reach.is_none_or(|r| place.end > r) {
                    active.push((place, owner, reg));
                }
            }
            None => active.push((place, owner, reg)),
        }
    }
}

/// Where a register is, as messages say it: `10`, `10..=11`, `10.3` for a bit,
/// `0, read at 512` for a register read elsewhere.
fn span(reg: &Register) -> String {
    let words = |address: u16| {
        if reg.width() == 1 {
            format!("{address}")
        } else {
            format!(
                "{address}..={}",
                u32::from(address) + u32::from(reg.width()) - 1
            )
        }
    };
    let mut text = words(reg.address);
    if let Some(bit) = reg.bit {
        text.push_str(&format!(".{bit}"));
    }
    if let Some(read) = reg.read_address {
        text.push_str(&format!(", read at {}", words(read)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plcs(hosts: &[&str]) -> Vec<Plc> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        let docs: Vec<String> = hosts
            .iter()
            .enumerate()
            .map(|(i, host)| {
                format!(
                    "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: p{i}}}\nspec:\n  deviceAddress: {host}\n  registers:\n    - {{name: a, address: 7, value: 1}}\n"
                )
            })
            .collect();
        std::fs::write(&path, docs.join("---\n")).unwrap();
        super::super::load(&[path]).unwrap()
    }

    #[test]
    fn a_run_compares_hosts_by_the_address_they_resolved_to() {
        let plcs = plcs(&["press-1.plant.local", "10.0.0.5"]);
        let plcs: Vec<&Plc> = plcs.iter().collect();
        let mut diags = Diagnostics::default();
        check_overlaps(&plcs, &mut diags);
        assert_eq!(diags.error_count(), 0, "validation cannot know without DNS");
        let resolved = |host: &str| match host {
            "press-1.plant.local" => "10.0.0.5".to_owned(),
            other => crate::device::endpoint::literal(other),
        };
        check_overlaps_by(&plcs, resolved, &mut diags);
        let [d] = diags.0.as_slice() else {
            panic!("one overlap expected: {diags:?}")
        };
        assert_eq!(
            (d.message.as_str(), d.hint.as_deref()),
            (
                "register `a` (holding 7) overlaps register `a` of default/p0 (holding 7)",
                Some(
                    format!(
                        "`a` is declared at {}; 10.0.0.5:502 and press-1.plant.local:502 are one device; give each register its own addresses",
                        plcs[0].registers[0].source
                    )
                    .as_str()
                )
            )
        );
    }
}
