//! The audit log: one JSON line per register an apply meant to write, appended and
//! flushed as each PLC finishes, saying who, where, what, before, after and outcome.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::json;

use crate::engine::apply::{RegisterResult, ResultSink};

/// Where audit lines go.
pub enum Target {
    File(PathBuf),
    /// `-`: standard error (containers ship it to the log collector).
    Stderr,
}

impl Target {
    /// `--audit-log` / `FABCTL_AUDIT_LOG`, else `$XDG_STATE_HOME/fabctl/audit.jsonl`
    /// (`~/.local/state/fabctl/audit.jsonl`), else `fabctl-audit.jsonl` here.
    pub fn resolve(flag: Option<&Path>) -> Target {
        match flag {
            Some(p) if p == Path::new("-") => Target::Stderr,
            Some(p) => Target::File(p.to_path_buf()),
            None => {
                let state = std::env::var_os("XDG_STATE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state"))
                    });
                Target::File(match state {
                    Some(dir) => dir.join("fabctl").join("audit.jsonl"),
                    None => PathBuf::from("fabctl-audit.jsonl"),
                })
            }
        }
    }
}

/// An open audit log.
pub struct AuditLog {
    out: Mutex<Box<dyn Write + Send>>,
    context: serde_json::Value,
    failed: Mutex<Option<String>>,
}

/// Who applies and from which manifests.
pub struct Context {
    pub plan_digest: String,
    pub git_commit: Option<String>,
}

impl AuditLog {
    /// Opens (creating directories) for appending. Failing to open it is a reason not to apply.
    pub fn open(target: &Target, context: Context) -> std::io::Result<AuditLog> {
        let out: Box<dyn Write + Send> = match target {
            Target::Stderr => Box::new(std::io::stderr()),
            Target::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let file: File = OpenOptions::new().create(true).append(true).open(path)?;
                Box::new(file)
            }
        };
        Ok(AuditLog {
            out: Mutex::new(out),
            context: json!({
                "user": user(),
                "host": host(),
                "plan_digest": context.plan_digest,
                "git_commit": context.git_commit,
            }),
            failed: Mutex::new(None),
        })
    }

    /// The first error met while writing, if any.
    pub fn error(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl ResultSink for AuditLog {
    fn record(&self, r: &RegisterResult) {
        let mut line = json!({
            "time": jiff::Timestamp::now().to_string(),
            "plc": r.plc,
            "register": r.register,
            "kind": r.kind,
            "address": r.address,
            "value_type": r.value_type,
            "planned": r.planned,
            "before": r.before,
            "desired": r.desired,
            "after": r.after,
            "written": r.written,
            "outcome": r.outcome,
            "error": r.error,
        });
        if let Some(line) = line.as_object_mut() {
            if let Some(note) = r.note {
                line.insert("note".into(), json!(note));
            }
            if let Some(bit) = r.bit {
                line.insert("bit".into(), bit.into());
            }
            if let Some(read) = r.read_address {
                line.insert("read_address".into(), read.into());
            }
        }
        if let (Some(line), Some(ctx)) = (line.as_object_mut(), self.context.as_object()) {
            for (k, v) in ctx {
                line.insert(k.clone(), v.clone());
            }
        }
        // One write per line: `Value`'s Display would issue a write per token, and
        // the file is unbuffered (a line must be on disk before the next PLC starts).
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let written = out.write_all(&bytes).and_then(|()| out.flush());
        if let Err(e) = written {
            let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
            failed.get_or_insert_with(|| e.to_string());
        }
    }
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The git commit of the repository holding `path`, when it is in one.
pub fn git_commit(path: &Path) -> Option<String> {
    let dir = if path.is_dir() { path } else { path.parent()? };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}
