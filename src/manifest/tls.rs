//! The rules of `spec.tls` (Modbus/TCP Security), checked before any traffic: paths
//! read against the manifest's directory (in a cluster object, as the agent's pod sees
//! them), each file readable and PEM of its kind, the key belonging to the certificate,
//! `serverName` a name, and a warning for a private key others may read.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::locations::{Field, Locations, SpecField};
use super::spec::TlsSpec;
use crate::device::tls::{self, SetupError};
use crate::device::transport::TlsSettings;

/// The settings `spec.tls` names, its relative paths read against the manifest's
/// directory; the server name is `deviceAddress` unless `serverName` is written.
pub(super) fn settings(tls: &TlsSpec, device_address: &str, locs: &Locations) -> TlsSettings {
    let path = |p: &str| relative_to(locs.directory(), Path::new(p));
    let ca_file = path(&tls.ca_file);
    TlsSettings {
        ca_digest: tls::ca_file_digest(&ca_file),
        ca_file,
        cert_file: path(&tls.cert_file),
        key_file: path(&tls.key_file),
        server_name: tls
            .server_name
            .clone()
            .unwrap_or_else(|| device_address.to_owned()),
    }
}

/// Reports what is wrong with `settings` (false when it cannot be used) and warns of a
/// private key others may read.
pub(super) fn check(settings: &TlsSettings, locs: &Locations, diags: &mut Diagnostics) -> bool {
    let at = |key: &'static str| locs.at(Field::SpecKey(SpecField::Tls, key));
    let key = &settings.key_file;
    let secret = tls::pem::private_key(key).is_ok();
    if let Some(mode) = tls::pem::readable_by_others(key).filter(|_| secret) {
        diags.push(
            Diagnostic::warning(
                at("keyFile"),
                format!(
                    "`spec.tls.keyFile` {} can be read by others (mode {mode:04o}): a private key should be readable by its owner only",
                    settings.key_file.display()
                ),
            )
            .with_hint(format!("chmod 600 {}", settings.key_file.display())),
        );
    }
    match tls::check(settings) {
        Ok(()) => true,
        Err(e) => {
            let hint = hint(&e);
            let message = format!("`spec.tls.{}`: {e}", e.field());
            diags.push(Diagnostic::error(at(e.field()), message).with_hint(hint));
            false
        }
    }
}

fn hint(e: &SetupError) -> &'static str {
    match e.field() {
        "caFile" => {
            "give the PEM file of the CA certificate(s) that issued the device's certificate"
        }
        "certFile" => "give the PEM file of fabctl's client certificate (chain)",
        "keyFile" => "give the PEM file of the private key of `certFile`",
        _ => "write the name the device's certificate carries, e.g. plc-7.plant.local",
    }
}

/// `path` as an absolute path: a relative one is read against the manifest's
/// directory, so a saved plan names the same files from any working directory.
fn relative_to(directory: Option<&Path>, path: &Path) -> PathBuf {
    let joined = match directory {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_owned(),
    };
    std::path::absolute(&joined).unwrap_or(joined)
}

/// Reports the relative paths of a cluster object's `spec.tls`: the agent's working
/// directory is no place a user chose (false when there is one).
pub(super) fn check_object_paths(tls: &TlsSpec, locs: &Locations, diags: &mut Diagnostics) -> bool {
    if locs.directory().is_some() {
        return true;
    }
    let mut ok = true;
    for (key, path) in [
        ("caFile", &tls.ca_file),
        ("certFile", &tls.cert_file),
        ("keyFile", &tls.key_file),
    ] {
        if Path::new(path).is_relative() {
            ok = false;
            diags.push(
                Diagnostic::error(
                    locs.at(Field::SpecKey(SpecField::Tls, key)),
                    format!("`spec.tls.{key}` {path} is a relative path: in the cluster it would be read against the agent's working directory"),
                )
                .with_hint("give the absolute path where the agent's pod mounts the Secret, e.g. /etc/fabctl/tls/ca.pem"),
            );
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::device::Transport;
    use crate::manifest::{IndustrialPLC, from_resource};

    fn object(spec: serde_json::Value) -> IndustrialPLC {
        serde_json::from_value(json!({
            "apiVersion": "fabgitops.io/v1",
            "kind": "IndustrialPLC",
            "metadata": {"name": "press-1", "namespace": "plant-a"},
            "spec": spec,
        }))
        .expect("an IndustrialPLC")
    }

    #[test]
    fn a_cluster_object_without_port_uses_the_port_of_its_transport() {
        let dir = tempfile::tempdir().unwrap();
        crate::sim::tls::SimTls::generate(dir.path(), &["10.0.0.5".to_owned()]).unwrap();
        let registers = json!([{"name": "speed", "address": 1, "value": 5}]);
        let tls = object(json!({
            "deviceAddress": "10.0.0.5",
            "transport": "tls",
            "tls": {
                "caFile": dir.path().join("ca.pem"),
                "certFile": dir.path().join("client.pem"),
                "keyFile": dir.path().join("client.key"),
            },
            "registers": registers,
        }));
        let plc = from_resource(&tls).expect("valid");
        assert_eq!(plc.port, 802);
        let Transport::Tls(settings) = &plc.transport else {
            panic!("{:?}", plc.transport)
        };
        assert_eq!(settings.server_name, "10.0.0.5");
        let tcp = object(json!({"deviceAddress": "10.0.0.5", "registers": registers}));
        assert_eq!(from_resource(&tcp).expect("valid").port, 502);
    }

    #[test]
    fn a_cluster_object_with_relative_certificate_paths_is_refused() {
        let plc = object(json!({
            "deviceAddress": "10.0.0.5",
            "transport": "tls",
            "tls": {"caFile": "ca.pem", "certFile": "/etc/fabctl/tls/client.pem", "keyFile": "client.key"},
            "registers": [{"name": "speed", "address": 1, "value": 5}],
        }));
        let err = from_resource(&plc).expect_err("relative paths");
        let text = err.to_string();
        assert!(
            text.contains("cluster:plant-a/press-1:spec.tls.caFile: error: `spec.tls.caFile` ca.pem is a relative path")
                && text.contains("spec.tls.keyFile")
                && !text.contains("spec.tls.certFile"),
            "{text}"
        );
    }
}
