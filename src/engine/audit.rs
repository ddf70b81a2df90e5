//! The audit log: JSON lines saying who changed which register, when, from which
//! manifests and on which plan. Before each PLC's write requests an `intent` line per
//! register is appended and flushed to disk; when it cannot be, nothing is written.
//! After the read-back an `outcome` line per register follows. A kill at any moment
//! leaves an intent line for every register that may have been written.
//!
//! Lines are whole: each batch of lines is one write call, and a torn last line
//! (no newline: a crash mid-write of an older fabctl, a full disk) is closed with a
//! newline when the log is opened, so the fragment stays as evidence on a line of its
//! own and the next line starts clean. Files are created readable by their owner only.

pub mod history;
pub mod identity;

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::json;

use crate::engine::apply::{Intent, RegisterResult, ResultSink};
pub use identity::Identity;

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

/// Where the lines of an open log go.
enum Sink {
    /// A regular file is synced to disk after each batch of intent lines.
    File {
        file: File,
        regular: bool,
    },
    Stderr,
}

impl Sink {
    /// Writes `bytes` with one call and, when `durable`, waits until the data is on disk.
    fn append(&mut self, bytes: &[u8], durable: bool) -> std::io::Result<()> {
        match self {
            Sink::File { file, regular } => {
                file.write_all(bytes)?;
                if durable && *regular {
                    file.sync_data()?;
                }
                Ok(())
            }
            Sink::Stderr => {
                let mut err = std::io::stderr().lock();
                err.write_all(bytes)?;
                err.flush()
            }
        }
    }
}

/// An open audit log.
pub struct AuditLog {
    out: Mutex<Sink>,
    /// The fields of the run on every line, its `run_id` among them.
    context: Mutex<serde_json::Map<String, serde_json::Value>>,
    failed: Mutex<Option<String>>,
}

/// The run an audit log records: which plan, from which manifests, reverting what.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub plan_digest: String,
    /// The manifests' commit, `-dirty` when they differ from it.
    pub git_commit: Option<String>,
    /// SHA-256 of the manifest files (see `engine::binding`).
    pub manifests_digest: Option<String>,
    /// The run this one puts back (`plan --revert RUN_ID`).
    pub reverts: Option<String>,
}

impl AuditLog {
    /// Opens (creating directories, 0700, and the file, 0600) for appending, and
    /// closes a torn last line. Failing to open it is a reason not to apply.
    pub fn open(target: &Target, context: Context) -> std::io::Result<AuditLog> {
        let out = match target {
            Target::Stderr => Sink::Stderr,
            Target::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(dir)?;
                }
                open_file(path)?
            }
        };
        let context = Mutex::new(run_context(context));
        Ok(AuditLog {
            out: Mutex::new(out),
            context,
            failed: Mutex::new(None),
        })
    }

    /// Starts a new run on this open log (a reconcile tick): a new run id, and the
    /// context of this run, on every line from now on.
    pub fn start_run(&self, context: Context) {
        *self.context.lock().unwrap_or_else(|e| e.into_inner()) = run_context(context);
    }

    /// This run's id, on every line it writes.
    pub fn run_id(&self) -> String {
        let context = self.context.lock().unwrap_or_else(|e| e.into_inner());
        context
            .get("run_id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// The first error met while writing, if any.
    pub fn error(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// One line per event, with the run's context, appended in one write call.
    fn append(&self, events: Vec<serde_json::Value>, durable: bool) -> Result<(), String> {
        let mut bytes = Vec::new();
        let context = self
            .context
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for mut event in events {
            if let Some(line) = event.as_object_mut() {
                for (k, v) in &context {
                    line.insert(k.clone(), v.clone());
                }
            }
            // Serialized first: `Value`'s Display would issue a write per token.
            bytes.extend(serde_json::to_vec(&event).unwrap_or_default());
            bytes.push(b'\n');
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.append(&bytes, durable).map_err(|e| {
            let message = e.to_string();
            let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
            failed.get_or_insert_with(|| message.clone());
            message
        })
    }
}

/// The fields every line of a run carries: a new run id, who, where, from what.
fn run_context(context: Context) -> serde_json::Map<String, serde_json::Value> {
    let host = host();
    let identity = Identity::current(&host);
    let mut ctx = serde_json::Map::new();
    ctx.insert("run_id".into(), json!(new_run_id()));
    if let Ok(serde_json::Value::Object(id)) = serde_json::to_value(&identity) {
        ctx.extend(id);
    }
    ctx.insert("host".into(), json!(host));
    ctx.insert("plan_digest".into(), json!(context.plan_digest));
    ctx.insert("git_commit".into(), json!(context.git_commit));
    ctx.insert("manifests_digest".into(), json!(context.manifests_digest));
    if let Some(run) = context.reverts {
        ctx.insert("reverts".into(), json!(run));
    }
    ctx
}

/// Opens the log file for appending, created 0600, and closes a torn last line.
fn open_file(path: &Path) -> std::io::Result<Sink> {
    let mut options = OpenOptions::new();
    options.create(true).append(true).mode(0o600);
    // Reading is needed only to repair a torn tail; an append-only (write-only)
    // log is still accepted.
    let mut file = match options.clone().read(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => options.open(path)?,
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    let regular = meta.is_file();
    if regular && meta.len() > 0 && ends_torn(&mut file).unwrap_or(false) {
        file.write_all(b"\n")?;
        file.sync_data()?;
    }
    Ok(Sink::File { file, regular })
}

/// Whether the file's last byte is not a newline.
fn ends_torn(file: &mut File) -> std::io::Result<bool> {
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

impl ResultSink for AuditLog {
    fn intend(&self, intents: &[Intent<'_>]) -> Result<(), String> {
        let time = jiff::Timestamp::now().to_string();
        let events = intents
            .iter()
            .map(|i| {
                let mut line = json!({
                    "event": "intent",
                    "time": time,
                    "plc": i.plc.id(),
                    "register": i.register.name,
                    "kind": i.register.kind,
                    "address": i.register.address,
                    "value_type": i.register.value_type,
                    "planned": i.register.live,
                    "before": i.before,
                    "desired": i.register.desired,
                });
                place(&mut line, i.register.bit, i.register.read_address);
                line
            })
            .collect();
        self.append(events, true)
    }

    fn record(&self, r: &RegisterResult) {
        let mut line = json!({
            "event": "outcome",
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
        if let (Some(line), Some(note)) = (line.as_object_mut(), r.note) {
            line.insert("note".into(), json!(note));
        }
        place(&mut line, r.bit, r.read_address);
        // Failures are kept in `failed` and reported at the end of the run.
        let _ = self.append(vec![line], false);
    }
}

/// Adds `bit` and `read_address` to a line, for the registers that have them.
fn place(line: &mut serde_json::Value, bit: Option<u8>, read_address: Option<u16>) {
    let Some(line) = line.as_object_mut() else {
        return;
    };
    if let Some(bit) = bit {
        line.insert("bit".into(), bit.into());
    }
    if let Some(read) = read_address {
        line.insert("read_address".into(), read.into());
    }
}

impl Drop for AuditLog {
    /// Outcome lines are synced with the next intent; the last ones here.
    fn drop(&mut self) {
        if let Sink::File {
            file,
            regular: true,
        } = self.out.get_mut().unwrap_or_else(|e| e.into_inner())
        {
            let _ = file.sync_data();
        }
    }
}

/// The host name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`).
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// A run id: the UTC start time and 32 random bits, e.g. `20261201T231502Z-7f3a9c01`.
fn new_run_id() -> String {
    use rand::TryRngCore;
    let now = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    let mut random = [0u8; 4];
    // The time alone is still a usable id if the system has no random source.
    let _ = rand::rngs::OsRng.try_fill_bytes(&mut random);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("{now}-{hex}")
}

/// The git commit of the repository holding the manifests, with `-dirty` when any
/// of them differs from it (modified, staged, or not committed at all).
pub fn git_commit(paths: &[PathBuf]) -> Option<String> {
    let first = paths.first()?;
    let dir = if first.is_dir() {
        first.as_path()
    } else {
        first.parent()?
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let git = |args: &[&str], paths: &[PathBuf]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .args(paths)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "HEAD"], &[]).filter(|s| !s.is_empty())?;
    let absolute: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    // A status that cannot be read is not a proof of a clean tree.
    let clean = git(&["status", "--porcelain", "--"], &absolute).is_some_and(|s| s.is_empty());
    Some(if clean {
        commit
    } else {
        format!("{commit}-dirty")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn result() -> RegisterResult {
        RegisterResult {
            plc: "a/p".into(),
            register: "r".into(),
            kind: crate::register::RegisterKind::Holding,
            address: 1,
            bit: None,
            read_address: None,
            value_type: crate::register::ValueType::U16,
            encoding: Default::default(),
            planned: None,
            before: None,
            desired: crate::register::Value::Int(1),
            after: None,
            outcome: crate::engine::apply::Outcome::Applied,
            written: true,
            note: None,
            error: None,
        }
    }

    #[test]
    fn a_new_log_is_private_and_a_torn_tail_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/fabctl/audit.jsonl");
        let log = AuditLog::open(&Target::File(path.clone()), Context::default()).unwrap();
        drop(log);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);

        std::fs::write(&path, "{\"event\":\"outcome\"}\n{\"event\":\"inte").unwrap();
        let log = AuditLog::open(&Target::File(path.clone()), Context::default()).unwrap();
        log.record(&result());
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..2], ["{\"event\":\"outcome\"}", "{\"event\":\"inte"]);
        let last: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(last["register"], "r");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn a_full_disk_fails_the_intent() {
        let log = AuditLog::open(&Target::File("/dev/full".into()), Context::default()).unwrap();
        let err = log
            .append(vec![json!({"event": "intent"})], true)
            .unwrap_err();
        assert!(err.contains("No space left on device"), "{err}");
        assert_eq!(log.error().as_deref(), Some(err.as_str()));
    }

    #[test]
    fn every_line_names_the_run_and_the_real_account() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let context = Context {
            plan_digest: "sha256:x".into(),
            reverts: Some("20260101T000000Z-00000000".into()),
            ..Context::default()
        };
        let log = AuditLog::open(&Target::File(path.clone()), context).unwrap();
        let run = log.run_id();
        log.record(&result());
        log.start_run(Context::default());
        let next = log.run_id();
        log.record(&result());
        drop(log);
        assert_ne!(next, run, "a new run, a new id");
        let text = std::fs::read_to_string(&path).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["run_id"], run.as_str());
        assert_eq!(line["event"], "outcome");
        assert_eq!(line["uid"], rustix::process::getuid().as_raw());
        assert_eq!(line["reverts"], "20260101T000000Z-00000000");
        assert!(run.len() == "20261201T231502Z-7f3a9c01".len(), "{run}");
    }

    #[test]
    fn git_commit_says_when_the_manifests_differ_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args(args)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        let manifest = dir.path().join("plant.yaml");
        std::fs::write(&manifest, "a: 1\n").unwrap();
        git(&["add", "plant.yaml"]);
        git(&["commit", "-qm", "x"]);
        let paths = [manifest.clone()];
        let clean = git_commit(&paths).unwrap();
        assert_eq!(clean.len(), 40, "{clean}");
        std::fs::write(&manifest, "a: 2\n").unwrap();
        assert_eq!(git_commit(&paths), Some(format!("{clean}-dirty")));
        git(&["checkout", "-q", "plant.yaml"]);
        assert_eq!(git_commit(&paths), Some(clean.clone()));
        // A manifest directory with a file never committed.
        std::fs::write(dir.path().join("new.yaml"), "b: 1\n").unwrap();
        let dirs = [dir.path().to_path_buf()];
        assert_eq!(git_commit(&dirs), Some(format!("{clean}-dirty")));
    }
}
