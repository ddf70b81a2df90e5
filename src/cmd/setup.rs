//! What the commands that talk to devices set up the same way, before any device is
//! contacted: the manifests (their diagnostics printed as `-o` asks), their host
//! names resolved (two PLCs claiming one register of one device refused), `--target`,
//! the open-file limit for the fleet, how devices are read and written (parallelism,
//! retries, progress bars), and the audit log with the context of the run.

use std::io::Write;

use serde_json::json;

use crate::cli::{DeviceAccessArgs, GlobalArgs, OutputFormat, RunArgs};
use crate::device::{Connector, Session, endpoint};
use crate::engine::apply::{self, ApplyReport, ResultSink};
use crate::engine::audit::{self, AuditLog};
use crate::engine::conflict::Conflicts;
use crate::engine::observe::{self, ReadOptions};
use crate::engine::plan::{Plan, PlanOptions};
use crate::engine::reconcile::{self, TickReport};
use crate::engine::target::{self, TargetError, Targetable};
use crate::error::Error;
use crate::manifest::{self, Diagnostic, Plc, Severity};
use crate::metrics::Metrics;
use crate::process::limits::{self, LimitError, Need};
use crate::process::progress::Bar;

/// One run's setup: where the manifests are, what `--target` keeps, how devices are
/// read.
pub struct Setup<'a> {
    global: &'a GlobalArgs,
    targets: &'a [String],
    read: ReadOptions,
}

impl<'a> Setup<'a> {
    /// `-f` and the run flags (`--target`, `--parallelism`) of `plan`, `apply` and
    /// `reconcile`.
    pub fn new(global: &'a GlobalArgs, run: &'a RunArgs) -> Setup<'a> {
        Setup {
            global,
            targets: &run.target,
            read: ReadOptions {
                parallelism: run.parallelism as usize,
                ..ReadOptions::default()
            },
        }
    }

    /// For commands without run flags (`import`, `demo`): every PLC, the default
    /// parallelism and retries.
    pub fn defaults(global: &'a GlobalArgs) -> Setup<'a> {
        Setup {
            global,
            targets: &[],
            read: ReadOptions::default(),
        }
    }

    /// How devices are read and written: parallelism, retries.
    pub fn read_options(&self) -> ReadOptions {
        self.read
    }

    /// The PLCs of the manifests, narrowed to `--target`, with the open-file limit
    /// raised for talking to them.
    pub fn fleet(&self) -> Result<Vec<Plc>, Error> {
        let plcs = self.select(self.load()?)?;
        self.check_resolved(&plcs)?;
        self.ensure_descriptors(observe::endpoint_count(&plcs))?;
        Ok(plcs)
    }

    /// Resolves the PLCs' host names (before any device is contacted) and refuses
    /// two PLCs that claim one register of one resolved device, as validation refuses
    /// them under one spelling. A name that does not resolve is that PLC's device
    /// error when it is read, never a reason to stop the others.
    pub fn check_resolved(&self, plcs: &[Plc]) -> Result<(), Error> {
        endpoint::resolve(
            plcs.iter()
                .filter_map(|p| endpoint::network_host(&p.host, &p.transport)),
        );
        let mut diagnostics = manifest::Diagnostics::default();
        let plcs: Vec<&Plc> = plcs.iter().collect();
        manifest::check_overlaps_by(&plcs, endpoint::identity, &mut diagnostics);
        self.print_diagnostics(&diagnostics)?;
        match diagnostics.error_count() {
            0 => Ok(()),
            count => Err(Error::InvalidManifests { count }),
        }
    }

    /// A saved plan narrowed to `--target`, with its host names resolved and the
    /// open-file limit raised for writing it.
    pub fn saved_plan(&self, plan: Plan) -> Result<Plan, Error> {
        let plcs = self.select(plan.plcs)?;
        endpoint::resolve(
            plcs.iter()
                .filter_map(|p| endpoint::network_host(&p.host, &p.transport)),
        );
        self.ensure_descriptors(observe::endpoints_of(
            plcs.iter().map(|p| (p.host.as_str(), p.port, &p.transport)),
        ))?;
        Ok(Plan { plcs })
    }

    /// Loads and validates the manifests named by `-f`. On any problem every
    /// diagnostic is printed (human: stderr; JSON: stdout) and nothing else happens:
    /// no device is contacted.
    pub fn load(&self) -> Result<Vec<Plc>, Error> {
        let report = self.manifests();
        let errors = report.diagnostics.error_count();
        self.print_diagnostics(&report.diagnostics)?;
        if errors > 0 {
            return Err(Error::InvalidManifests { count: errors });
        }
        Ok(report.plcs)
    }

    /// Prints diagnostics as `-o` asks: human on stderr (notes only with `-v`),
    /// JSON lines on stdout (errors and warnings).
    fn print_diagnostics(&self, diagnostics: &manifest::Diagnostics) -> Result<(), Error> {
        match self.global.output {
            OutputFormat::Human => {
                let mut err = std::io::stderr().lock();
                for d in diagnostics.iter() {
                    if d.severity != Severity::Note || self.global.verbose > 0 {
                        writeln!(err, "{d}")?;
                    }
                }
            }
            OutputFormat::Json | OutputFormat::Yaml => {
                let mut out = std::io::stdout();
                for d in diagnostics.iter().filter(|d| d.severity != Severity::Note) {
                    writeln!(out, "{}", diagnostic_json(d))?;
                }
            }
        }
        Ok(())
    }

    /// The manifests named by `-f` with their diagnostics, printed nowhere.
    pub fn manifests(&self) -> manifest::Report {
        manifest::load_report(&self.global.manifest_paths())
    }

    /// Keeps what `--target` names; everything without it.
    pub fn select<T: Targetable>(&self, plcs: Vec<T>) -> Result<Vec<T>, TargetError> {
        target::select(plcs, self.targets)
    }

    /// Raises the open-file limit for talking to `endpoints` endpoints, or fails
    /// (before any device is contacted) when the hard limit cannot allow it.
    pub fn ensure_descriptors(&self, endpoints: usize) -> Result<(), LimitError> {
        limits::ensure(&Need::clients(endpoints, self.read.parallelism))?;
        Ok(())
    }

    /// A session with one device, retried as every run retries.
    pub fn session<'c, C: Connector>(
        &self,
        connector: &'c C,
        host: &str,
        port: u16,
        transport: &crate::device::Transport,
    ) -> Session<'c, C> {
        Session::new(connector, host, port, transport, self.read.retry)
    }

    /// The git commit the manifests are at (`-dirty` when they differ from it).
    pub fn manifests_commit(&self) -> Option<String> {
        audit::git_commit(&self.global.manifest_paths())
    }

    /// What a saved plan records of its manifests: paths, digest, commit.
    pub fn origin(&self) -> crate::engine::planfile::Origin {
        crate::engine::planfile::Origin {
            manifests_commit: self.manifests_commit(),
            manifests: Some(crate::engine::planfile::Manifests {
                paths: self.global.manifest_paths(),
                digest: self.manifests_digest(),
            }),
            reverts: None,
        }
    }

    /// SHA-256 of the manifest files, for the audit log and saved plans.
    pub fn manifests_digest(&self) -> Option<String> {
        crate::engine::binding::manifests_digest(&self.global.manifest_paths())
    }

    /// The audit context of a run from these manifests.
    pub fn audit_context(&self, plan_digest: String) -> audit::Context {
        audit::Context {
            plan_digest,
            git_commit: self.manifests_commit(),
            manifests_digest: self.manifests_digest(),
            reverts: None,
        }
    }

    /// Reads the devices and computes the plan, with a progress bar on slow runs.
    pub async fn plan<C: Connector>(
        &self,
        connector: &C,
        plcs: &[Plc],
        options: PlanOptions,
    ) -> Plan {
        let total = plcs.iter().map(|p| p.registers.len() as u64).sum();
        let bar = Bar::start(total, "reading");
        let (readings, _) = observe::read_all(connector, plcs, self.read, &bar).await;
        bar.finish();
        Plan::new(plcs, &readings, options)
    }

    /// Writes the plan's changes, with a progress bar on slow runs.
    pub async fn apply<C: Connector>(
        &self,
        connector: &C,
        plan: &Plan,
        sink: &dyn ResultSink,
    ) -> ApplyReport {
        let bar = Bar::start(plan.summary().to_change as u64, "writing");
        let report = apply::apply(connector, plan, self.read, sink, &bar).await;
        bar.finish();
        report
    }

    /// One reconcile tick over `plcs`, with the tug-of-war memory of a long-running
    /// loop when given one.
    pub async fn tick<C: Connector>(
        &self,
        connector: &C,
        plcs: &[Plc],
        sink: &dyn ResultSink,
        metrics: Option<&Metrics>,
        conflicts: Option<&mut Conflicts>,
    ) -> TickReport {
        reconcile::tick_with(connector, plcs, self.read, sink, metrics, conflicts).await
    }
}

/// Sets how this process guards device access (`--lock-dir`, `--allow-devices`),
/// before any device is contacted.
pub fn guard_access(access: &DeviceAccessArgs) {
    crate::device::allow::restrict(&access.allow_devices);
    if let Some(dir) = &access.lock_dir {
        crate::engine::lock::choose_dir(dir.clone());
    }
}

/// Opens the audit log, before anything is written: a log that cannot be opened is a
/// reason not to write.
pub fn open_audit(target: &audit::Target, context: audit::Context) -> Result<AuditLog, Error> {
    AuditLog::open(target, context).map_err(|source| Error::Audit {
        target: audit_name(target),
        source,
    })
}

/// The audit log file `--audit-log` (or its default) names, to read it back.
pub fn audit_log_file(flag: Option<&std::path::Path>) -> Result<std::path::PathBuf, Error> {
    match audit::Target::resolve(flag) {
        audit::Target::File(path) => Ok(path),
        audit::Target::Stderr => Err(audit::history::HistoryError::Stderr.into()),
    }
}

/// What run `run` of the audit log `flag` names wrote, checked to exist.
pub fn reverted_run(
    flag: Option<&std::path::Path>,
    run: &str,
) -> Result<(crate::engine::revert::Written, Vec<String>), Error> {
    let path = audit_log_file(flag)?;
    let history = audit::history::read(&path)?;
    history.find_run(run, &path)?;
    Ok(crate::engine::revert::written(&history, run))
}

/// The audit log's name in messages.
pub fn audit_name(target: &audit::Target) -> String {
    match target {
        audit::Target::File(p) => p.display().to_string(),
        audit::Target::Stderr => "(stderr)".into(),
    }
}

/// One diagnostic as a JSON line.
pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    json!({
        "type": "diagnostic",
        "severity": d.severity,
        "file": d.loc.file.display().to_string(),
        "line": d.loc.line,
        "column": d.loc.column,
        "message": d.message,
        "hint": d.hint,
    })
}
