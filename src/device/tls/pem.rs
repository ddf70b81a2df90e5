//! The PEM files of Modbus/TCP Security: certificates (a CA bundle, a certificate
//! chain) and private keys, read with the kind of each section checked, so a key file
//! holding a certificate is told as such. Shared by manifest validation, the client and
//! the simulator.

use std::io;
use std::path::{Path, PathBuf};

use tokio_rustls::rustls::pki_types::pem::{PemObject, SectionKind};
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};

/// A PEM file that cannot be used for what it was given for.
#[derive(Debug, thiserror::Error)]
pub enum PemError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not a PEM file (no -----BEGIN ...----- section)", path.display())]
    NotPem { path: PathBuf },
    #[error("{} is not valid PEM: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("{} holds {found}, not {expected}", path.display())]
    WrongKind {
        path: PathBuf,
        expected: &'static str,
        found: &'static str,
    },
}

/// Every certificate in the PEM file at `path` (at least one), in file order.
pub fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let sections = sections(path)?;
    let certs: Vec<CertificateDer<'static>> = sections
        .iter()
        .filter(|(kind, _)| *kind == SectionKind::Certificate)
        .map(|(_, der)| CertificateDer::from(der.clone()))
        .collect();
    if certs.is_empty() {
        return Err(wrong_kind(path, "a certificate", &sections));
    }
    Ok(certs)
}

/// The private key in the PEM file at `path` (PKCS#8, PKCS#1 RSA or SEC1 EC; the first
/// when there are several).
pub fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, PemError> {
    let sections = sections(path)?;
    for (kind, der) in &sections {
        let key = match kind {
            SectionKind::PrivateKey => PrivatePkcs8KeyDer::from(der.clone()).into(),
            SectionKind::RsaPrivateKey => PrivatePkcs1KeyDer::from(der.clone()).into(),
            SectionKind::EcPrivateKey => PrivateSec1KeyDer::from(der.clone()).into(),
            _ => continue,
        };
        return Ok(key);
    }
    Err(wrong_kind(path, "a private key", &sections))
}

/// The permission bits of a file that group or others may read (`0o644`), `None`
/// when only its owner can (or the platform has no such bits).
pub fn readable_by_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn sections(path: &Path) -> Result<Vec<(SectionKind, Vec<u8>)>, PemError> {
    let bytes = std::fs::read(path).map_err(|source| PemError::Read {
        path: path.to_owned(),
        source,
    })?;
    let sections = <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PemError::Invalid {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if sections.is_empty() {
        return Err(PemError::NotPem {
            path: path.to_owned(),
        });
    }
    Ok(sections)
}

fn wrong_kind(
    path: &Path,
    expected: &'static str,
    sections: &[(SectionKind, Vec<u8>)],
) -> PemError {
    let found = sections.first().map_or("nothing", |(kind, _)| match kind {
        SectionKind::Certificate => "a certificate",
        SectionKind::PublicKey => "a public key",
        SectionKind::RsaPrivateKey | SectionKind::PrivateKey | SectionKind::EcPrivateKey => {
            "a private key"
        }
        SectionKind::Crl => "a certificate revocation list",
        SectionKind::Csr => "a certificate signing request",
        _ => "another kind of PEM section",
    });
    PemError::WrongKind {
        path: path.to_owned(),
        expected,
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n";

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn each_file_must_hold_its_own_kind() {
        let dir = tempfile::tempdir().unwrap();
        let cert = file(&dir, "c.pem", CERT);
        let key = file(&dir, "k.pem", KEY);
        assert_eq!(certificates(&cert).unwrap().len(), 1);
        assert!(matches!(private_key(&key), Ok(PrivateKeyDer::Pkcs8(_))));
        assert_eq!(
            private_key(&cert).unwrap_err().to_string(),
            format!("{} holds a certificate, not a private key", cert.display())
        );
        assert_eq!(
            certificates(&key).unwrap_err().to_string(),
            format!("{} holds a private key, not a certificate", key.display())
        );
        let text = file(&dir, "t.pem", "hello\n");
        assert_eq!(
            certificates(&text).unwrap_err().to_string(),
            format!(
                "{} is not a PEM file (no -----BEGIN ...----- section)",
                text.display()
            )
        );
        let missing = dir.path().join("none.pem");
        assert!(
            certificates(&missing)
                .unwrap_err()
                .to_string()
                .starts_with(&format!("cannot read {}: ", missing.display()))
        );
    }
}
