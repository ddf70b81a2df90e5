//! Saved plans (`plan --out FILE`): a versioned JSON document holding the whole plan
//! (desired values, live values seen, device identities), a SHA-256 digest of it, and
//! the manifests it was made from (paths and digest). A saved plan is the approval of
//! exactly what it shows, so a file that was edited, truncated or written by a newer
//! fabctl is refused; the digest is unkeyed, so applying also checks the plan against
//! its manifests (`engine::binding`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::plan::Plan;
use crate::engine::signing::Approval;

/// Identifies the file type.
pub const FORMAT: &str = "fabctl-plan";
/// The format version this fabctl writes and the newest it reads. Version 2 added
/// `manifests`; version 1 files are still read.
pub const FORMAT_VERSION: u32 = 2;

/// The manifests a plan was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifests {
    /// The `-f` paths, as given (relative to where `plan` ran).
    pub paths: Vec<PathBuf>,
    /// SHA-256 of the manifest files (`engine::binding::manifests_digest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Where a plan comes from, saved beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub manifests_commit: Option<String>,
    pub manifests: Option<Manifests>,
    /// The run this plan puts back (`plan --revert RUN_ID`).
    pub reverts: Option<String>,
}

/// The file as stored.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: String,
    format_version: u32,
    fabctl_version: String,
    created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manifests_commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manifests: Option<Manifests>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reverts: Option<String>,
    digest: String,
    /// Ed25519 approvals of `digest` (`engine::signing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    signatures: Vec<Approval>,
    plan: serde_json::Value,
}

/// A plan read back from a file, with what the file says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedPlan {
    pub plan: Plan,
    pub digest: String,
    pub created_at: String,
    pub origin: Origin,
    pub signatures: Vec<Approval>,
}

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot read plan file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write plan file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a fabctl plan file (or it is truncated): {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error("{} was written by a newer fabctl (plan format {found}; this fabctl reads up to {FORMAT_VERSION}); upgrade fabctl or plan again", path.display())]
    NewerFormat { path: PathBuf, found: u32 },
    #[error("{} was modified after it was saved (digest mismatch); plan again instead of editing a plan", path.display())]
    Tampered { path: PathBuf },
}

/// The digest of a plan: SHA-256 over its canonical JSON (keys sorted).
pub fn digest(plan: &Plan) -> String {
    let value = serde_json::to_value(plan).unwrap_or_default();
    digest_value(&value)
}

fn digest_value(value: &serde_json::Value) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    super::binding::hex_digest(&Sha256::digest(&bytes))
}

/// Writes a plan file.
pub fn save(path: &Path, plan: &Plan, origin: Origin) -> Result<String, PlanFileError> {
    let value = serde_json::to_value(plan).map_err(|e| PlanFileError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    let digest = digest_value(&value);
    let envelope = Envelope {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        fabctl_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: jiff::Timestamp::now().to_string(),
        manifests_commit: origin.manifests_commit,
        manifests: origin.manifests,
        reverts: origin.reverts,
        digest: digest.clone(),
        signatures: Vec::new(),
        plan: value,
    };
    write(path, &envelope)?;
    Ok(digest)
}

/// Writes the envelope whole: to a temporary file beside `path`, then renamed over it.
fn write(path: &Path, envelope: &Envelope) -> Result<(), PlanFileError> {
    let failed = |source| PlanFileError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut text = serde_json::to_string_pretty(envelope).map_err(|e| failed(e.into()))?;
    text.push('\n');
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    // A plan is no secret: it keeps the mode of the file it replaces, else 0644.
    let permissions = std::fs::metadata(path).map_or_else(
        |_| std::os::unix::fs::PermissionsExt::from_mode(0o644),
        |m| m.permissions(),
    );
    file.as_file()
        .set_permissions(permissions)
        .map_err(failed)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Adds an approval to a saved plan (after checking it as `load` does), keeping the
/// rest of the file as it is. An approval by the same key replaces the earlier one.
pub fn add_approval(path: &Path, approval: Approval) -> Result<SavedPlan, PlanFileError> {
    let mut saved = load(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| PlanFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut envelope: Envelope =
        serde_json::from_str(&text).map_err(|e| PlanFileError::Malformed {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    envelope.signatures.retain(|a| a.key != approval.key);
    envelope.signatures.push(approval);
    write(path, &envelope)?;
    saved.signatures = envelope.signatures;
    Ok(saved)
}

/// Reads and checks a plan file.
pub fn load(path: &Path) -> Result<SavedPlan, PlanFileError> {
    let malformed = |reason: String| PlanFileError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|source| PlanFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let raw: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    if raw.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(malformed(format!("missing \"format\": \"{FORMAT}\"")));
    }
    let version = raw
        .get("format_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| malformed("missing format_version".into()))?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(PlanFileError::NewerFormat {
            path: path.to_path_buf(),
            found: u32::try_from(version).unwrap_or(u32::MAX),
        });
    }
    let envelope: Envelope = serde_json::from_value(raw).map_err(|e| malformed(e.to_string()))?;
    if digest_value(&envelope.plan) != envelope.digest {
        return Err(PlanFileError::Tampered {
            path: path.to_path_buf(),
        });
    }
    let plan: Plan = serde_json::from_value(envelope.plan).map_err(|e| malformed(e.to_string()))?;
    Ok(SavedPlan {
        plan,
        digest: envelope.digest,
        created_at: envelope.created_at,
        origin: Origin {
            manifests_commit: envelope.manifests_commit,
            manifests: envelope.manifests,
            reverts: envelope.reverts,
        },
        signatures: envelope.signatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Exception;
    use crate::engine::observe::DeviceError;
    use crate::engine::plan::{Action, PlcError, PlcPlan, RegisterError, RegisterPlan};
    use crate::manifest::Mode;
    use crate::register::{ByteOrder, RegisterKind, Value, ValueType, WordOrder, Words};

    fn plan() -> Plan {
        Plan {
            plcs: vec![PlcPlan {
                namespace: "a".into(),
                name: "p".into(),
                host: "127.0.0.1".into(),
                port: 5502,
                unit_id: 1,
                timeout_ms: 1000,
                auto_correct: true,
                write_windows: vec![],
                min_write_interval_ms: 0,
                limits: Default::default(),
                transport: Default::default(),
                error: None,
                registers: vec![RegisterPlan {
                    name: "speed".into(),
                    kind: RegisterKind::Holding,
                    address: 4002,
                    bit: None,
                    read_address: None,
                    value_type: ValueType::F32,
                    word_order: WordOrder::Big,
                    byte_order: ByteOrder::Big,
                    length: None,
                    scale: 0.1,
                    offset: 0.0,
                    mode: Mode::Enforce,
                    tolerance: 0.05,
                    min: Some(0.0.into()),
                    max: Some(30.0.into()),
                    desired: Value::Float(12.5),
                    desired_words: Words::from([0x4148, 0]),
                    live: Some(Value::Float(11.8)),
                    live_words: Some(Words::from([0x413c, 0xcccd])),
                    action: Action::Change,
                }],
            }],
        }
    }

    #[test]
    fn round_trips_with_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let origin = Origin {
            manifests_commit: Some("abc123".into()),
            manifests: Some(Manifests {
                paths: vec!["manifests".into()],
                digest: Some("sha256:m".into()),
            }),
            reverts: Some("20261201T000000Z-00000000".into()),
        };
        let digest = save(&path, &plan(), origin.clone()).unwrap();
        let saved = load(&path).unwrap();
        assert_eq!(saved.plan, plan());
        assert_eq!(saved.digest, digest);
        assert!(digest.starts_with("sha256:") && digest.len() == 71);
        assert_eq!(saved.origin, origin);
    }

    /// A plan whose PLC is unreachable and whose register could not be read.
    fn plan_with_errors() -> Plan {
        let mut plan = plan();
        plan.plcs[0].registers[0].action = Action::Error {
            error: RegisterError::ReadRefused {
                exception: Exception::ILLEGAL_DATA_ADDRESS,
            },
        };
        let mut down = plan.plcs[0].clone();
        down.name = "q".into();
        down.registers.clear();
        down.error = Some(PlcError::Device(DeviceError::Gateway {
            unit: 1,
            exception: Exception::GATEWAY_PATH_UNAVAILABLE,
        }));
        plan.plcs.push(down);
        plan
    }

    #[test]
    fn errors_are_saved_as_their_messages_and_round_trip_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("1.json"), dir.path().join("2.json"));
        let saved_digest = save(&first, &plan_with_errors(), Origin::default()).unwrap();
        let text = std::fs::read_to_string(&first).unwrap();
        assert!(text.contains(r#""action": "error","#), "{text}");
        assert!(
            text.contains(r#""message": "read refused: IllegalDataAddress (exception 0x02)""#),
            "{text}"
        );
        assert!(
            text.contains(
                r#""error": "the gateway has no path to unit 1 (GatewayPathUnavailable, exception 0x0A): it is not set up to route unit 1, or its serial line is busy or misconfigured; check the gateway's routing and serial settings, and spec.unitId""#
            ),
            "{text}"
        );

        // Loaded, the errors are what the file recorded: their messages.
        let saved = load(&first).unwrap();
        assert_eq!(saved.digest, saved_digest);
        assert_eq!(digest(&saved.plan), saved_digest);
        assert_eq!(
            saved.plan.plcs[1].error,
            Some(PlcError::Saved {
                message: "the gateway has no path to unit 1 (GatewayPathUnavailable, exception 0x0A): it is not set up to route unit 1, or its serial line is busy or misconfigured; check the gateway's routing and serial settings, and spec.unitId"
                    .into()
            })
        );

        // Saved again, the plan is byte for byte the same.
        assert_eq!(
            save(&second, &saved.plan, Origin::default()).unwrap(),
            saved_digest
        );
        let plan_of = |path: &Path| {
            let raw: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            serde_json::to_string_pretty(&raw["plan"]).unwrap()
        };
        assert_eq!(plan_of(&second), plan_of(&first));
    }

    #[test]
    fn an_edited_plan_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        save(&path, &plan(), Origin::default()).unwrap();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("12.5", "29.5");
        std::fs::write(&path, text).unwrap();
        assert!(matches!(load(&path), Err(PlanFileError::Tampered { .. })));
    }

    #[test]
    fn a_truncated_plan_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        save(&path, &plan(), Origin::default()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(matches!(load(&path), Err(PlanFileError::Malformed { .. })));
    }

    #[test]
    fn a_plan_from_a_newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        save(&path, &plan(), Origin::default()).unwrap();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"format_version\": 2", "\"format_version\": 3");
        std::fs::write(&path, text).unwrap();
        let err = load(&path).unwrap_err();
        assert!(
            err.to_string()
                .contains("written by a newer fabctl (plan format 3"),
            "{err}"
        );
    }
}
