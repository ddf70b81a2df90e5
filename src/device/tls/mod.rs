//! Modbus/TCP Security on the client side: the TLS configuration a `spec.tls` makes
//! (the device verified against `caFile` only, never the system's roots; fabctl's
//! client certificate presented; TLS 1.2 at least; rustls with the ring provider), the
//! handshake over an open TCP connection, and a stream whose errors say in words what
//! went wrong with a certificate. Modbus TCP framing runs inside it unchanged.

mod explain;
pub mod pem;

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::transport::TlsSettings;
use super::watched::Watched;

/// A `spec.tls` from which no TLS configuration can be made; [`field`](Self::field)
/// says which of its keys is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{source}")]
    File {
        field: &'static str,
        source: pem::PemError,
    },
    #[error("{}: {reason}", path.display())]
    Ca { path: PathBuf, reason: String },
    #[error("{}: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("{name:?} is not a host name or IP address")]
    ServerName { name: String },
}

impl SetupError {
    /// The key of `spec.tls` the problem is in (`caFile`).
    pub fn field(&self) -> &'static str {
        match self {
            SetupError::File { field, .. } => field,
            SetupError::Ca { .. } => "caFile",
            SetupError::Key { .. } => "keyFile",
            SetupError::ServerName { .. } => "serverName",
        }
    }
}

/// The crypto provider of every TLS connection fabctl makes or serves.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client configuration of `settings`, read from its files.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, SetupError> {
    let file = |field| move |source| SetupError::File { field, source };
    let cas = pem::certificates(&settings.ca_file).map_err(file("caFile"))?;
    let digest = ca_digest(&cas);
    if !settings.ca_digest.is_empty() && settings.ca_digest != digest {
        return Err(SetupError::Ca {
            path: settings.ca_file.clone(),
            reason: format!(
                "the CA certificates changed since the manifest was read ({} then, {digest} now): plan again",
                settings.ca_digest
            ),
        });
    }
    let chain = pem::certificates(&settings.cert_file).map_err(file("certFile"))?;
    let key = pem::private_key(&settings.key_file).map_err(file("keyFile"))?;
    let mut roots = RootCertStore::empty();
    for ca in cas {
        roots.add(ca).map_err(|e| SetupError::Ca {
            path: settings.ca_file.clone(),
            reason: format!("a certificate in it cannot be used as a CA ({e})"),
        })?;
    }
    let key_error = |reason: String| SetupError::Key {
        path: settings.key_file.clone(),
        reason,
    };
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| key_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => {
                key_error("this key does not belong to the certificate of `certFile`".into())
            }
            other => key_error(format!("the key cannot be used ({other})")),
        })?;
    Ok(Arc::new(config))
}

/// The digest of a CA file's certificates, as [`TlsSettings::ca_digest`] holds it.
pub fn ca_digest(cas: &[rustls::pki_types::CertificateDer<'_>]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for ca in cas {
        hash.update((ca.len() as u64).to_be_bytes());
        hash.update(ca.as_ref());
    }
    crate::engine::binding::hex_digest(&hash.finalize())
}

/// The digest of the CA certificates in `path` (empty when they cannot be read: the
/// checks say why).
pub fn ca_file_digest(path: &std::path::Path) -> String {
    pem::certificates(path).map_or_else(|_| String::new(), |cas| ca_digest(&cas))
}

/// The name the device's certificate must carry: a DNS name, or an IP address
/// (checked against the certificate's IP address names).
pub fn server_name(settings: &TlsSettings) -> Result<ServerName<'static>, SetupError> {
    ServerName::try_from(settings.server_name.clone()).map_err(|_| SetupError::ServerName {
        name: settings.server_name.clone(),
    })
}

/// Everything [`handshake`] needs from `settings`, checked without any traffic.
pub fn check(settings: &TlsSettings) -> Result<(), SetupError> {
    client_config(settings)?;
    server_name(settings)?;
    Ok(())
}

/// Modbus TCP inside TLS, with errors in words.
pub type Stream = Explained<tokio_rustls::client::TlsStream<Watched>>;

/// Runs the TLS handshake over `tcp`; the error says what went wrong, in words.
pub async fn handshake(tcp: Watched, settings: &TlsSettings) -> Result<Stream, String> {
    let setup = |e: SetupError| format!("spec.tls.{}: {e}", e.field());
    let config = client_config(settings).map_err(setup)?;
    let name = server_name(settings).map_err(setup)?;
    let settings = Arc::new(settings.clone());
    match TlsConnector::from(config).connect(name, tcp).await {
        Ok(inner) => Ok(Explained { inner, settings }),
        Err(e) => Err(explain::io(&e, &settings, true)),
    }
}

/// A TLS stream whose I/O errors name the certificate problem behind them. Under TLS
/// 1.3 a device's verdict on fabctl's client certificate arrives after the handshake,
/// with the first answer: it is explained here.
#[derive(Debug)]
pub struct Explained<S> {
    inner: S,
    settings: Arc<TlsSettings>,
}

impl<S> Explained<S> {
    fn explain<T>(&self, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(Err(e)) => Poll::Ready(Err(io::Error::new(
                e.kind(),
                explain::io(&e, &self.settings, false),
            ))),
            other => other,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Explained<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.explain(poll)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Explained<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.explain(poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.explain(poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.explain(poll)
    }
}
