//! Manifests: the `IndustrialPLC` resource type, loading YAML files with source
//! locations, and validating them before any device is touched.
//!
//! Loading never stops at the first problem: every file and document is checked and
//! every problem reported, each with file:line:column and a hint.

pub mod diagnostic;
mod document;
mod files;
mod fleet;
mod inherit;
pub mod locations;
mod model;
mod modicon;
mod node;
mod object;
mod resolve;
pub mod schema;
pub mod spec;
mod structure;
pub mod template;
mod tls;

use std::path::PathBuf;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use fleet::{check_device_overlaps, check_overlaps_by};
pub use inherit::Models;
pub use locations::Locations;
pub use model::{Plc, Register, SourceLoc};
pub use object::{from_resource, from_resource_in};
pub use resolve::{SHORTHAND_REGISTER, check_registers};
pub use spec::{IndustrialPLC, IndustrialPLCSpec, IndustrialPLCStatus, Mode, RegisterSpec};

use diagnostic::FileRef;
use document::Classified;

/// The outcome of loading manifests: the valid PLCs, every diagnostic, and counts.
#[derive(Debug, Default)]
pub struct Report {
    pub plcs: Vec<Plc>,
    pub diagnostics: Diagnostics,
    pub files: usize,
    /// The PLCModels declared (each checked where it is declared).
    pub models: usize,
    /// PLCs with `spec.model`, resolved once every file is loaded (a model may be in
    /// any file): each with the place in `plcs` it takes.
    pending: Vec<(usize, Pending)>,
    /// Models as loaded, in load order.
    loaded_models: Vec<DeclaredModel>,
}

/// A PLC waiting for its model.
#[derive(Debug)]
struct Pending {
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: IndustrialPLCSpec,
    locs: Locations,
}

/// A model document, structurally valid.
#[derive(Debug)]
struct DeclaredModel {
    namespace: String,
    name: String,
    spec: template::PLCModelSpec,
    locs: Locations,
}

impl Report {
    /// Total registers over all PLCs.
    pub fn register_count(&self) -> usize {
        self.plcs.iter().map(|p| p.registers.len()).sum()
    }
}

/// Loads and validates manifests. `Err` holds every diagnostic when any is an error;
/// on success notes (skipped documents) are logged.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Plc>, Diagnostics> {
    let report = load_report(paths);
    if report.diagnostics.has_errors() {
        return Err(report.diagnostics);
    }
    for note in report.diagnostics.iter() {
        tracing::info!("{note}");
    }
    Ok(report.plcs)
}

/// Loads and validates manifests, keeping everything found. When the diagnostics hold
/// an error, `plcs` must not be used to contact any device.
pub fn load_report(paths: &[PathBuf]) -> Report {
    let mut report = Report::default();
    if paths.is_empty() {
        report.diagnostics.push(
            Diagnostic::error(
                FileRef::new("manifests".as_ref()).whole(),
                "no manifests given and no manifests/ directory here",
            )
            .with_hint("pass -f FILE or -f DIRECTORY"),
        );
        return report;
    }
    let files = match files::discover(paths) {
        Ok(files) => files,
        Err(problems) => {
            report.diagnostics.0.extend(problems);
            return report;
        }
    };
    report.files = files.len();
    for file in load_files(&files) {
        let offset = report.plcs.len();
        report.plcs.extend(file.plcs);
        report.diagnostics.0.extend(file.diagnostics.0);
        let pending = file.pending.into_iter().map(|(at, p)| (at + offset, p));
        report.pending.extend(pending);
        report.loaded_models.extend(file.loaded_models);
    }
    resolve_with_models(&mut report);
    let unique = fleet::check_unique_plcs(&report.plcs, &mut report.diagnostics);
    fleet::check_overlaps(&unique, &mut report.diagnostics);
    report.diagnostics.sort();
    report
}

/// Checks every model once and resolves the PLCs that name one, each put in its
/// place in the load order.
fn resolve_with_models(report: &mut Report) {
    let mut models = inherit::Models::default();
    report.models = report.loaded_models.len();
    for m in std::mem::take(&mut report.loaded_models) {
        let at = m.locs.at(locations::Field::Document);
        if let Some(first) = models.insert(
            &m.namespace,
            &m.name,
            m.spec,
            m.locs,
            &mut report.diagnostics,
        ) {
            report.diagnostics.push(
                Diagnostic::error(
                    at,
                    format!("duplicate PLCModel `{}/{}`", m.namespace, m.name),
                )
                .with_hint(format!(
                    "also defined at {}; names must be unique per namespace",
                    first.locs.at(locations::Field::Document)
                )),
            );
        }
    }
    let mut resolved = Vec::new();
    for (at, p) in std::mem::take(&mut report.pending) {
        let namespace = p.metadata.namespace.as_deref().unwrap_or("default");
        let before = report.diagnostics.error_count();
        let Some((spec, locs)) =
            inherit::inherit(namespace, p.spec, p.locs, &models, &mut report.diagnostics)
        else {
            continue;
        };
        let plc = resolve::resolve(&p.metadata, spec, &locs, &mut report.diagnostics);
        if let Some(plc) = plc.filter(|_| report.diagnostics.error_count() == before) {
            resolved.push((at, plc));
        }
    }
    for (at, plc) in resolved.into_iter().rev() {
        report.plcs.insert(at.min(report.plcs.len()), plc);
    }
}

/// The PLCModel `name` of `namespace` declared in the manifests `paths` name, its
/// own rules checked; `Err` holds its problems (or says it is not there).
pub fn find_model(
    paths: &[PathBuf],
    namespace: &str,
    name: &str,
) -> Result<template::PLCModelSpec, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let files = files::discover(paths).map_err(Diagnostics)?;
    let mut models = inherit::Models::default();
    for file in load_files(&files) {
        for m in file.loaded_models {
            if m.namespace == namespace && m.name == name {
                models.insert(&m.namespace, &m.name, m.spec, m.locs, &mut diagnostics);
            }
        }
    }
    match models.get(namespace, name) {
        Some(model) if model.valid => Ok(model.spec.clone()),
        Some(_) => Err(diagnostics),
        None => {
            let at = files.first().map_or_else(
                || FileRef::new("manifests".as_ref()).whole(),
                |f| FileRef::new(f).whole(),
            );
            diagnostics.push(
                Diagnostic::error(
                    at,
                    format!("no PLCModel `{name}` in namespace `{namespace}` in these manifests"),
                )
                .with_hint("pass the model's file with -f, or its namespace with --namespace"),
            );
            Err(diagnostics)
        }
    }
}

/// Files below this count are loaded on the calling thread alone.
const FILES_PER_WORKER: usize = 16;

/// Loads every file, in parallel on the machine's cores: parsing YAML is most of the
/// cost of loading a fleet, and files are independent. Results keep the order of
/// `files`, so the outcome is exactly that of loading them one by one.
fn load_files(files: &[PathBuf]) -> Vec<Report> {
    crate::process::parallel::map(files, FILES_PER_WORKER, |_, path| {
        let mut report = Report::default();
        load_file(path, &mut report);
        report
    })
}

fn load_file(path: &std::path::Path, report: &mut Report) {
    let file = FileRef::new(path);
    match files::read(path) {
        Ok(text) => load_text(&text, &file, report),
        Err(d) => report.diagnostics.push(d),
    }
}

fn load_text(text: &str, file: &FileRef, report: &mut Report) {
    let file = file.clone();
    let docs = match node::parse_documents(text) {
        Ok(docs) => docs,
        Err(e) => {
            let loc = e
                .location()
                .map(|l| file.loc(&node::Mark::from(&l)))
                .unwrap_or_else(|| file.whole());
            let (message, hint) = node::describe_error(&e);
            report
                .diagnostics
                .push(Diagnostic::error(loc, format!("invalid YAML: {message}")).with_hint(hint));
            return;
        }
    };
    for doc in &docs {
        let mut problems = Vec::new();
        unrepresentable(doc, text, &file, &mut problems);
        if problems.is_empty() {
            load_document(doc, &file, report);
            continue;
        }
        // The rest of the document is still checked; what the rules say of the
        // unrepresentable values themselves, the problems above say better.
        let mut rest = Report::default();
        load_document(doc, &file, &mut rest);
        let rest = rest
            .diagnostics
            .0
            .into_iter()
            .filter(|d| !problems.iter().any(|p| p.loc == d.loc))
            .collect::<Vec<_>>();
        report.diagnostics.0.extend(problems);
        report.diagnostics.0.extend(rest);
    }
}

/// Checks one parsed document, adding the PLC it declares (when valid) and every
/// problem found to `report`.
fn load_document(doc: &node::Node, file: &FileRef, report: &mut Report) {
    match document::classify(doc, file, &mut report.diagnostics) {
        Classified::Plc(plc) => {
            let locs = Locations::of_document(doc, file);
            let IndustrialPLC { metadata, spec, .. } = *plc;
            if spec.model.is_some() {
                let at = report.plcs.len();
                let pending = Pending {
                    metadata,
                    spec,
                    locs,
                };
                report.pending.push((at, pending));
                return;
            }
            if let Some(resolved) =
                resolve::resolve(&metadata, spec, &locs, &mut report.diagnostics)
            {
                report.plcs.push(resolved);
            }
        }
        // Still check what is well-formed, so one run shows every problem: the spec
        // without its broken parts, or at least the well-formed registers. Nothing of
        // such a document is ever used.
        Classified::Invalid => match document::salvage(doc) {
            Some(salvaged) => {
                let locs = Locations::of_document(&salvaged.document, file)
                    .with_register_indices(salvaged.register_indices);
                let metadata = Default::default();
                let _ = resolve::resolve(&metadata, salvaged.spec, &locs, &mut report.diagnostics);
            }
            None => {
                let locs = Locations::of_document(doc, file);
                let entries = document::well_formed_registers(doc);
                resolve::check_registers(entries, &locs, &mut report.diagnostics);
            }
        },
        Classified::Model(model) => {
            let template::PLCModel { metadata, spec } = *model;
            report.loaded_models.push(DeclaredModel {
                namespace: metadata.namespace.unwrap_or_else(|| "default".to_owned()),
                name: metadata.name.unwrap_or_default(),
                spec,
                locs: Locations::of_document(doc, file),
            });
        }
        Classified::Skipped => {}
    }
}

/// Integers beyond 64 bits and non-finite floats (`.nan`, `.inf`) cannot be any
/// register value or field: refuse them rather than round or drop them. The YAML
/// parser turns wide integer literals into floats, so the source text of every float
/// is checked for an integer literal.
fn unrepresentable(doc: &node::Node, text: &str, file: &FileRef, out: &mut Vec<Diagnostic>) {
    use node::NodeValue;
    let too_wide = |literal: &str| too_wide(literal, file.loc(&doc.referenced));
    match &doc.value {
        NodeValue::Int(i) if i64::try_from(*i).is_err() && u64::try_from(*i).is_err() => {
            out.push(too_wide(&i.to_string()));
        }
        NodeValue::Float(f) if !f.is_finite() => {
            out.push(not_finite(*f, file.loc(&doc.referenced)))
        }
        NodeValue::Float(_) => {
            let mark = doc.referenced;
            let (Some(start), Some(len)) = (mark.byte_offset, mark.byte_len) else {
                return;
            };
            let (Ok(start), Ok(len)) = (usize::try_from(start), usize::try_from(len)) else {
                return;
            };
            let Some(literal) = start.checked_add(len).and_then(|end| text.get(start..end)) else {
                return;
            };
            let literal = literal.trim();
            let digits = literal.strip_prefix(['-', '+']).unwrap_or(literal);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
                out.push(too_wide(literal));
            }
        }
        NodeValue::Seq(items) => {
            for n in items {
                unrepresentable(n, text, file, out);
            }
        }
        NodeValue::Map(entries) => {
            for (_, n) in entries {
                unrepresentable(n, text, file, out);
            }
        }
        _ => {}
    }
}

/// An integer no register or field can hold.
fn too_wide(literal: &str, loc: SourceLoc) -> Diagnostic {
    Diagnostic::error(loc, format!("integer {literal} does not fit in 64 bits"))
        .with_hint("the widest registers are u64 (0 to 18446744073709551615) and i64")
}

/// NaN or an infinity, which no register value or field may be.
fn not_finite(f: f64, loc: SourceLoc) -> Diagnostic {
    Diagnostic::error(loc, format!("{f} is not a finite number"))
        .with_hint("register values, bounds, scales and tolerances must be finite numbers")
}

/// The manifest files `paths` name, directories walked, in load order; paths that
/// cannot be read are left out (loading reports them).
pub fn manifest_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    files::discover(paths).unwrap_or_default()
}
