//! What binds a saved plan to its manifests: the manifests' digest (SHA-256 over the
//! files' contents, in load order), and the check, when a saved plan is applied,
//! that every device, register, bound, mode and desired value it would write is the
//! one its manifests declare today.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// SHA-256 over the manifest files `paths` name (each file's length and bytes, in
/// load order), `None` when one cannot be read.
pub fn manifests_digest(paths: &[PathBuf]) -> Option<String> {
    let files = crate::manifest::manifest_files(paths);
    if files.is_empty() {
        return None;
    }
    let mut hash = Sha256::new();
    for file in files {
        let bytes = std::fs::read(file).ok()?;
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(&bytes);
    }
    Some(hex_digest(&hash.finalize()))
}

/// `sha256:` and the hex digits.
pub fn hex_digest(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
