//! Structural validation of a YAML document against the resource's OpenAPI schema:
//! unknown fields (with "did you mean"), missing required fields, wrong types, enum
//! values and numeric ranges. Driven by the schema derived from the Rust type, so the
//! rules cannot drift from what the CRD declares. Every problem is reported.

use serde_json::Value as Json;

use super::diagnostic::{Diagnostic, Diagnostics, FileRef, did_you_mean};
use super::node::{Node, NodeValue};

/// Checks `node` (found at `path`, e.g. `spec.registers[0]`) against `schema`.
pub fn check(node: &Node, schema: &Json, path: &str, file: &FileRef, diags: &mut Diagnostics) {
    let loc = file.loc(&node.referenced);
    let nullable = schema
        .get("nullable")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let Some(ty) = schema.get("type").and_then(Json::as_str) else {
        // x-kubernetes-preserve-unknown-fields: any value; checked by the semantic rules.
        return;
    };
    if node.value == NodeValue::Null {
        if !nullable {
            diags.push(
                Diagnostic::error(loc, format!("`{path}` is empty"))
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
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item, item_schema, &format!("{path}[{i}]"), file, diags);
                }
            }
        }
        ("string", NodeValue::Str(s)) => check_string(s, schema, path, loc, diags),
        ("integer", NodeValue::Int(i)) => check_range(*i as f64, schema, path, loc, diags),
        ("number", NodeValue::Int(i)) => check_range(*i as f64, schema, path, loc, diags),
        ("number", NodeValue::Float(f)) => check_range(*f, schema, path, loc, diags),
        ("boolean", NodeValue::Bool(_)) => {}
        (ty, other) => {
            let mut d = Diagnostic::error(
                loc,
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
    entries: &[(serde_saphyr::Spanned<String>, Node)],
    schema: &Json,
    path: &str,
    file: &FileRef,
    diags: &mut Diagnostics,
) {
    let empty = serde_json::Map::new();
    let properties = schema
        .get("properties")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let preserve = schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let additional = schema.get("additionalProperties");
    for (key, value) in entries {
        let child_path = if path.is_empty() {
            key.value.clone()
        } else {
            format!("{path}.{}", key.value)
        };
        if let Some(prop) = properties.get(&key.value) {
            check(value, prop, &child_path, file, diags);
        } else if let Some(add) = additional.filter(|a| a.is_object()) {
            check(value, add, &child_path, file, diags);
        } else if !preserve && additional.is_none() {
            let place = if path.is_empty() {
                "the document".to_owned()
            } else {
                format!("`{path}`")
            };
            let mut d = Diagnostic::error(
                file.loc(&key.referenced),
                format!("unknown field `{}` in {place}", key.value),
            );
            d = match did_you_mean(&key.value, properties.keys().map(String::as_str)) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!(
                    "known fields: {}",
                    properties
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            diags.push(d);
        }
    }
    if let Some(required) = schema.get("required").and_then(Json::as_array) {
        for field in required.iter().filter_map(Json::as_str) {
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
}

fn check_string(
    s: &str,
    schema: &Json,
    path: &str,
    loc: super::SourceLoc,
    diags: &mut Diagnostics,
) {
    if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
        let allowed: Vec<&str> = allowed.iter().filter_map(Json::as_str).collect();
        if !allowed.contains(&s) {
            let mut d = Diagnostic::error(
                loc,
                format!("`{path}` must be one of {}, got `{s}`", allowed.join(", ")),
            );
            if let Some(near) = did_you_mean(s, allowed.iter().copied()) {
                d = d.with_hint(format!("did you mean `{near}`?"));
            }
            diags.push(d);
            return;
        }
    }
    let len = s.chars().count();
    let min = schema.get("minLength").and_then(Json::as_u64).unwrap_or(0);
    let max = schema
        .get("maxLength")
        .and_then(Json::as_u64)
        .unwrap_or(u64::MAX);
    if (len as u64) < min {
        diags.push(Diagnostic::error(
            loc,
            format!("`{path}` must not be empty"),
        ));
    } else if len as u64 > max {
        diags.push(Diagnostic::error(
            loc,
            format!("`{path}` is {len} characters long; at most {max} are allowed"),
        ));
    }
}

fn check_range(v: f64, schema: &Json, path: &str, loc: super::SourceLoc, diags: &mut Diagnostics) {
    let min = schema.get("minimum").and_then(Json::as_f64);
    let max = schema.get("maximum").and_then(Json::as_f64);
    if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
        let bounds = match (min, max) {
            (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => unreachable!("checked above"),
        };
        diags.push(Diagnostic::error(
            loc,
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
        _ => "a value",
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
