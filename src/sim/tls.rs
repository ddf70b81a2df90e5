//! Modbus/TCP Security in the simulator: the server configuration (its certificate,
//! and client certificates required and verified against a CA, as the standard
//! mandates), and test certificates made on the spot ([`Authority`]) for a simulator
//! started without any, written where a manifest can point at them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

use super::SimError;
use crate::device::tls::{pem, provider};

/// The PEM files a TLS simulator serves with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimTls {
    /// The server's certificate (chain).
    pub cert_file: PathBuf,
    /// Its private key.
    pub key_file: PathBuf,
    /// The CA client certificates must be issued by.
    pub client_ca_file: PathBuf,
}

impl SimTls {
    /// The rustls configuration of these files.
    pub(crate) fn server_config(&self) -> Result<Arc<ServerConfig>, SimError> {
        let tls = |reason: String| SimError::Tls { reason };
        let file = |flag: &'static str| move |e: pem::PemError| tls(format!("{flag}: {e}"));
        let chain = pem::certificates(&self.cert_file).map_err(file("--tls-cert"))?;
        let key = pem::private_key(&self.key_file).map_err(file("--tls-key"))?;
        let mut roots = RootCertStore::empty();
        for ca in pem::certificates(&self.client_ca_file).map_err(file("--tls-client-ca"))? {
            roots
                .add(ca)
                .map_err(|e| tls(format!("--tls-client-ca: not a CA certificate ({e})")))?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| tls(format!("--tls-client-ca: {e}")))?;
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| tls(format!("--tls-cert and --tls-key: {e}")))?;
        Ok(Arc::new(config))
    }

    /// Makes a CA, a server certificate for `names` and a client certificate, writes
    /// them into `dir` (`ca.pem`, `server.pem`, `server.key`, `client.pem`,
    /// `client.key`; keys readable by their owner only) and serves with them.
    pub fn generate(dir: &Path, names: &[String]) -> Result<SimTls, SimError> {
        let io = |path: &Path, e: std::io::Error| SimError::Tls {
            reason: format!("cannot write {}: {e}", path.display()),
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        // A name of its own: another CA of the same name reads as a bad signature.
        let id: u32 =
            rand::Rng::random(&mut <rand::rngs::SmallRng as rand::SeedableRng>::from_os_rng());
        let ca = Authority::new(&format!("fabctl sim test CA {id:08x}")).map_err(rcgen_error)?;
        let server = ca.issue(names, Usage::Server, None).map_err(rcgen_error)?;
        let client = ca
            .issue(&["fabctl".to_owned()], Usage::Client, None)
            .map_err(rcgen_error)?;
        let files = [
            ("ca.pem", ca.certificate_pem(), false),
            ("server.pem", server.certificate_pem, false),
            ("server.key", server.key_pem, true),
            ("client.pem", client.certificate_pem, false),
            ("client.key", client.key_pem, true),
        ];
        for (name, text, secret) in files {
            let path = dir.join(name);
            write(&path, &text, secret).map_err(|e| io(&path, e))?;
        }
        Ok(SimTls {
            cert_file: dir.join("server.pem"),
            key_file: dir.join("server.key"),
            client_ca_file: dir.join("ca.pem"),
        })
    }
}

fn rcgen_error(e: rcgen::Error) -> SimError {
    SimError::Tls {
        reason: format!("cannot make test certificates: {e}"),
    }
}

/// Writes `text` to `path`, readable by its owner only when `secret`.
pub fn write(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path)?;
    // `mode` applies only to a file created now: a key file that was there keeps its
    // mode unless it is set again.
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    std::io::Write::write_all(&mut file, text.as_bytes())
}

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A device's (TLS server authentication).
    Server,
    /// fabctl's (TLS client authentication).
    Client,
}

/// A certificate and its private key, PEM.
#[derive(Clone, Debug)]
pub struct Issued {
    pub certificate_pem: String,
    pub key_pem: String,
}

/// A test CA, which issues server and client certificates.
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    certificate_pem: String,
}

impl Authority {
    /// A new self-signed CA named `name`.
    pub fn new(name: &str) -> Result<Authority, rcgen::Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let certificate_pem = params.self_signed(&key)?.pem();
        Ok(Authority {
            issuer: Issuer::new(params, key),
            certificate_pem,
        })
    }

    /// The CA's certificate, PEM.
    pub fn certificate_pem(&self) -> String {
        self.certificate_pem.clone()
    }

    /// A certificate for `names` (DNS names or IP addresses); with `expired_on`, one
    /// whose validity ended on that day (a year earlier it began).
    pub fn issue(
        &self,
        names: &[String],
        usage: Usage,
        expired_on: Option<jiff::civil::Date>,
    ) -> Result<Issued, rcgen::Error> {
        let mut params = CertificateParams::new(names.to_vec())?;
        let common = names.first().map_or("fabctl test", String::as_str);
        params.distinguished_name.push(DnType::CommonName, common);
        params.extended_key_usages = vec![match usage {
            Usage::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        if let Some(day) = expired_on {
            let (y, m, d) = (i32::from(day.year()), day.month(), day.day());
            params.not_before = rcgen::date_time_ymd(y - 1, m as u8, d as u8);
            params.not_after = rcgen::date_time_ymd(y, m as u8, d as u8);
        }
        let key = KeyPair::generate()?;
        let certificate = params.signed_by(&key, &self.issuer)?;
        Ok(Issued {
            certificate_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}
