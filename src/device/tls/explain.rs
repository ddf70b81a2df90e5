//! rustls's errors in the words of a `spec.tls`: which certificate is wrong, how, and
//! what to change.

use std::io;

use tokio_rustls::rustls::pki_types::UnixTime;
use tokio_rustls::rustls::{AlertDescription, CertificateError, Error};

use crate::device::transport::TlsSettings;

/// An I/O error of a TLS connection; `handshake` when it ended the handshake.
pub(super) fn io(e: &io::Error, settings: &TlsSettings, handshake: bool) -> String {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        return tls_error(tls, settings);
    }
    let closed = matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    );
    if handshake && closed {
        return "the device closed the connection during the TLS handshake: it may speak plain Modbus TCP (then `transport: tcp`, usually port 502), or it refused fabctl's client certificate".to_owned();
    }
    if closed {
        // Under TLS 1.3 a device that refuses the client certificate may just hang up
        // after the handshake, without an alert.
        return "the device closed the TLS connection without a word: it may have refused fabctl's client certificate (spec.tls.certFile must be issued by a CA the device trusts, and be valid)".to_owned();
    }
    e.to_string()
}

fn tls_error(e: &Error, settings: &TlsSettings) -> String {
    match e {
        Error::InvalidCertificate(c) => certificate(c, settings),
        Error::AlertReceived(alert) => alert_received(*alert),
        Error::InvalidMessage(_)
        | Error::InappropriateMessage { .. }
        | Error::InappropriateHandshakeMessage { .. } => format!(
            "the device did not answer in TLS ({e}): it may speak plain Modbus TCP (then `transport: tcp`, usually port 502)"
        ),
        other => format!("TLS with the device failed: {other}"),
    }
}

fn certificate(c: &CertificateError, settings: &TlsSettings) -> String {
    match c {
        CertificateError::ExpiredContext { not_after, .. } => {
            format!("the device's certificate expired on {}", date(*not_after))
        }
        CertificateError::Expired => "the device's certificate has expired".to_owned(),
        CertificateError::NotValidYetContext { not_before, .. } => format!(
            "the device's certificate is not valid before {}: check the clocks of this machine and of the device",
            date(*not_before)
        ),
        CertificateError::NotValidYet => "the device's certificate is not valid yet: check the clocks of this machine and of the device".to_owned(),
        CertificateError::NotValidForNameContext { presented, .. } => {
            let names: Vec<String> = presented.iter().map(|n| name(n)).collect();
            let carried = if names.is_empty() {
                "no name".to_owned()
            } else {
                names.join(", ")
            };
            format!(
                "the device's certificate is for {carried}, not {}: set spec.tls.serverName to a name the certificate carries, or give the device a certificate for {}",
                settings.server_name, settings.server_name
            )
        }
        CertificateError::NotValidForName => format!(
            "the device's certificate is not for {}: set spec.tls.serverName to a name the certificate carries",
            settings.server_name
        ),
        // A CA of the same name as the one in caFile signed it: a bad signature.
        CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
            "the device's certificate is not signed by spec.tls.caFile ({}): give the CA that issued it",
            settings.ca_file.display()
        ),
        CertificateError::Revoked => "the device's certificate is revoked".to_owned(),
        other => format!("the device's certificate is not accepted: {other}"),
    }
}

fn alert_received(alert: AlertDescription) -> String {
    match alert {
        AlertDescription::BadCertificate
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateRevoked
        | AlertDescription::CertificateExpired
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnknownCA
        | AlertDescription::CertificateRequired
        | AlertDescription::AccessDenied
        // rustls's verdict on a certificate signed by another CA of the same name.
        | AlertDescription::DecryptError => format!(
            "the device refused fabctl's client certificate (TLS alert {alert:?}): spec.tls.certFile must be issued by a CA the device trusts, and be valid"
        ),
        AlertDescription::ProtocolVersion | AlertDescription::HandshakeFailure => format!(
            "the device and fabctl agree on no TLS version or cipher (TLS alert {alert:?}): fabctl speaks TLS 1.2 and 1.3"
        ),
        other => format!("the device ended the TLS connection (TLS alert {other:?})"),
    }
}

/// `DnsName("plc-7.plant.local")` and `IpAddress(10.0.0.5)` as users write them.
fn name(presented: &str) -> String {
    if let Some(dns) = presented
        .strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
    {
        return dns.to_owned();
    }
    let ip = presented
        .strip_prefix("IpAddress(")
        .and_then(|n| n.strip_suffix(')'));
    match ip.map(str::parse::<std::net::IpAddr>) {
        Some(Ok(ip)) => ip.to_string(),
        _ => presented.to_owned(),
    }
}

/// The day of `time`, in UTC (`2026-01-01`).
fn date(time: UnixTime) -> String {
    let seconds = i64::try_from(time.as_secs()).unwrap_or(i64::MAX);
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| format!("{seconds} seconds after 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_names_read_as_written() {
        assert_eq!(name("DnsName(\"plc-7.plant.local\")"), "plc-7.plant.local");
        assert_eq!(name("IpAddress(10.0.0.5)"), "10.0.0.5");
        assert_eq!(name("IpAddress(0::1)"), "::1");
        assert_eq!(name("DirectoryName"), "DirectoryName");
        assert_eq!(
            date(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                1_767_225_600
            ))),
            "2026-01-01"
        );
    }
}
