//! One YAML document: deciding whether it is ours, checking its envelope
//! (apiVersion, kind, metadata) and structure, and turning it into the typed resource.

use super::diagnostic::{Diagnostic, Diagnostics, FileRef, did_you_mean, edit_distance};
use super::node::{Key, Node, NodeValue};
use super::spec::{API_VERSION, GROUP, KIND};
use super::template::{MODEL_KIND, PLCModel};
use super::{IndustrialPLC, IndustrialPLCSpec, RegisterSpec, SourceLoc, structure};

/// What a document turned out to be.
pub enum Classified {
    /// An `IndustrialPLC`, structurally valid.
    Plc(Box<IndustrialPLC>),
    /// A `PLCModel`, structurally valid.
    Model(Box<PLCModel>),
    /// Ours, but with problems (already reported).
    Invalid,
    /// Someone else's kind (a ConfigMap next to the manifests), or an empty document.
    Skipped,
}

const ROOT_FIELDS: [&str; 5] = ["apiVersion", "kind", "metadata", "spec", "status"];
const METADATA_FIELDS: [&str; 14] = [
    "name",
    "namespace",
    "labels",
    "annotations",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "finalizers",
    "managedFields",
    "ownerReferences",
    "generateName",
];

/// Classifies and checks one document.
pub fn classify(doc: &Node, file: &FileRef, diags: &mut Diagnostics) -> Classified {
    let loc = file.loc(&doc.referenced);
    let entries = match &doc.value {
        NodeValue::Null => return Classified::Skipped,
        NodeValue::Map(entries) => entries,
        other => {
            diags.push(
                Diagnostic::error(loc, format!("a manifest must be a mapping, got {}", structure::describe(other)))
                    .with_hint("start the document with `apiVersion: fabgitops.io/v1` and `kind: IndustrialPLC`"),
            );
            return Classified::Invalid;
        }
    };
    let api_version = doc.value.get("apiVersion").and_then(|n| n.value.as_str());
    let kind = doc.value.get("kind").and_then(|n| n.value.as_str());
    if !is_ours(api_version, kind, doc, file, diags) {
        return Classified::Skipped;
    }
    let is_model = kind == Some(MODEL_KIND);
    if api_version != Some(API_VERSION) || !(kind == Some(KIND) || is_model) {
        return Classified::Invalid;
    }
    let before = diags.error_count();
    // A model has no status: the agent reports on the PLCs.
    let root_fields = if is_model {
        &ROOT_FIELDS[..4]
    } else {
        &ROOT_FIELDS[..]
    };
    for (key, _) in entries {
        if !root_fields.contains(&key.value.as_ref()) {
            let mut d = Diagnostic::error(
                file.loc(&key.referenced),
                format!("unknown field `{}` at the top of the document", key.value),
            );
            if let Some(s) = did_you_mean(&key.value, root_fields.iter().copied()) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            diags.push(d);
        }
    }
    check_metadata(doc, file, diags);
    if is_model {
        return classify_model(doc, file, diags, before);
    }
    match doc.value.get("spec") {
        Some(spec) => structure::check(spec, structure::spec_rules(), "spec", file, diags),
        None => diags.push(
            Diagnostic::error(loc.clone(), "missing required field `spec`")
                .with_hint("add a `spec:` with at least `deviceAddress` and registers"),
        ),
    }
    if let Some(status) = doc.value.get("status") {
        structure::check(status, structure::status_rules(), "status", file, diags);
    }
    if diags.error_count() > before {
        return Classified::Invalid;
    }
    match doc.value.deserialize::<IndustrialPLC>() {
        Ok(plc) => Classified::Plc(Box::new(plc)),
        Err(e) => {
            // What the schema let through but the type refuses: say where.
            let d = match doc.locate_failure::<IndustrialPLC>() {
                Some(at) if !at.path.is_empty() => {
                    Diagnostic::error(file.loc(&at.mark), format!("`{}`: {}", at.path, at.message))
                }
                _ => Diagnostic::error(loc, format!("invalid IndustrialPLC: {e}")),
            };
            diags.push(d);
            Classified::Invalid
        }
    }
}

/// The rest of [`classify`] for a `PLCModel`: its spec against the model's schema.
fn classify_model(
    doc: &Node,
    file: &FileRef,
    diags: &mut Diagnostics,
    before: usize,
) -> Classified {
    match doc.value.get("spec") {
        Some(spec) => structure::check(spec, structure::model_spec_rules(), "spec", file, diags),
        None => diags.push(
            Diagnostic::error(file.loc(&doc.referenced), "missing required field `spec`")
                .with_hint("add a `spec:` with the model's `registers`"),
        ),
    }
    if diags.error_count() > before {
        return Classified::Invalid;
    }
    match doc.value.deserialize::<PLCModel>() {
        Ok(model) => Classified::Model(Box::new(model)),
        Err(e) => {
            let d = match doc.locate_failure::<PLCModel>() {
                Some(at) if !at.path.is_empty() => {
                    Diagnostic::error(file.loc(&at.mark), format!("`{}`: {}", at.path, at.message))
                }
                _ => Diagnostic::error(file.loc(&doc.referenced), format!("invalid PLCModel: {e}")),
            };
            diags.push(d);
            Classified::Invalid
        }
    }
}

/// Whether the document is meant to be an IndustrialPLC or a PLCModel. Exact matches are ours; near
/// misses (a typo in kind or apiVersion, another version of our group) are errors; other
/// kinds are skipped with a note.
fn is_ours(
    api_version: Option<&str>,
    kind: Option<&str>,
    doc: &Node,
    file: &FileRef,
    diags: &mut Diagnostics,
) -> bool {
    // The common case first: the near-miss checks below cost more than the document.
    if api_version == Some(API_VERSION) && matches!(kind, Some(KIND | MODEL_KIND)) {
        return true;
    }
    let loc = file.loc(&doc.referenced);
    let at = |key: &str| {
        doc.value
            .get(key)
            .map(|n| file.loc(&n.referenced))
            .unwrap_or_else(|| loc.clone())
    };
    let close_to = |k: &str, ours: &str| {
        k != ours && edit_distance(&k.to_ascii_lowercase(), &ours.to_ascii_lowercase()) <= 3
    };
    let kind_close =
        kind.is_some_and(|k| k != MODEL_KIND && (close_to(k, KIND) || close_to(k, MODEL_KIND)));
    let kind_fix = match kind {
        Some(k) if close_to(k, MODEL_KIND) => MODEL_KIND,
        _ => KIND,
    };
    let api_close = api_version.is_some_and(|a| {
        a != API_VERSION
            && (a.split('/').next() == Some(GROUP) || edit_distance(a, API_VERSION) <= 3)
    });
    match (api_version, kind) {
        (Some(API_VERSION), Some(KIND | MODEL_KIND)) => true,
        (Some(API_VERSION), k) => {
            let d = match k {
                None => Diagnostic::error(loc, "missing `kind`")
                    .with_hint(format!("add `kind: {KIND}`")),
                Some(k) => Diagnostic::error(
                    at("kind"),
                    format!("unknown kind `{k}` for apiVersion {API_VERSION}"),
                )
                .with_hint(format!("did you mean `{kind_fix}`?")),
            };
            diags.push(d);
            true
        }
        (a, Some(k @ (KIND | MODEL_KIND))) => {
            let d = match a {
                None => Diagnostic::error(loc, "missing `apiVersion`")
                    .with_hint(format!("add `apiVersion: {API_VERSION}`")),
                Some(a) => Diagnostic::error(
                    at("apiVersion"),
                    format!("unsupported apiVersion `{a}` for kind {k}"),
                )
                .with_hint(format!("use `apiVersion: {API_VERSION}`")),
            };
            diags.push(d);
            true
        }
        _ if kind_close || api_close => {
            let (what, value, key, fix) = if kind_close {
                ("kind", kind.unwrap_or_default(), "kind", kind_fix)
            } else {
                (
                    "apiVersion",
                    api_version.unwrap_or_default(),
                    "apiVersion",
                    API_VERSION,
                )
            };
            diags.push(
                Diagnostic::error(at(key), format!("unknown {what} `{value}`"))
                    .with_hint(format!("did you mean `{fix}`?")),
            );
            true
        }
        _ => {
            let what = match (api_version, kind) {
                (Some(a), Some(k)) => format!("{a} {k}"),
                (None, Some(k)) => k.to_owned(),
                (Some(a), None) => a.to_owned(),
                (None, None) => "document without apiVersion or kind".to_owned(),
            };
            diags.push(Diagnostic::note(
                loc,
                format!("skipping {what} (not an {KIND})"),
            ));
            false
        }
    }
}

fn check_metadata(doc: &Node, file: &FileRef, diags: &mut Diagnostics) {
    let Some(meta) = doc.value.get("metadata") else {
        diags.push(
            Diagnostic::error(file.loc(&doc.referenced), "missing `metadata`")
                .with_hint("add `metadata:` with a `name:`"),
        );
        return;
    };
    let NodeValue::Map(entries) = &meta.value else {
        diags.push(Diagnostic::error(
            file.loc(&meta.referenced),
            format!(
                "`metadata` must be a mapping, got {}",
                structure::describe(&meta.value)
            ),
        ));
        return;
    };
    for (key, value) in entries {
        let loc = file.loc(&value.referenced);
        match key.value.as_ref() {
            "name" => match &value.value {
                NodeValue::Str(name) => check_name(name, loc, diags),
                other => diags.push(
                    Diagnostic::error(
                        loc,
                        format!(
                            "`metadata.name` must be a string, got {}",
                            structure::describe(other)
                        ),
                    )
                    .with_hint("quote the name (YAML reads yes/no/on/off as booleans and digits as numbers)"),
                ),
            },
            "namespace" => match &value.value {
                NodeValue::Str(ns) => check_namespace(ns, loc, diags),
                other => diags.push(Diagnostic::error(
                    loc,
                    format!(
                        "`metadata.namespace` must be a string, got {}",
                        structure::describe(other)
                    ),
                )),
            },
            "labels" | "annotations" => check_string_map(&key.value, value, file, diags),
            field if METADATA_FIELDS.contains(&field) => {}
            field => {
                let mut d = Diagnostic::error(
                    file.loc(&key.referenced),
                    format!("unknown field `{field}` in `metadata`"),
                );
                if let Some(s) = did_you_mean(field, METADATA_FIELDS) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
    }
    if meta.value.get("name").is_none() {
        diags.push(missing_name(file.loc(&meta.referenced)));
    }
}

/// `metadata.name` must be a Kubernetes resource name.
pub fn check_name(name: &str, loc: SourceLoc, diags: &mut Diagnostics) {
    if !is_dns_name(name) {
        diags.push(
            Diagnostic::error(loc, format!("`metadata.name` `{name}` is not a valid resource name"))
                .with_hint("use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253 characters)"),
        );
    }
}

/// `metadata.namespace` must be a Kubernetes namespace name.
pub fn check_namespace(ns: &str, loc: SourceLoc, diags: &mut Diagnostics) {
    if !is_dns_label(ns) {
        diags.push(
            Diagnostic::error(
                loc,
                format!("`metadata.namespace` `{ns}` is not a valid namespace"),
            )
            .with_hint("use lowercase letters, digits and '-' (at most 63 characters)"),
        );
    }
}

/// The problem of a manifest without `metadata.name`, located at its `metadata`.
pub fn missing_name(loc: SourceLoc) -> Diagnostic {
    Diagnostic::error(loc, "missing `metadata.name`")
        .with_hint("every IndustrialPLC needs a name, unique in its namespace")
}

/// What of a document with structural problems can still be checked: its spec
/// without the fields and register entries that have problems (the unknown, the
/// mistyped, the out of range), a document holding just that spec (for its
/// locations), and the index in the document of each register entry kept.
pub struct Salvaged {
    pub spec: IndustrialPLCSpec,
    pub document: Node,
    pub register_indices: Vec<usize>,
}

/// The checkable rest of a document with structural problems, so that one run still
/// shows the problems its semantic rules find (a write window, a duplicate name, the
/// shorthand) besides the structural ones. `None` when too little is left: no spec, a
/// required field broken, or every register entry (or the shorthand, with no
/// registers) broken, as the rules would then wrongly say the PLC declares none.
pub fn salvage(doc: &Node) -> Option<Salvaged> {
    let spec = doc.value.get("spec")?;
    let NodeValue::Map(entries) = &spec.value else {
        return None;
    };
    let mut kept = Vec::with_capacity(entries.len());
    let mut register_indices = Vec::new();
    for (key, value) in entries {
        if key.value != "registers" {
            if structure::is_valid_spec_field(&key.value, value) {
                kept.push((key.clone(), value.clone()));
            }
            continue;
        }
        let NodeValue::Seq(items) = &value.value else {
            return None;
        };
        let mut registers = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if structure::is_valid_register(item)
                && item.value.deserialize::<RegisterSpec>().is_ok()
            {
                registers.push(item.clone());
                register_indices.push(i);
            }
        }
        if registers.is_empty() && !items.is_empty() {
            return None;
        }
        let list = Node {
            value: NodeValue::Seq(registers),
            referenced: value.referenced,
        };
        kept.push((key.clone(), list));
    }
    // Half of the shorthand would be reported as missing its other half.
    let shorthand = ["targetRegister", "targetValue"];
    let halves = |entries: &[(Key, Node)]| {
        entries
            .iter()
            .filter(|(k, _)| shorthand.contains(&k.value.as_ref()))
            .count()
    };
    if halves(&kept) < halves(entries) {
        kept.retain(|(k, _)| !shorthand.contains(&k.value.as_ref()));
        // Without it and without registers, the rules would say the PLC declares none.
        if register_indices.is_empty() {
            return None;
        }
    }
    // A transport whose settings were dropped would be reported as missing them.
    let dropped = |key: &str| {
        let has = |entries: &[(Key, Node)]| entries.iter().any(|(k, _)| k.value == key);
        has(entries) && !has(&kept)
    };
    if dropped("serial") || dropped("tls") {
        kept.retain(|(k, _)| k.value != "transport");
    }
    let spec_node = Node {
        value: NodeValue::Map(kept),
        referenced: spec.referenced,
    };
    let typed = spec_node.value.deserialize::<IndustrialPLCSpec>().ok()?;
    let spec_key = entries_key(doc, "spec")?;
    Some(Salvaged {
        spec: typed,
        document: Node {
            value: NodeValue::Map(vec![(spec_key, spec_node)]),
            referenced: doc.referenced,
        },
        register_indices,
    })
}

/// The key of a mapping's entry `name`, with its location.
fn entries_key(doc: &Node, name: &str) -> Option<Key> {
    match &doc.value {
        NodeValue::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.value == name)
            .map(|(k, _)| k.clone()),
        _ => None,
    }
}

/// The register entries of a document that are themselves well-formed, with the index
/// of each in `spec.registers`: a document with structural errors still has these
/// checked, so one run shows every problem.
pub fn well_formed_registers(doc: &Node) -> Vec<(usize, RegisterSpec)> {
    let Some(NodeValue::Seq(items)) = doc
        .value
        .get("spec")
        .and_then(|s| s.value.get("registers"))
        .map(|n| &n.value)
    else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, node)| {
            node.value
                .deserialize::<RegisterSpec>()
                .ok()
                .map(|r| (i, r))
        })
        .collect()
}

fn check_string_map(field: &str, node: &Node, file: &FileRef, diags: &mut Diagnostics) {
    match &node.value {
        NodeValue::Map(entries) => {
            for (key, value) in entries {
                if !matches!(value.value, NodeValue::Str(_)) {
                    diags.push(
                        Diagnostic::error(
                            file.loc(&value.referenced),
                            format!(
                                "`metadata.{field}.{}` must be a string, got {}",
                                key.value,
                                structure::describe(&value.value)
                            ),
                        )
                        .with_hint("quote the value"),
                    );
                }
            }
        }
        NodeValue::Null => {}
        other => diags.push(Diagnostic::error(
            file.loc(&node.referenced),
            format!(
                "`metadata.{field}` must be a mapping, got {}",
                structure::describe(other)
            ),
        )),
    }
}

/// A Kubernetes DNS-1123 subdomain (resource names).
fn is_dns_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A Kubernetes DNS-1123 label (namespaces, parts of names).
fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(spec: &str) -> Node {
        let text = format!(
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: p}}\nspec: {spec}\n"
        );
        super::super::node::parse_documents(&text)
            .unwrap()
            .remove(0)
    }

    #[test]
    fn salvage_keeps_what_is_well_formed_and_gives_up_where_the_rules_would_mislead() {
        let kept = salvage(&doc(
            "{deviceAddress: x, port: \"5\", registers: [{name: a, address: 0, value: \"1\"}, {name: b, address: 1, value: 2}]}",
        ))
        .expect("something to check");
        assert_eq!(kept.register_indices, [1]);
        assert_eq!(
            kept.spec.port, None,
            "the broken port is left to its default"
        );
        assert_eq!(kept.spec.registers.len(), 1);
        assert_eq!(kept.spec.registers[0].name, "b");
        // Every register broken, half of the shorthand broken, a required field broken:
        // the rules would report the PLC as declaring no registers, or cannot run.
        for spec in [
            "{deviceAddress: x, registers: [{name: a, address: 0, value: \"1\"}]}",
            "{deviceAddress: x, targetRegister: 70000, targetValue: 5}",
            "{deviceAddress: \"\", registers: [{name: a, address: 0, value: 1}]}",
            "[1, 2]",
        ] {
            assert!(salvage(&doc(spec)).is_none(), "{spec}");
        }
    }
}
