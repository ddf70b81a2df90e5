//! Resolving an `IndustrialPLC` with `spec.model` against its `PLCModel`: the model's
//! registers (with the PLC's `spec.values`, else the model's defaults), then the
//! PLC's own registers; `limits` and `transport` from the PLC, else the model. The
//! result is an ordinary spec with a [`Locations`] table that points each part at the
//! document that set it, so every rule of [`super::resolve`] applies to the resolved
//! PLC unchanged.
//!
//! A model is checked once, where it is declared ([`Models::insert`]); a PLC of a
//! model with problems is not resolved (the model's problems say why).

use std::collections::HashMap;

use super::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use super::locations::{Field, InheritedEntry, Locations, SpecField};
use super::spec::{IndustrialPLCSpec, LimitsSpec, RegisterSpec};
use super::template::PLCModelSpec;

/// A model as loaded: its spec, where its parts are, and whether its own rules passed.
#[derive(Clone, Debug)]
pub struct LoadedModel {
    pub spec: PLCModelSpec,
    /// Shared by the locations of every PLC resolved against the model.
    pub locs: std::sync::Arc<Locations>,
    pub valid: bool,
}

/// The models known to a load (files) or a reconcile (the cluster), by namespace and
/// name.
#[derive(Clone, Debug, Default)]
pub struct Models(HashMap<(String, String), LoadedModel>);

impl Models {
    /// Checks a model's own rules (reported at the model) and keeps it. Returns
    /// whether it was already known (a duplicate, reported by the caller).
    pub fn insert(
        &mut self,
        namespace: &str,
        name: &str,
        spec: PLCModelSpec,
        locs: Locations,
        diags: &mut Diagnostics,
    ) -> Option<LoadedModel> {
        let valid = check_model(&spec, &locs, diags);
        self.0.insert(
            (namespace.to_owned(), name.to_owned()),
            LoadedModel {
                spec,
                locs: std::sync::Arc::new(locs),
                valid,
            },
        )
    }

    /// The models of a cluster, each checked (problems reported at
    /// `cluster:namespace/name:field`).
    pub fn of_objects<'a>(
        models: impl IntoIterator<Item = &'a super::template::PLCModel>,
        diags: &mut Diagnostics,
    ) -> Models {
        let mut out = Models::default();
        for m in models {
            let namespace = m.metadata.namespace.as_deref().unwrap_or("default");
            let name = m.metadata.name.as_deref().unwrap_or_default();
            let locs = Locations::object(&format!("cluster:{namespace}/{name}"));
            out.insert(namespace, name, m.spec.clone(), locs, diags);
        }
        out
    }

    /// The model `name` of `namespace`.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&LoadedModel> {
        self.0.get(&(namespace.to_owned(), name.to_owned()))
    }

    fn names_in<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .keys()
            .filter(move |(ns, _)| ns == namespace)
            .map(|(_, n)| n.as_str())
    }

    fn namespaces_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .keys()
            .filter(move |(_, n)| n == name)
            .map(|(ns, _)| ns.as_str())
    }
}

/// The rules of a model on its own: its registers (a default value is checked like a
/// PLC's value) and at least one register.
fn check_model(spec: &PLCModelSpec, locs: &Locations, diags: &mut Diagnostics) -> bool {
    if spec.registers.is_empty() {
        diags.push(
            Diagnostic::error(
                locs.at(Field::Spec(SpecField::Registers)),
                "the PLCModel declares no registers",
            )
            .with_hint("add `registers:`; a model is the register map its PLCs share"),
        );
        return false;
    }
    super::resolve::check_model_registers(&spec.registers, locs, diags)
}

/// The spec of a PLC with its model merged in, and the table that locates its parts,
/// or `None` when the model is unknown or has problems of its own. Problems of the
/// merge (a value for a register the model lacks, a value missing, a register of the
/// PLC colliding with one of the model) are reported; the merged spec leaves the
/// offending parts out, so the other rules still run, and the caller must not use a
/// PLC whose resolution reported an error.
pub fn inherit(
    namespace: &str,
    spec: IndustrialPLCSpec,
    locs: Locations,
    models: &Models,
    diags: &mut Diagnostics,
) -> Option<(IndustrialPLCSpec, Locations)> {
    let Some(name) = spec.model.clone() else {
        return Some((spec, locs));
    };
    let Some(model) = models.get(namespace, &name) else {
        diags.push(unknown_model(&name, namespace, models, &locs));
        return None;
    };
    if !model.valid {
        return None;
    }
    let mut spec = spec;
    for key in spec.values.keys() {
        if !model.spec.registers.iter().any(|r| &r.name == key) {
            let names = model.spec.registers.iter().map(|r| r.name.as_str());
            let hint = match did_you_mean(key, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "PLCModel `{name}` has the registers {}",
                    list(model.spec.registers.iter().map(|r| r.name.as_str()))
                ),
            };
            diags.push(
                Diagnostic::error(
                    locs.value_entry(key),
                    format!("`spec.values.{key}`: PLCModel `{name}` has no register `{key}`"),
                )
                .with_hint(hint),
            );
        }
    }
    let mut registers = Vec::with_capacity(model.spec.registers.len() + spec.registers.len());
    let mut entries = Vec::with_capacity(registers.capacity());
    for (index, reg) in model.spec.registers.iter().enumerate() {
        let own = spec.values.get(&reg.name);
        let Some(value) = own.or(reg.value.as_ref()).cloned() else {
            let at = if locs.is_written(Field::Spec(SpecField::Values)) {
                locs.at(Field::Spec(SpecField::Values))
            } else {
                locs.at(Field::Spec(SpecField::Model))
            };
            diags.push(
                Diagnostic::error(
                    at,
                    format!(
                        "register `{}` of PLCModel `{name}` has no default and no value here",
                        reg.name
                    ),
                )
                .with_hint(format!(
                    "add `{}: VALUE` to `spec.values` (the model declares it at {})",
                    reg.name,
                    model.locs.at(Field::Register(index))
                )),
            );
            continue;
        };
        entries.push(InheritedEntry::Model {
            index,
            value: own.map(|_| locs.value_entry(&reg.name)),
        });
        registers.push(reg.clone().with_value(value));
    }
    for (index, reg) in std::mem::take(&mut spec.registers).into_iter().enumerate() {
        if let Some(problem) = collision(&reg, &model.spec, &name, &model.locs) {
            diags.push(problem.at(locs.at(Field::Register(index))));
            continue;
        }
        entries.push(InheritedEntry::Own(index));
        registers.push(reg);
    }
    spec.registers = registers;
    spec.limits =
        merge_limits(spec.limits.take().map(|l| *l), model.spec.limits.as_ref()).map(Box::new);
    spec.transport = spec.transport.or(model.spec.transport);
    Some((
        spec,
        locs.inheriting(std::sync::Arc::clone(&model.locs), entries),
    ))
}

/// The PLC's own `limits` over the model's, key by key: a PLC that sets
/// `requestIntervalMs` keeps the model's `maxGap: 0` (a model's limit is a fact of the
/// device, never dropped by a PLC that sets another one).
fn merge_limits(own: Option<LimitsSpec>, model: Option<&LimitsSpec>) -> Option<LimitsSpec> {
    let Some(model) = model else { return own };
    let Some(own) = own else {
        return Some(model.clone());
    };
    Some(LimitsSpec {
        max_read_registers: own.max_read_registers.or(model.max_read_registers),
        max_write_registers: own.max_write_registers.or(model.max_write_registers),
        max_read_bits: own.max_read_bits.or(model.max_read_bits),
        max_write_bits: own.max_write_bits.or(model.max_write_bits),
        max_gap: own.max_gap.or(model.max_gap),
        write_function: own.write_function.or(model.write_function),
        request_interval_ms: own.request_interval_ms.or(model.request_interval_ms),
    })
}

/// A problem found before its place is known.
struct Problem {
    message: String,
    hint: String,
}

impl Problem {
    fn at(self, loc: super::SourceLoc) -> Diagnostic {
        Diagnostic::error(loc, self.message).with_hint(self.hint)
    }
}

/// A register of the PLC with the name of one of its model's, or sharing a word with
/// one of the same kind.
fn collision(
    reg: &RegisterSpec,
    model: &PLCModelSpec,
    name: &str,
    model_locs: &Locations,
) -> Option<Problem> {
    let span = |r_address: u16, width: u16| {
        (
            u32::from(r_address),
            u32::from(r_address) + u32::from(width) - 1,
        )
    };
    let (start, end) = span(reg.address, reg.width());
    model.registers.iter().enumerate().find_map(|(i, m)| {
        let at = model_locs.at(Field::Register(i));
        if m.name == reg.name {
            return Some(Problem {
                message: format!(
                    "register `{}` is already declared by PLCModel `{name}`",
                    reg.name
                ),
                hint: format!(
                    "the model declares it at {at}; set its value in `spec.values`, or give this register another name"
                ),
            });
        }
        let (m_start, m_end) = span(m.address, m.width());
        let different_bits = matches!((reg.bit, m.bit), (Some(a), Some(b)) if a != b);
        (m.kind == reg.kind && start <= m_end && m_start <= end && !different_bits).then(|| {
            Problem {
                message: format!(
                    "register `{}` ({} {}) overlaps register `{}` of PLCModel `{name}`",
                    reg.name, reg.kind, reg.address, m.name
                ),
                hint: format!(
                    "the model declares `{}` at {at}; move this register to a free address",
                    m.name
                ),
            }
        })
    })
}

/// The problem of a `spec.model` naming no model of the PLC's namespace.
fn unknown_model(name: &str, namespace: &str, models: &Models, locs: &Locations) -> Diagnostic {
    let d = Diagnostic::error(
        locs.at(Field::Spec(SpecField::Model)),
        format!("unknown PLCModel `{name}` in namespace `{namespace}`"),
    );
    if let Some(s) = did_you_mean(name, models.names_in(namespace)) {
        return d.with_hint(format!("did you mean `{s}`?"));
    }
    let mut elsewhere: Vec<&str> = models.namespaces_of(name).collect();
    elsewhere.sort_unstable();
    match elsewhere.first() {
        Some(ns) => d.with_hint(format!(
            "PLCModel `{name}` is in namespace `{ns}`; a PLC uses a model of its own namespace"
        )),
        None => d.with_hint(format!(
            "declare `kind: PLCModel` named `{name}` in namespace `{namespace}` (and pass its file with -f)"
        )),
    }
}

/// `a, b, c` (the first few).
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.len() > 6 {
        format!("{}, …", names[..6].join(", "))
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plc_that_sets_one_limit_keeps_the_models_others() {
        let model = LimitsSpec {
            max_gap: Some(0),
            max_read_registers: Some(64),
            ..LimitsSpec::default()
        };
        let own = LimitsSpec {
            request_interval_ms: Some(50),
            max_read_registers: Some(32),
            ..LimitsSpec::default()
        };
        let merged = merge_limits(Some(own), Some(&model)).expect("limits");
        assert_eq!(merged.max_gap, Some(0), "the model's maxGap: 0 stays");
        assert_eq!(merged.max_read_registers, Some(32), "the PLC's own wins");
        assert_eq!(merged.request_interval_ms, Some(50));
        let empty = merge_limits(Some(LimitsSpec::default()), Some(&model)).expect("limits");
        assert_eq!(empty, model, "`limits: {{}}` drops nothing");
        assert_eq!(merge_limits(None, None), None);
    }
}
