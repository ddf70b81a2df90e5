//! Rules across PLCs: each declared once, and no two registers of one device sharing
//! an address. The overlap rule also serves a single device's register map (a
//! simulator scenario's).

use std::collections::HashMap;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::{Plc, Register};
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
/// address: writing one would change the other.
pub fn check_overlaps(plcs: &[&Plc], diags: &mut Diagnostics) {
    type Key = (String, u16, u8, RegisterKind);
    let mut groups: HashMap<Key, Vec<(&Plc, &Register)>> = HashMap::new();
    for &plc in plcs {
        for reg in &plc.registers {
            let key = (
                plc.host.to_ascii_lowercase(),
                plc.port,
                plc.unit_id,
                reg.kind,
            );
            groups.entry(key).or_default().push((plc, reg));
        }
    }
    for regs in groups.values_mut() {
        report_overlaps(
            regs,
            |first, other| (!std::ptr::eq(first, other)).then(|| first.id()),
            diags,
        );
    }
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

/// Reports each register of one device and kind that overlaps one declared at a lower
/// address. `other_owner` names the owner of the earlier register when it is not the
/// owner of the later one.
fn report_overlaps<'a, O>(
    regs: &mut [(&'a O, &'a Register)],
    other_owner: impl Fn(&O, &O) -> Option<String>,
    diags: &mut Diagnostics,
) {
    regs.sort_by_key(|(_, r)| (r.address, r.source.clone()));
    let mut reach: Option<(u32, &O, &Register)> = None;
    for &(owner, reg) in regs.iter() {
        let end = u32::from(reg.address) + u32::from(reg.width()) - 1;
        if let Some((prev_end, prev_owner, prev)) = reach
            && u32::from(reg.address) <= prev_end
        {
            let owner_text = other_owner(prev_owner, owner)
                .map(|id| format!(" of {id}"))
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
                    "`{}` is declared at {}; give each register its own addresses",
                    prev.name, prev.source
                )),
            );
        }
        if reach.is_none_or(|(prev_end, _, _)| end > prev_end) {
            reach = Some((end, owner, reg));
        }
    }
}

fn span(reg: &Register) -> String {
    if reg.width() == 1 {
        format!("{}", reg.address)
    } else {
        format!(
            "{}..={}",
            reg.address,
            u32::from(reg.address) + u32::from(reg.width()) - 1
        )
    }
}
