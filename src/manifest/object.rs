//! Validating an object read from the Kubernetes API: the typed resource is checked
//! directly, with the rules applied to files, and its [`Locations`] name it
//! `cluster:namespace/name` and the field (`cluster:plant-a/press-1:spec.port`).
//!
//! The API server has held the object to the CRD's schema, and its type holds the
//! rest of the structure; what a typed object can still get wrong is checked here:
//! its name and namespace, numbers no register or field can hold, the schema's
//! bounds, and every semantic rule. Its status is the agent's own and the rest of its
//! metadata the API server's.

use super::diagnostic::Diagnostics;
use super::inherit::{self, Models};
use super::locations::{Field, Locations, RegisterField};
use super::node::Node;
use super::{IndustrialPLC, IndustrialPLCSpec, Plc, document, resolve, structure};
use crate::register::{Bound, Value};

/// Validates a resource read from the Kubernetes API with exactly the rules applied
/// to files, on its name, namespace and spec. Diagnostics name it
/// `cluster:namespace/name` and the field.
pub fn from_resource(resource: &IndustrialPLC) -> Result<Plc, Diagnostics> {
    from_resource_in(resource, &Models::default())
}

/// [`from_resource`] for a PLC that may name a `PLCModel`: `models` holds the models
/// of the cluster it may name (see [`Models::of_objects`]).
pub fn from_resource_in(resource: &IndustrialPLC, models: &Models) -> Result<Plc, Diagnostics> {
    let meta = &resource.metadata;
    let id = format!(
        "cluster:{}/{}",
        meta.namespace.as_deref().unwrap_or("default"),
        meta.name.as_deref().unwrap_or_default()
    );
    let locs = Locations::object(&id);
    let mut numbers = Diagnostics::default();
    unrepresentable(&resource.spec, &locs, &mut numbers);
    let checked = check(resource, locs, models);
    if !numbers.has_errors() {
        return checked;
    }
    // As in files: the rest is still checked, and what the rules say of a number
    // nothing can hold, its own problem says better.
    let rest = checked.err().unwrap_or_default();
    let rest = rest
        .0
        .into_iter()
        .filter(|d| !numbers.iter().any(|n| n.loc == d.loc))
        .collect::<Vec<_>>();
    numbers.0.extend(rest);
    Err(numbers)
}

/// Every check of [`from_resource`] but the numbers nothing can hold.
fn check(resource: &IndustrialPLC, locs: Locations, models: &Models) -> Result<Plc, Diagnostics> {
    let meta = &resource.metadata;
    let mut diags = Diagnostics::default();
    match &meta.name {
        Some(name) => document::check_name(name, locs.at(Field::Name), &mut diags),
        None => diags.push(document::missing_name(locs.at(Field::Metadata))),
    }
    if let Some(ns) = &meta.namespace {
        document::check_namespace(ns, locs.at(Field::Namespace), &mut diags);
    }
    structure::check_typed_spec(&resource.spec, &locs, &mut diags);
    if diags.has_errors() {
        // Still check what is well-formed, so one look shows every problem: the spec
        // without its broken parts, as for a file, or at least the registers.
        let spec = serde_json::to_value(&resource.spec).unwrap_or_default();
        let doc = Node::from_json(&serde_json::json!({ "spec": spec }));
        match document::salvage(&doc) {
            Some(salvaged) => {
                let locs = locs.with_register_indices(salvaged.register_indices);
                let _ = resolve::resolve(meta, salvaged.spec, &locs, &mut diags);
            }
            None => {
                let entries = resource.spec.registers.iter().cloned().enumerate();
                resolve::check_registers(entries, &locs, &mut diags);
            }
        }
        return Err(diags);
    }
    let namespace = meta.namespace.as_deref().unwrap_or("default");
    let Some((spec, locs)) =
        inherit::inherit(namespace, resource.spec.clone(), locs, models, &mut diags)
    else {
        return Err(diags);
    };
    match resolve::resolve(meta, spec, &locs, &mut diags) {
        Some(plc) if !diags.has_errors() => Ok(plc),
        _ => Err(diags),
    }
}

/// Integers beyond 64 bits and non-finite floats, which no register value or field
/// may be (a typed object can hold them; JSON from the API server cannot).
fn unrepresentable(spec: &IndustrialPLCSpec, locs: &Locations, diags: &mut Diagnostics) {
    for (i, reg) in spec.registers.iter().enumerate() {
        let at = |f: RegisterField| locs.at(Field::RegisterField(i, f));
        let floats = [
            (RegisterField::Scale, Some(reg.scale)),
            (RegisterField::Offset, Some(reg.offset)),
            (RegisterField::Value, reg.value.as_f64()),
            (RegisterField::Tolerance, Some(reg.tolerance)),
            (RegisterField::Min, reg.min.map(Bound::as_f64)),
            (RegisterField::Max, reg.max.map(Bound::as_f64)),
        ];
        for (field, value) in floats {
            match (field, &reg.value) {
                (RegisterField::Value, Value::Int(v))
                    if i64::try_from(*v).is_err() && u64::try_from(*v).is_err() =>
                {
                    diags.push(super::too_wide(&v.to_string(), at(field)));
                }
                _ => {
                    if let Some(f) = value.filter(|f| !f.is_finite()) {
                        diags.push(super::not_finite(f, at(field)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::RegisterSpec;

    fn object(spec: serde_json::Value) -> IndustrialPLC {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "fabgitops.io/v1",
            "kind": "IndustrialPLC",
            "metadata": {"name": "press-1", "namespace": "plant-a"},
            "spec": spec,
        }))
        .expect("an IndustrialPLC")
    }

    fn problems(resource: &IndustrialPLC) -> Vec<String> {
        from_resource(resource)
            .expect_err("invalid")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_valid_object_resolves_with_its_fields_as_locations() {
        let plc = from_resource(&object(serde_json::json!({
            "deviceAddress": "10.0.0.5",
            "registers": [{"name": "speed", "address": 4, "type": "f32", "value": 1.5}],
        })))
        .expect("valid");
        assert_eq!(plc.id(), "plant-a/press-1");
        assert_eq!(plc.source.to_string(), "cluster:plant-a/press-1");
        assert_eq!(
            plc.registers[0].source.to_string(),
            "cluster:plant-a/press-1:spec.registers[0]"
        );
    }

    #[test]
    fn rules_point_at_the_field_of_the_object() {
        let mut resource = object(serde_json::json!({
            "deviceAddress": "10.0.0.5",
            "registers": [
                {"name": "a", "address": 0, "value": 70000},
                {"name": "b", "address": 1, "kind": "input", "value": 1, "mode": "enforce"},
            ],
        }));
        assert_eq!(
            problems(&resource),
            [
                "cluster:plant-a/press-1:spec.registers[0].value: error: register `a`: value 70000 is out of range for u16 (0..=65535)\n  help: u16 holds whole numbers from 0 to 65535",
                "cluster:plant-a/press-1:spec.registers[1].mode: error: register `b` is a read-only input register and cannot be enforced\n  help: use `mode: observe` (read-only registers are asserted, never written)",
            ]
        );
        resource.spec.registers.clear();
        resource.metadata.name = Some("Press_1".into());
        resource.spec.port = Some(0);
        resource.spec.timeout_ms = 0;
        assert_eq!(
            problems(&resource),
            [
                "cluster:plant-a/Press_1:metadata.name: error: `metadata.name` `Press_1` is not a valid resource name\n  help: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253 characters)",
                "cluster:plant-a/Press_1:spec.port: error: `spec.port` must be between 1 and 65535, got 0",
                "cluster:plant-a/Press_1:spec.timeoutMs: error: `spec.timeoutMs` must be between 1 and 600000, got 0",
                // The other problems no longer hide this one.
                "cluster:plant-a/Press_1:spec.registers: error: the PLC declares no registers\n  help: add `registers:` (or the shorthand `targetRegister` + `targetValue`)",
            ]
        );
    }

    #[test]
    fn numbers_nothing_can_hold_do_not_hide_the_other_problems() {
        let mut resource = object(serde_json::json!({"deviceAddress": "10.0.0.5"}));
        let register: RegisterSpec = serde_json::from_value(
            serde_json::json!({"name": "a", "address": 0, "value": 1, "type": "f32"}),
        )
        .expect("a register");
        resource.spec.registers = vec![register.clone(), register];
        resource.spec.registers[0].min = Some(Bound::Float(f64::NAN));
        resource.spec.registers[1].value = Value::Int(i128::MAX);
        resource.spec.port = Some(0);
        assert_eq!(
            problems(&resource),
            [
                "cluster:plant-a/press-1:spec.registers[0].min: error: NaN is not a finite number\n  help: register values, bounds, scales and tolerances must be finite numbers",
                "cluster:plant-a/press-1:spec.registers[1].value: error: integer 170141183460469231731687303715884105727 does not fit in 64 bits\n  help: the widest registers are u64 (0 to 18446744073709551615) and i64",
                "cluster:plant-a/press-1:spec.port: error: `spec.port` must be between 1 and 65535, got 0",
                "cluster:plant-a/press-1:spec.registers[1]: error: duplicate register name `a`\n  help: first declared at cluster:plant-a/press-1:spec.registers[0]; register names must be unique within a PLC",
            ]
        );
    }

    /// The messages and hints are those the object got when it was validated as YAML
    /// text through the whole file pipeline (which this replaced); only where they
    /// point differs.
    /// The part of an object the file pipeline was given, in the order of its type.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Doc<'a> {
        api_version: &'a str,
        kind: &'a str,
        metadata: Meta<'a>,
        spec: &'a IndustrialPLCSpec,
    }

    #[derive(serde::Serialize)]
    struct Meta<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        namespace: Option<&'a str>,
    }

    #[test]
    fn objects_get_the_problems_the_file_pipeline_gave() {
        let specs = [
            serde_json::json!({"deviceAddress": "10.0.0.5", "targetRegister": 4001, "targetValue": 70000}),
            serde_json::json!({"deviceAddress": "10.0.0.5", "targetRegister": 4001}),
            serde_json::json!({"deviceAddress": "10.0.0.5", "targetValue": 3}),
            serde_json::json!({"deviceAddress": "10.0.0.5"}),
            serde_json::json!({"deviceAddress": "", "port": 0, "timeoutMs": 0, "pollIntervalSecs": 100000,
                "minWriteIntervalMs": 700000, "registers": [{"name": "A b", "address": 0, "value": 1}]}),
            serde_json::json!({"deviceAddress": "plc 1", "registers": [
                {"name": "Speed", "address": 0, "value": 1},
                {"name": "a", "address": 65535, "type": "u32", "value": 1},
                {"name": "b", "address": 0, "kind": "coil", "type": "u16", "value": 1},
                {"name": "c", "address": 1, "scale": 0, "offset": 1, "tolerance": -1, "min": 5, "max": 1, "value": 1},
                {"name": "d", "address": 2, "value": -1},
                {"name": "e", "address": 3, "value": 1, "min": 2},
                {"name": "e", "address": 4, "value": 9, "max": 2},
                {"name": "f", "address": 5, "kind": "input", "value": 1},
                {"name": "g", "address": 6, "type": "bool", "value": 3},
                {"name": "target", "address": 7, "value": 1},
            ], "targetRegister": 1, "targetValue": 2,
               "writeWindows": [{"schedule": "bogus", "duration": "8h"}, {"schedule": "0 22 * * *", "duration": "x"}]}),
        ];
        let names = [
            ("press-1", Some("plant-a")),
            ("Press_1", Some("Plant A")),
            ("p", None),
        ];
        for spec in specs {
            for (name, namespace) in names {
                let mut resource = object(spec.clone());
                resource.metadata.name = Some(name.into());
                resource.metadata.namespace = namespace.map(Into::into);
                let direct = from_resource(&resource);
                let text = serde_saphyr::to_string(&Doc {
                    api_version: crate::manifest::spec::API_VERSION,
                    kind: crate::manifest::spec::KIND,
                    metadata: Meta { name, namespace },
                    spec: &resource.spec,
                })
                .expect("YAML");
                let file = super::super::diagnostic::FileRef::new(std::path::Path::new("x"));
                let mut report = super::super::Report::default();
                super::super::load_text(&text, &file, &mut report);
                let words = |d: &Diagnostics| -> Vec<(String, Option<String>)> {
                    d.iter()
                        .map(|d| (d.message.clone(), d.hint.clone()))
                        .collect()
                };
                match direct {
                    Ok(plc) => {
                        assert!(
                            !report.diagnostics.has_errors(),
                            "{text}{}",
                            report.diagnostics
                        );
                        let old = &report.plcs[0];
                        assert_eq!(
                            (plc.id(), plc.registers.len()),
                            (old.id(), old.registers.len())
                        );
                    }
                    Err(d) => assert_eq!(words(&d), words(&report.diagnostics), "{text}"),
                }
            }
        }
    }
}
