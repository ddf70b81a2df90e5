//! Manifests: the `IndustrialPLC` resource type, loading YAML files with source
//! locations, and validating them before any device is touched.
//!
//! Loading never stops at the first problem: every file and document is checked and
//! every problem reported, each with file:line:column and a hint.

pub mod diagnostic;
mod document;
mod files;
mod model;
mod node;
mod resolve;
pub mod schema;
pub mod spec;
mod structure;

use std::collections::HashMap;
use std::path::PathBuf;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use model::{Plc, Register, SourceLoc};
pub use resolve::SHORTHAND_REGISTER;
pub use spec::{IndustrialPLC, IndustrialPLCSpec, IndustrialPLCStatus, Mode, RegisterSpec};

use crate::register::RegisterKind;
use diagnostic::FileRef;
use document::Classified;

/// The outcome of loading manifests: the valid PLCs, every diagnostic, and counts.
#[derive(Debug, Default)]
pub struct Report {
    pub plcs: Vec<Plc>,
    pub diagnostics: Diagnostics,
    pub files: usize,
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
        report.plcs.extend(file.plcs);
        report.diagnostics.0.extend(file.diagnostics.0);
    }
    let unique = check_unique_plcs(&report.plcs, &mut report.diagnostics);
    check_overlaps(&unique, &mut report.diagnostics);
    report.diagnostics.sort();
    report
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

/// Validates a resource read from the Kubernetes API with exactly the rules applied
/// to files, on its name, namespace and spec: its status is the agent's own and the
/// rest of its metadata the API server's. Diagnostics name it
/// `cluster:namespace/name`, with the lines of that part of it as YAML.
pub fn from_resource(resource: &IndustrialPLC) -> Result<Plc, Diagnostics> {
    let id = format!(
        "cluster:{}/{}",
        resource.metadata.namespace.as_deref().unwrap_or("default"),
        resource.metadata.name.as_deref().unwrap_or_default()
    );
    let file = FileRef::new(std::path::Path::new(&id));
    let mut report = Report::default();
    match serde_saphyr::to_string(&Checked::of(resource)) {
        // Block YAML, as manifests are written: the parser's fast path reads it.
        Ok(text) => load_text(&text, &file, &mut report),
        Err(e) => report.diagnostics.push(Diagnostic::error(
            file.whole(),
            format!("cannot serialize the resource: {e}"),
        )),
    }
    if report.diagnostics.has_errors() {
        return Err(report.diagnostics);
    }
    report.plcs.pop().ok_or_else(|| {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::error(
            file.whole(),
            "the resource is not an IndustrialPLC",
        ));
        d
    })
}

/// The part of a cluster resource [`from_resource`] validates.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Checked<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: CheckedMetadata<'a>,
    spec: &'a IndustrialPLCSpec,
}

#[derive(serde::Serialize)]
struct CheckedMetadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
}

impl<'a> Checked<'a> {
    fn of(resource: &'a IndustrialPLC) -> Checked<'a> {
        Checked {
            api_version: spec::API_VERSION,
            kind: spec::KIND,
            metadata: CheckedMetadata {
                name: resource.metadata.name.as_deref(),
                namespace: resource.metadata.namespace.as_deref(),
            },
            spec: &resource.spec,
        }
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
        if !problems.is_empty() {
            report.diagnostics.0.extend(problems);
            continue;
        }
        match document::classify(doc, &file, &mut report.diagnostics) {
            Classified::Plc(plc) => {
                if let Some(resolved) = resolve::resolve(*plc, doc, &file, &mut report.diagnostics)
                {
                    report.plcs.push(resolved);
                }
            }
            // Still check the registers that are well-formed, so one run shows every problem.
            Classified::Invalid => resolve::salvage_registers(doc, &file, &mut report.diagnostics),
            Classified::Skipped => {}
        }
    }
}

/// Integers beyond 64 bits and non-finite floats (`.nan`, `.inf`) cannot be any
/// register value or field: refuse them rather than round or drop them. The YAML
/// parser turns wide integer literals into floats, so the source text of every float
/// is checked for an integer literal.
fn unrepresentable(doc: &node::Node, text: &str, file: &FileRef, out: &mut Vec<Diagnostic>) {
    use node::NodeValue;
    let too_wide = |literal: &str| {
        Diagnostic::error(
            file.loc(&doc.referenced),
            format!("integer {literal} does not fit in 64 bits"),
        )
        .with_hint("the widest registers are u64 (0 to 18446744073709551615) and i64")
    };
    match &doc.value {
        NodeValue::Int(i) if i64::try_from(*i).is_err() && u64::try_from(*i).is_err() => {
            out.push(too_wide(&i.to_string()));
        }
        NodeValue::Float(f) if !f.is_finite() => out.push(
            Diagnostic::error(
                file.loc(&doc.referenced),
                format!("{f} is not a finite number"),
            )
            .with_hint("register values, bounds, scales and tolerances must be finite numbers"),
        ),
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

/// Reports PLCs declared twice; returns the first declaration of each.
fn check_unique_plcs<'a>(plcs: &'a [Plc], diags: &mut Diagnostics) -> Vec<&'a Plc> {
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
fn check_overlaps(plcs: &[&Plc], diags: &mut Diagnostics) {
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
        regs.sort_by_key(|(_, r)| (r.address, r.source.clone()));
        let mut reach: Option<(u32, &Plc, &Register)> = None;
        for &(plc, reg) in regs.iter() {
            let end = u32::from(reg.address) + u32::from(reg.width()) - 1;
            if let Some((prev_end, prev_plc, prev)) = reach
                && u32::from(reg.address) <= prev_end
            {
                let owner = if std::ptr::eq(prev_plc, plc) {
                    String::new()
                } else {
                    format!(" of {}", prev_plc.id())
                };
                diags.push(
                    Diagnostic::error(
                        reg.source.clone(),
                        format!(
                            "register `{}` ({} {}) overlaps register `{}`{owner} ({} {})",
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
                reach = Some((end, plc, reg));
            }
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
