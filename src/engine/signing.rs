//! Ed25519 approvals of saved plans: key files (`fabctl keygen`), signing a plan's
//! digest (`plan --sign-key`, `fabctl approve`), and counting the distinct trusted keys
//! whose signatures hold (`apply --verify-key … --require-approvals N`).
//!
//! A signature covers the plan's digest (SHA-256 of the plan), the signer's name and
//! the time, so neither the plan nor what the signature says of its author can change
//! without breaking it. Keys are stored as one line of hex: `ed25519-secret:…` (the
//! 32-byte seed, a file only its owner may read) and `ed25519:…` (the public key).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

const SECRET_PREFIX: &str = "ed25519-secret:";
const PUBLIC_PREFIX: &str = "ed25519:";

/// One approval stored in a plan file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// `ed25519:` and the public key in hex.
    pub key: String,
    /// Who signed, as fabctl saw it (the account or pod service account).
    pub signer: String,
    pub signed_at: String,
    /// The Ed25519 signature, hex.
    pub signature: String,
}

impl Approval {
    /// The key in short: `ed25519:` and its first 16 hex digits.
    pub fn short_key(&self) -> String {
        short(&self.key)
    }
}

/// Why a key or signature cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("cannot read key {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write key {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already exists; choose another path or remove it first (a key is never overwritten)", path.display())]
    Exists { path: PathBuf },
    #[error("{} is not a fabctl {what} key: {reason} (make one with `fabctl keygen KEY`)", path.display())]
    Malformed {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
    #[error("the system's random source failed: {reason}")]
    Random { reason: String },
}

/// Writes a new key pair: `key` (the secret, 0600) and `key.pub`. Neither may exist.
pub fn keygen(key: &Path) -> Result<(PathBuf, String), SigningError> {
    use rand::TryRngCore;
    let public_path = public_path(key);
    for path in [key, public_path.as_path()] {
        if path.exists() {
            return Err(SigningError::Exists {
                path: path.to_path_buf(),
            });
        }
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut seed)
        .map_err(|e| SigningError::Random {
            reason: e.to_string(),
        })?;
    let signing = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let public = format!(
        "{PUBLIC_PREFIX}{}",
        hex(&signing.verifying_key().to_bytes())
    );
    let secret = format!("{SECRET_PREFIX}{}\n", hex(&signing.to_bytes()));
    write_new(key, secret.as_bytes(), 0o600)?;
    write_new(&public_path, format!("{public}\n").as_bytes(), 0o644)?;
    Ok((public_path, public))
}

/// `KEY.pub` beside `KEY`.
pub fn public_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), SigningError> {
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write().map_err(|source| SigningError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a secret key file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, SigningError> {
    let bytes = read_hex_key(path, SECRET_PREFIX, "secret")?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Reads a public key file.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, SigningError> {
    let bytes = read_hex_key(path, PUBLIC_PREFIX, "public")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| SigningError::Malformed {
        path: path.to_path_buf(),
        what: "public",
        reason: e.to_string(),
    })
}

fn read_hex_key(path: &Path, prefix: &str, what: &'static str) -> Result<[u8; 32], SigningError> {
    let text = std::fs::read_to_string(path).map_err(|source| SigningError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let malformed = |reason: &str| SigningError::Malformed {
        path: path.to_path_buf(),
        what,
        reason: reason.to_owned(),
    };
    let body = text
        .trim()
        .strip_prefix(prefix)
        .ok_or_else(|| malformed(&format!("it does not start with {prefix:?}")))?;
    unhex(body)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| malformed("expected 64 hex digits"))
}

/// What a signature covers.
fn message(digest: &str, signer: &str, signed_at: &str) -> Vec<u8> {
    format!("fabctl plan approval v1\ndigest {digest}\nsigner {signer}\nsigned_at {signed_at}\n")
        .into_bytes()
}

/// Signs a plan's digest.
pub fn sign(key: &SigningKey, digest: &str, signer: &str) -> Approval {
    let signed_at = jiff::Timestamp::now().to_string();
    let signature = key.sign(&message(digest, signer, &signed_at));
    Approval {
        key: format!("{PUBLIC_PREFIX}{}", hex(&key.verifying_key().to_bytes())),
        signer: signer.to_owned(),
        signed_at,
        signature: hex(&signature.to_bytes()),
    }
}

/// The approvals of a plan, as the trusted keys see them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Distinct trusted keys whose signature holds, with their signers.
    pub trusted: Vec<(String, String)>,
    /// Signatures by keys not trusted here (not counted).
    pub untrusted: usize,
    /// Further signatures by a key already counted (not counted again).
    pub repeated: usize,
    /// Signatures by trusted keys that do not hold: the plan (or the signature) was
    /// changed after signing.
    pub broken: Vec<String>,
}

/// Counts the distinct trusted keys whose signature of `digest` holds.
pub fn tally(approvals: &[Approval], digest: &str, trusted: &[VerifyingKey]) -> Tally {
    let mut tally = Tally::default();
    for approval in approvals {
        let key = trusted.iter().find(|k| {
            approval.key.strip_prefix(PUBLIC_PREFIX) == Some(hex(&k.to_bytes()).as_str())
        });
        let Some(key) = key else {
            tally.untrusted += 1;
            continue;
        };
        let holds = unhex(&approval.signature)
            .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok())
            .is_some_and(|sig| {
                key.verify_strict(
                    &message(digest, &approval.signer, &approval.signed_at),
                    &sig,
                )
                .is_ok()
            });
        if !holds {
            tally.broken.push(approval.short_key());
        } else if tally.trusted.iter().any(|(k, _)| *k == approval.key) {
            tally.repeated += 1;
        } else {
            tally
                .trusted
                .push((approval.key.clone(), approval.signer.clone()));
        }
    }
    tally
}

/// `ed25519:` and the first 16 hex digits of a key.
pub fn short(key: &str) -> String {
    let hex = key.strip_prefix(PUBLIC_PREFIX).unwrap_or(key);
    format!("{PUBLIC_PREFIX}{}…", &hex[..hex.len().min(16)])
}

/// Bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn keys(dir: &Path, name: &str) -> (SigningKey, VerifyingKey) {
        let path = dir.join(name);
        keygen(&path).unwrap();
        (
            read_signing_key(&path).unwrap(),
            read_verifying_key(&public_path(&path)).unwrap(),
        )
    }

    #[test]
    fn keygen_writes_a_private_secret_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("alice");
        let (public_path, public) = keygen(&key).unwrap();
        assert_eq!(public_path, dir.path().join("alice.pub"));
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_to_string(&public_path).unwrap(),
            format!("{public}\n")
        );
        assert!(matches!(keygen(&key), Err(SigningError::Exists { .. })));
        let err = read_verifying_key(&key).unwrap_err();
        assert!(
            err.to_string().contains("is not a fabctl public key"),
            "{err}"
        );
    }

    #[test]
    fn distinct_trusted_keys_count_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let (alice, alice_pub) = keys(dir.path(), "alice");
        let (bob, bob_pub) = keys(dir.path(), "bob");
        let (mallory, _) = keys(dir.path(), "mallory");
        let digest = "sha256:abc";
        let approvals = [
            sign(&alice, digest, "alice"),
            sign(&alice, digest, "alice again"),
            sign(&mallory, digest, "mallory"),
            sign(&bob, digest, "bob"),
        ];
        let tally = tally(&approvals, digest, &[alice_pub, bob_pub]);
        let signers: Vec<&str> = tally.trusted.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(signers, ["alice", "bob"]);
        assert_eq!((tally.untrusted, tally.repeated), (1, 1));
        assert!(tally.broken.is_empty());
    }

    #[test]
    fn a_signature_of_another_digest_or_signer_does_not_hold() {
        let dir = tempfile::tempdir().unwrap();
        let (alice, alice_pub) = keys(dir.path(), "alice");
        let mut approval = sign(&alice, "sha256:abc", "alice");
        assert_eq!(
            tally(std::slice::from_ref(&approval), "sha256:abd", &[alice_pub]).broken,
            [approval.short_key()]
        );
        approval.signer = "bob".into();
        let t = tally(&[approval], "sha256:abc", &[alice_pub]);
        assert_eq!((t.trusted.len(), t.broken.len()), (0, 1));
    }
}
