//! The top-level error: every way a command can fail, with the context a user needs.

use std::io;
use std::path::PathBuf;

/// A command failure that ends the process.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Manifests were invalid; the diagnostics were already printed.
    #[error(
        "{count} {} found in the manifests; nothing was sent to any device",
        if *count == 1 { "problem" } else { "problems" }
    )]
    InvalidManifests { count: usize },
    #[error("cannot write output: {source}")]
    Output {
        #[source]
        source: io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start the async runtime: {source}")]
    Runtime {
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Target {
        #[from]
        source: crate::engine::target::TargetError,
    },
    #[error("-o yaml is supported by get, describe and watch only; use -o human or -o json")]
    YamlUnsupported,
    #[error(transparent)]
    Import {
        #[from]
        source: crate::cmd::import::ImportError,
    },
    #[error(
        "--schedule {schedule:?} has {count} fields; use the standard 5-field cron form (minute hour day-of-month month day-of-week, e.g. \"*/5 * * * *\") or 6 fields with seconds first (\"*/10 * * * * *\")"
    )]
    ScheduleFields { schedule: String, count: usize },
    #[error("--schedule {schedule:?}: {source}")]
    BadSchedule {
        schedule: String,
        #[source]
        source: crate::schedule::cron::CronError,
    },
    #[error(
        "the plan changes {changes} registers, more than --max-changes {max}; nothing was written"
    )]
    TooManyChanges { changes: usize, max: usize },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("{source}")]
    PlanFile {
        #[from]
        source: crate::engine::planfile::PlanFileError,
    },
    #[error(transparent)]
    Signing {
        #[from]
        source: crate::engine::signing::SigningError,
    },
    #[error("--sign-key signs a saved plan: add --out FILE (or unset FABCTL_SIGN_KEY)")]
    SignWithoutOut,
    #[error(
        "--verify-key checks the signatures of a saved plan: pass the PLANFILE to apply (or unset FABCTL_VERIFY_KEYS); nothing was written"
    )]
    VerifyNeedsPlan,
    #[error(
        "{}: the {} by {} {} not match the plan: it was changed after it was signed; nothing was written",
        path.display(),
        if keys.len() == 1 { "signature" } else { "signatures" },
        keys.join(", "),
        if keys.len() == 1 { "does" } else { "do" }
    )]
    BrokenSignature { path: PathBuf, keys: Vec<String> },
    #[error(
        "{} carries {have} valid {} by trusted keys, {need} required{notes}; nothing was written (each approver runs `fabctl approve {} --sign-key KEY`)",
        path.display(),
        if *have == 1 { "approval" } else { "approvals" },
        path.display()
    )]
    NotApproved {
        path: PathBuf,
        have: usize,
        need: usize,
        /// What was not counted, in words (empty when nothing).
        notes: String,
    },
    #[error(transparent)]
    History {
        #[from]
        source: crate::engine::audit::history::HistoryError,
    },
    #[error(transparent)]
    Binding {
        #[from]
        source: crate::engine::binding::BindingError,
    },
    #[error(
        "cannot ask for approval: standard input is not a terminal; pass --auto-approve, or save a plan with `fabctl plan --out FILE` and run `fabctl apply FILE`"
    )]
    NoApproval,
    #[error(
        "cannot open the audit log {target}: {source}; nothing was written (set --audit-log or FABCTL_AUDIT_LOG to a writable file)"
    )]
    Audit {
        target: String,
        #[source]
        source: io::Error,
    },
    #[error("simulator: {source}")]
    Sim {
        #[from]
        source: crate::sim::SimError,
    },
    /// The Kubernetes API could not be reached or refused a request.
    #[error(transparent)]
    Cluster {
        #[from]
        source: crate::cluster::ClusterError,
    },
    #[error("cannot serialize {what}: {source}")]
    SerializeJson {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot serialize {what}: {source}")]
    SerializeYaml {
        what: &'static str,
        #[source]
        source: serde_saphyr::SerializeError,
    },
    #[error("{source}")]
    OpenFiles {
        #[from]
        source: crate::process::limits::LimitError,
    },
}

impl Error {
    /// A closed stdout (`fabctl plan | head`) is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output { source } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        Error::Output { source }
    }
}
