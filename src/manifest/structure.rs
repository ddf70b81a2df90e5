//! Structural validation of a YAML document against the resource's OpenAPI schema:
//! unknown fields (with "did you mean"), missing required fields, wrong types, enum
//! values and numeric ranges. Driven by the schema derived from the Rust type, so the
//! rules cannot drift from what the CRD declares. Every problem is reported.
//!
//! A typed spec (an object read from the cluster, which has no YAML tree) is held to
//! the bounds on its values alone ([`check_typed_spec`]): its types already hold.

use std::sync::OnceLock;

use serde_json::Value as Json;

use super::IndustrialPLCSpec;
use super::diagnostic::{Diagnostic, Diagnostics, FileRef, did_you_mean};
use super::locations::{Field, Locations, RegisterField, SpecField};
use super::node::{Node, NodeValue};
use crate::register::Bound;

/// Checks `node` (found at `path`, e.g. `spec.registers[0]`) against `rules`.
pub fn check(node: &Node, rules: &Rules, path: &str, file: &FileRef, diags: &mut Diagnostics) {
    check_at(node, rules, &Path::Root(path), file, diags);
}

/// Whether the `spec` field `key` holding `node` passes its rules (`false` for a field
/// the spec does not have). Nothing is reported: this picks the parts of a document
/// with problems that can still be checked further.
pub fn is_valid_spec_field(key: &str, node: &Node) -> bool {
    spec_rules()
        .property(key)
        .is_some_and(|rules| passes(node, rules))
}

/// Whether a `spec.registers` entry passes its rules.
pub fn is_valid_register(node: &Node) -> bool {
    spec_rules()
        .property("registers")
        .and_then(|r| r.items.as_deref())
        .is_some_and(|rules| passes(node, rules))
}

fn passes(node: &Node, rules: &Rules) -> bool {
    let mut scratch = Diagnostics::default();
    let file = FileRef::new(std::path::Path::new(""));
    check_at(node, rules, &Path::Root(""), &file, &mut scratch);
    !scratch.has_errors()
}

/// Checks the values of a typed spec against the schema's bounds (string lengths,
/// numeric ranges), with the messages [`check`] gives: what a typed object can still
/// get wrong. Unknown fields, types, enum values and required fields cannot be wrong
/// in one.
pub fn check_typed_spec(spec: &IndustrialPLCSpec, locs: &Locations, diags: &mut Diagnostics) {
    let rules = spec_rules();
    let root = Path::Root("spec");
    let check_field = |field: SpecField, value: Option<f64>, diags: &mut Diagnostics| {
        if let (Some(rules), Some(value)) = (rules.property(field.key()), value) {
            let at = || locs.at(Field::Spec(field));
            check_range(value, rules, &Path::Field(&root, field.key()), at, diags);
        }
    };
    // In the order of the fields in the type, as the document's checks report them.
    let field = SpecField::DeviceAddress;
    if let Some(rules) = rules.property(field.key()) {
        let at = || locs.at(Field::Spec(field));
        let path = Path::Field(&root, field.key());
        check_string(&spec.device_address, rules, &path, at, diags);
    }
    if let (Some(model), Some(rules)) = (&spec.model, rules.property(SpecField::Model.key())) {
        let at = || locs.at(Field::Spec(SpecField::Model));
        let path = Path::Field(&root, SpecField::Model.key());
        check_string(model, rules, &path, at, diags);
    }
    check_field(SpecField::Port, spec.port.map(f64::from), diags);
    check_field(SpecField::UnitId, Some(spec.unit_id.into()), diags);
    check_field(SpecField::TimeoutMs, Some(spec.timeout_ms.into()), diags);
    let poll = Some(spec.poll_interval_secs.into());
    check_field(SpecField::PollIntervalSecs, poll, diags);
    let registers_key = SpecField::Registers.key();
    if let Some(item_rules) = rules
        .property(registers_key)
        .and_then(|r| r.items.as_deref())
    {
        let list = Path::Field(&root, registers_key);
        for (i, reg) in spec.registers.iter().enumerate() {
            check_typed_register(reg, item_rules, &Path::Index(&list, i), i, locs, diags);
        }
    }
    let interval = Some(spec.min_write_interval_ms.into());
    check_field(SpecField::MinWriteIntervalMs, interval, diags);
    if let (Some(limits), Some(rules)) = (&spec.limits, rules.property(SpecField::Limits.key())) {
        let path = Path::Field(&root, SpecField::Limits.key());
        let fields = [
            ("maxReadRegisters", limits.max_read_registers.map(f64::from)),
            (
                "maxWriteRegisters",
                limits.max_write_registers.map(f64::from),
            ),
            ("maxReadBits", limits.max_read_bits.map(f64::from)),
            ("maxWriteBits", limits.max_write_bits.map(f64::from)),
            ("maxGap", limits.max_gap.map(f64::from)),
            (
                "requestIntervalMs",
                limits.request_interval_ms.map(f64::from),
            ),
        ];
        for (key, value) in fields {
            if let (Some(rules), Some(value)) = (rules.property(key), value) {
                let at = || locs.at(Field::SpecKey(SpecField::Limits, key));
                check_range(value, rules, &Path::Field(&path, key), at, diags);
            }
        }
    }
    check_field(
        SpecField::TargetRegister,
        spec.target_register.map(f64::from),
        diags,
    );
    check_field(
        SpecField::TargetValue,
        spec.target_value.map(|v| v as f64),
        diags,
    );
}

fn check_typed_register(
    reg: &super::RegisterSpec,
    rules: &Rules,
    entry: &Path<'_>,
    index: usize,
    locs: &Locations,
    diags: &mut Diagnostics,
) {
    let at = |f: RegisterField| move || locs.at(Field::RegisterField(index, f));
    let field = RegisterField::Name;
    if let Some(rules) = rules.property(field.key()) {
        check_string(
            &reg.name,
            rules,
            &Path::Field(entry, field.key()),
            at(field),
            diags,
        );
    }
    let numbers = [
        (RegisterField::Address, Some(f64::from(reg.address))),
        (RegisterField::Scale, Some(reg.scale)),
        (RegisterField::Offset, Some(reg.offset)),
        (RegisterField::Tolerance, Some(reg.tolerance)),
        (RegisterField::Min, reg.min.map(Bound::as_f64)),
        (RegisterField::Max, reg.max.map(Bound::as_f64)),
        (RegisterField::Bit, reg.bit.map(f64::from)),
        (RegisterField::ReadAddress, reg.read_address.map(f64::from)),
        (RegisterField::Length, reg.length.map(f64::from)),
    ];
    for (field, value) in numbers {
        if let (Some(rules), Some(value)) = (rules.property(field.key()), value) {
            check_range(
                value,
                rules,
                &Path::Field(entry, field.key()),
                at(field),
                diags,
            );
        }
    }
}

/// The rules of `spec`, compiled once from the resource's schema.
pub fn spec_rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| compile_at("/properties/spec"))
}

/// The rules of `status`, compiled once from the resource's schema. A status value
/// is whatever the device held (a number, a boolean or a string), so any is allowed.
pub fn status_rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = compile_at("/properties/status");
        rules.allow_any_value();
        rules
    })
}

/// The rules of a `PLCModel`'s `spec`, compiled once from its schema.
pub fn model_spec_rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        super::schema::model_document_schema()
            .pointer("/properties/spec")
            .map_or_else(Rules::default, Rules::compile)
    })
}

fn compile_at(pointer: &str) -> Rules {
    super::schema::document_schema()
        .pointer(pointer)
        .map_or_else(Rules::default, Rules::compile)
}

/// One schema node, compiled from its JSON: looking keywords up in JSON maps for every
/// YAML node was a fifth of the cost of validating a fleet.
#[derive(Debug, Default)]
pub struct Rules {
    /// `type`; [`VALUE`] for a register value; `None`: any value.
    ty: Option<String>,
    nullable: bool,
    /// `properties`, sorted by name (the order of the JSON map).
    properties: Vec<(String, Rules)>,
    preserve_unknown: bool,
    /// `additionalProperties`: absent, a schema, or anything else (allows all).
    additional: Additional,
    required: Vec<String>,
    items: Option<Box<Rules>>,
    /// `enum` (its string values).
    allowed: Option<Vec<String>>,
    min_length: u64,
    max_length: u64,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

#[derive(Debug, Default)]
enum Additional {
    #[default]
    Absent,
    Schema(Box<Rules>),
    Other,
}

impl Rules {
    fn compile(schema: &Json) -> Rules {
        let strings = |key: &str| {
            schema.get(key).and_then(Json::as_array).map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
        };
        let preserve_unknown = schema
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        let ty = schema.get("type").and_then(Json::as_str).map(str::to_owned);
        // A schema that is only x-kubernetes-preserve-unknown-fields is a register
        // value (a structural schema cannot say "a number or a boolean").
        let ty = match ty {
            None if preserve_unknown && schema.get("properties").is_none() => {
                Some(VALUE.to_owned())
            }
            ty => ty,
        };
        let mut rules = Rules {
            ty,
            nullable: schema
                .get("nullable")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            properties: schema
                .get("properties")
                .and_then(Json::as_object)
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), Rules::compile(v)))
                        .collect()
                })
                .unwrap_or_default(),
            preserve_unknown,
            additional: match schema.get("additionalProperties") {
                None => Additional::Absent,
                Some(a) if a.is_object() => Additional::Schema(Box::new(Rules::compile(a))),
                Some(_) => Additional::Other,
            },
            required: strings("required").unwrap_or_default(),
            items: schema.get("items").map(|i| Box::new(Rules::compile(i))),
            allowed: strings("enum"),
            min_length: schema.get("minLength").and_then(Json::as_u64).unwrap_or(0),
            max_length: schema
                .get("maxLength")
                .and_then(Json::as_u64)
                .unwrap_or(u64::MAX),
            minimum: schema.get("minimum").and_then(Json::as_f64),
            maximum: schema.get("maximum").and_then(Json::as_f64),
        };
        // An optional value (`live` of a status register) may be null, as serde reads
        // it; the schema has no `nullable` for it.
        for (name, property) in &mut rules.properties {
            if property.ty.as_deref() == Some(VALUE) && !rules.required.contains(name) {
                property.nullable = true;
            }
        }
        rules
    }

    /// Lets every register value below accept any type.
    fn allow_any_value(&mut self) {
        if self.ty.as_deref() == Some(VALUE) {
            self.ty = None;
        }
        for (_, property) in &mut self.properties {
            property.allow_any_value();
        }
        if let Some(items) = &mut self.items {
            items.allow_any_value();
        }
        if let Additional::Schema(additional) = &mut self.additional {
            additional.allow_any_value();
        }
    }

    fn property(&self, name: &str) -> Option<&Rules> {
        // A handful of properties: comparing lengths first finds the one faster
        // than a binary search comparing bytes at every step.
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, rules)| rules)
    }

    fn property_names(&self) -> impl Iterator<Item = &str> {
        self.properties.iter().map(|(k, _)| k.as_str())
    }
}

/// The pseudo-type of a register value ([`crate::register::Value`]): a number or a
/// boolean, or text where the register declares `type: string`.
const VALUE: &str = "value";

/// Where a node sits in the document (`spec.registers[3].name`). Formatted only when
/// a problem is reported: a fleet's manifests hold hundreds of thousands of nodes,
/// and building a string for each was a large part of validating them.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn is_empty(&self) -> bool {
        matches!(self, Path::Root(""))
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(root) => f.write_str(root),
            Path::Field(parent, key) if parent.is_empty() => f.write_str(key),
            Path::Field(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn check_at(node: &Node, schema: &Rules, path: &Path<'_>, file: &FileRef, diags: &mut Diagnostics) {
    let loc = || file.loc(&node.referenced);
    let nullable = schema.nullable;
    let Some(ty) = schema.ty.as_deref() else {
        // x-kubernetes-preserve-unknown-fields: any value; checked by the semantic rules.
        return;
    };
    if node.value == NodeValue::Null {
        if !nullable {
            diags.push(
                Diagnostic::error(loc(), format!("`{path}` is empty"))
                    .with_hint(format!("give it {}, or remove the line", expected(ty))),
            );
        }
        return;
    }
    match (ty, &node.value) {
        ("object", NodeValue::Map(entries)) => {
            check_object(node, entries, schema, path, file, diags)
        }
        ("array", NodeValue::Seq(items)) => {
            if let Some(item_schema) = schema.items.as_deref() {
                for (i, item) in items.iter().enumerate() {
                    check_at(item, item_schema, &Path::Index(path, i), file, diags);
                }
            }
        }
        ("string", NodeValue::Str(s)) => check_string(s, schema, path, loc, diags),
        ("integer", NodeValue::Int(i)) => {
            let before = diags.0.len();
            check_range(*i as f64, schema, path, loc, diags);
            if diags.0.len() > before && matches!(path, Path::Field(_, "address")) {
                let hint = i64::try_from(*i)
                    .ok()
                    .and_then(super::modicon::six_digit_hint);
                if let (Some(d), Some(hint)) = (diags.0.last_mut(), hint) {
                    d.hint = Some(hint);
                }
            }
        }
        ("number", NodeValue::Int(i)) => check_range(*i as f64, schema, path, loc, diags),
        ("number", NodeValue::Float(f)) => check_range(*f, schema, path, loc, diags),
        ("boolean", NodeValue::Bool(_)) => {}
        (VALUE, NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_)) => {}
        (VALUE, other) => diags.push(
            Diagnostic::error(
                loc(),
                format!(
                    "`{path}` must be {}, got {}",
                    expected(VALUE),
                    describe(other)
                ),
            )
            .with_hint(value_hint(other)),
        ),
        (ty, other) => {
            let mut d = Diagnostic::error(
                loc(),
                format!("`{path}` must be {}, got {}", expected(ty), describe(other)),
            );
            if ty == "integer"
                && matches!(other, NodeValue::Str(s) if s.trim().parse::<i64>().is_ok())
            {
                d = d.with_hint("remove the quotes");
            }
            if ty == "string"
                && matches!(
                    other,
                    NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_)
                )
            {
                d = d.with_hint(
                    "quote the value (YAML reads yes/no/on/off as booleans and digits as numbers)",
                );
            }
            diags.push(d);
        }
    }
}

fn check_object(
    node: &Node,
    entries: &[(super::node::Key, Node)],
    schema: &Rules,
    path: &Path<'_>,
    file: &FileRef,
    diags: &mut Diagnostics,
) {
    for (key, value) in entries {
        let child_path = Path::Field(path, &key.value);
        if let Some(prop) = schema.property(&key.value) {
            if prop.ty.as_deref() == Some(VALUE)
                && matches!(value.value, NodeValue::Str(_))
                && declares_string(entries)
            {
                // The text of a `type: string` register; the semantic rules check it.
                continue;
            }
            check_at(value, prop, &child_path, file, diags);
        } else if let Additional::Schema(add) = &schema.additional {
            if add.ty.as_deref() == Some(VALUE) && matches!(value.value, NodeValue::Str(_)) {
                // A PLC's value of its model's register (`spec.values`): text for a
                // `type: string` register; the semantic rules, which know the
                // register's type, check it.
                continue;
            }
            check_at(value, add, &child_path, file, diags);
        } else if !schema.preserve_unknown && matches!(schema.additional, Additional::Absent) {
            let place = if path.is_empty() {
                "the document".to_owned()
            } else {
                format!("`{path}`")
            };
            let mut d = Diagnostic::error(
                file.loc(&key.referenced),
                format!("unknown field `{}` in {place}", key.value),
            );
            d = match did_you_mean(&key.value, schema.property_names()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!(
                    "known fields: {}",
                    schema.property_names().collect::<Vec<_>>().join(", ")
                )),
            };
            diags.push(d);
        }
    }
    for field in schema.required.iter().map(String::as_str) {
        if !entries.iter().any(|(k, _)| k.value == field) {
            let place = if path.is_empty() {
                "the document".to_owned()
            } else {
                format!("`{path}`")
            };
            diags.push(
                Diagnostic::error(
                    file.loc(&node.referenced),
                    format!("missing required field `{field}` in {place}"),
                )
                .with_hint(format!("add `{field}:`")),
            );
        }
    }
}

/// Whether a register entry says `type: string`, whose value is text.
fn declares_string(entries: &[(super::node::Key, Node)]) -> bool {
    entries
        .iter()
        .any(|(k, v)| k.value == "type" && matches!(&v.value, NodeValue::Str(t) if t == "string"))
}

fn check_string(
    s: &str,
    schema: &Rules,
    path: &Path<'_>,
    loc: impl Fn() -> super::SourceLoc,
    diags: &mut Diagnostics,
) {
    if let Some(allowed) = &schema.allowed
        && !allowed.iter().any(|a| a == s)
    {
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        let mut d = Diagnostic::error(
            loc(),
            format!("`{path}` must be one of {}, got `{s}`", allowed.join(", ")),
        );
        if let Some(near) = did_you_mean(s, allowed.iter().copied()) {
            d = d.with_hint(format!("did you mean `{near}`?"));
        }
        diags.push(d);
        return;
    }
    let len = s.chars().count();
    let (min, max) = (schema.min_length, schema.max_length);
    if (len as u64) < min {
        diags.push(Diagnostic::error(
            loc(),
            format!("`{path}` must not be empty"),
        ));
    } else if len as u64 > max {
        diags.push(Diagnostic::error(
            loc(),
            format!("`{path}` is {len} characters long; at most {max} are allowed"),
        ));
    }
}

fn check_range(
    v: f64,
    schema: &Rules,
    path: &Path<'_>,
    loc: impl Fn() -> super::SourceLoc,
    diags: &mut Diagnostics,
) {
    let (min, max) = (schema.minimum, schema.maximum);
    if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
        let bounds = match (min, max) {
            (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => unreachable!("checked above"),
        };
        diags.push(Diagnostic::error(
            loc(),
            format!("`{path}` must be {bounds}, got {v}"),
        ));
    }
}

fn expected(ty: &str) -> &'static str {
    match ty {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        VALUE => "a number or true/false",
        _ => "a value",
    }
}

/// How to write a register value that is not a number or a boolean.
fn value_hint(v: &NodeValue) -> &'static str {
    let NodeValue::Str(s) = v else {
        return "write a number, or true/false for coils, discrete inputs and bool registers";
    };
    let s = s.trim();
    if s.parse::<f64>().is_ok_and(f64::is_finite) {
        "remove the quotes"
    } else if ["yes", "no", "on", "off", "y", "n"]
        .iter()
        .any(|word| s.eq_ignore_ascii_case(word))
    {
        "write true or false (or a number): fabctl reads YAML 1.2, where yes/no/on/off are strings"
    } else if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") {
        "write true or false, lowercase and without quotes"
    } else {
        "write a number, or true/false for coils, discrete inputs and bool registers"
    }
}

/// A short description of a node's value for messages: its type and, for scalars, the value.
pub fn describe(v: &NodeValue) -> String {
    match v {
        NodeValue::Null => "nothing".into(),
        NodeValue::Bool(b) => format!("a boolean ({b})"),
        NodeValue::Int(i) => format!("an integer ({i})"),
        NodeValue::Float(f) => format!("a number ({f})"),
        NodeValue::Str(s) => format!("a string ({s:?})"),
        NodeValue::Seq(_) => "a list".into(),
        NodeValue::Map(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`check_typed_spec`] names the fields it checks: when the schema bounds another
    /// field, it must check that one too.
    #[test]
    fn the_typed_check_covers_every_bounded_field_of_the_schema() {
        fn bounded(schema: &Json, path: String, out: &mut Vec<String>) {
            let bounds = ["minimum", "maximum", "minLength", "maxLength"];
            if bounds.iter().any(|b| schema.get(b).is_some()) {
                out.push(path.clone());
            }
            if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
                for (name, sub) in properties {
                    bounded(sub, format!("{path}.{name}"), out);
                }
            }
            if let Some(items) = schema.get("items") {
                bounded(items, format!("{path}[]"), out);
            }
        }
        let schema = super::super::schema::document_schema();
        let mut found = Vec::new();
        bounded(&schema["properties"]["spec"], "spec".into(), &mut found);
        found.sort();
        assert_eq!(
            found,
            [
                "spec.deviceAddress",
                "spec.limits.maxGap",
                "spec.limits.maxReadBits",
                "spec.limits.maxReadRegisters",
                "spec.limits.maxWriteBits",
                "spec.limits.maxWriteRegisters",
                "spec.limits.requestIntervalMs",
                "spec.minWriteIntervalMs",
                "spec.model",
                "spec.pollIntervalSecs",
                "spec.port",
                "spec.registers[].address",
                "spec.registers[].bit",
                "spec.registers[].length",
                "spec.registers[].name",
                "spec.registers[].readAddress",
                // Unsigned, bounded only by 0: a typed value cannot be out of range
                // (the transport's rules check the values a serial line accepts).
                "spec.serial.baudRate",
                "spec.serial.dataBits",
                "spec.serial.stopBits",
                "spec.targetRegister",
                "spec.timeoutMs",
                "spec.unitId",
            ],
            "a bound was added or removed: update check_typed_spec and this list"
        );
    }
}
