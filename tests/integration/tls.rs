//! Modbus/TCP Security end to end: plan → drift → apply → verify over TLS against the
//! simulator and against pymodbus's TLS server, certificates the test makes, and every
//! certificate problem as the user reads it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fabctl::register::RegisterKind;
use fabctl::sim::tls::{Authority, SimTls, Usage, write};

use crate::support::loopback::unused_port;
use crate::support::pymodbus::Peer;
use crate::support::{Plant, assert_ok, fabctl, run, stderr, stdout};

const DEVICE: &str = "plant-a/press-1";

/// A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate,
/// in a directory of their own.
struct Pki {
    dir: tempfile::TempDir,
    ca: Authority,
}

impl Pki {
    fn new() -> Pki {
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
            ca: Authority::new("plant CA").unwrap(),
        };
        pki.file("ca.pem", &pki.ca.certificate_pem(), false);
        pki.issue("server", &["127.0.0.1", "localhost"], Usage::Server, None);
        pki.issue("client", &["fabctl"], Usage::Client, None);
        pki
    }

    /// Writes NAME.pem and NAME.key, issued by this CA.
    fn issue(&self, name: &str, names: &[&str], usage: Usage, expired_on: Option<&str>) {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let expired_on = expired_on.map(|d| d.parse().unwrap());
        let issued = self.ca.issue(&names, usage, expired_on).unwrap();
        self.file(&format!("{name}.pem"), &issued.certificate_pem, false);
        self.file(&format!("{name}.key"), &issued.key_pem, true);
    }

    fn file(&self, name: &str, text: &str, secret: bool) {
        write(&self.path(name), text, secret).unwrap();
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn show(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// The simulator serving with `server.pem`, requiring clients of this CA.
    fn sim(&self) -> SimTls {
        SimTls {
            cert_file: self.path("server.pem"),
            key_file: self.path("server.key"),
            client_ca_file: self.path("ca.pem"),
        }
    }

    /// A manifest for 127.0.0.1 over tls with fabctl's files `ca`, `cert` and `key`
    /// from this directory; `port` as the Plant template writes it.
    fn manifest(&self, port: &str, ca: &str, extra: &str) -> String {
        format!(
            "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {{name: press-1, namespace: plant-a}}
spec:
  deviceAddress: 127.0.0.1
  port: {port}
  transport: tls
  timeoutMs: 500
  tls:
    caFile: {}
    certFile: {}
    keyFile: {}{extra}
  registers:
    - {{name: speed, address: 4001, value: 1200}}
    - {{name: pump, kind: coil, address: 7, value: true}}
",
            self.show(ca),
            self.show("client.pem"),
            self.show("client.key"),
        )
    }
}

async fn plant(pki: &Pki, ca: &str, extra: &str) -> Plant {
    let tls = pki.sim();
    Plant::start_with(&pki.manifest("@press", ca, extra), |config| {
        config.tls = Some(tls);
    })
    .await
}

fn port_of(plant: &Plant) -> u16 {
    plant.sim.addr_of(DEVICE).unwrap().port()
}

/// The one line of a plan that says why the PLC could not be read.
fn unreachable(output: &std::process::Output) -> String {
    let text = stdout(output);
    text.lines()
        .find(|l| l.contains("✗ unreachable"))
        .unwrap_or_else(|| panic!("no unreachable line:\n{text}\n{}", stderr(output)))
        .trim()
        .to_owned()
}

#[tokio::test]
async fn plan_drift_apply_verify_over_tls_against_the_simulator() {
    let pki = Pki::new();
    let plant = plant(&pki, "ca.pem", "").await;
    assert!(
        plant
            .sim
            .set_words(DEVICE, RegisterKind::Holding, 4001, &[900])
    );

    let plan = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(
        plan.status.code(),
        Some(2),
        "{}{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(
        stdout(&plan).contains("~ speed  holding 4001  u16  900 → 1200"),
        "{}",
        stdout(&plan)
    );

    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_ok(&apply);
    assert!(
        stdout(&apply).contains("plant-a/press-1/speed: applied (900 → 1200)"),
        "{}",
        stdout(&apply)
    );
    assert_eq!(
        plant.sim.read_words(DEVICE, RegisterKind::Holding, 4001, 1),
        Some(vec![1200])
    );

    let verify = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    assert!(
        stdout(&verify)
            .contains("No changes. Your PLCs match the manifests (2 registers in sync)."),
        "{}",
        stdout(&verify)
    );

    // reconcile corrects a new drift over the same transport.
    assert!(plant.sim.set_words(DEVICE, RegisterKind::Coil, 7, &[0]));
    let reconcile = plant.fabctl(&["reconcile", "--once"]).await;
    assert_ok(&reconcile);
    assert_eq!(
        plant.sim.read_words(DEVICE, RegisterKind::Coil, 7, 1),
        Some(vec![1])
    );
}

#[tokio::test]
async fn an_expired_device_certificate_is_named_with_its_date() {
    let pki = Pki::new();
    pki.issue("server", &["127.0.0.1"], Usage::Server, Some("2026-01-01"));
    let plant = plant(&pki, "ca.pem", "").await;
    let plan = plant.fabctl(&["plan"]).await;
    assert_eq!(plan.status.code(), Some(1));
    assert_eq!(
        unreachable(&plan),
        format!(
            "✗ unreachable: cannot connect to 127.0.0.1:{}: the device's certificate expired on 2026-01-01",
            port_of(&plant)
        )
    );
    assert_eq!(plant.sim.total_requests(), 0, "no Modbus request left");
}

#[tokio::test]
async fn a_certificate_for_another_name_says_which_name_it_carries() {
    let pki = Pki::new();
    pki.issue("server", &["plc-7.plant.local"], Usage::Server, None);
    let plant = plant(&pki, "ca.pem", "").await;
    let plan = plant.fabctl(&["plan"]).await;
    assert_eq!(
        unreachable(&plan),
        format!(
            "✗ unreachable: cannot connect to 127.0.0.1:{}: the device's certificate is for plc-7.plant.local, not 127.0.0.1: set spec.tls.serverName to a name the certificate carries, or give the device a certificate for 127.0.0.1",
            port_of(&plant)
        )
    );
}

#[tokio::test]
async fn server_name_overrides_the_device_address() {
    let pki = Pki::new();
    pki.issue("server", &["plc-7.plant.local"], Usage::Server, None);
    let plant = plant(&pki, "ca.pem", "\n    serverName: plc-7.plant.local").await;
    let plan = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
}

#[tokio::test]
async fn a_device_certificate_from_another_ca_is_not_signed_by_ca_file() {
    let pki = Pki::new();
    let other = Authority::new("another CA").unwrap();
    pki.file("other-ca.pem", &other.certificate_pem(), false);
    let plant = plant(&pki, "other-ca.pem", "").await;
    let plan = plant.fabctl(&["plan"]).await;
    assert_eq!(
        unreachable(&plan),
        format!(
            "✗ unreachable: cannot connect to 127.0.0.1:{}: the device's certificate is not signed by spec.tls.caFile ({}): give the CA that issued it",
            port_of(&plant),
            pki.show("other-ca.pem")
        )
    );
}

#[tokio::test]
async fn a_client_certificate_the_device_does_not_trust_is_reported_as_refused() {
    let pki = Pki::new();
    let other = Authority::new("another CA").unwrap();
    let client = other
        .issue(&["fabctl".to_owned()], Usage::Client, None)
        .unwrap();
    pki.file("client.pem", &client.certificate_pem, false);
    pki.file("client.key", &client.key_pem, true);
    let plant = plant(&pki, "ca.pem", "").await;
    let plan = plant.fabctl(&["plan"]).await;
    assert_eq!(plan.status.code(), Some(1));
    assert_eq!(
        unreachable(&plan),
        "✗ unreachable: connection lost: the device refused fabctl's client certificate (TLS alert UnknownCA): spec.tls.certFile must be issued by a CA the device trusts, and be valid"
    );
    assert_eq!(plant.sim.total_requests(), 0, "the device served nothing");
}

#[tokio::test]
async fn a_plain_modbus_tcp_device_on_a_tls_manifest_fails_the_handshake() {
    let pki = Pki::new();
    // The simulator serves plain Modbus TCP.
    let plant = Plant::start_with(&pki.manifest("@press", "ca.pem", ""), |_| {}).await;
    let plan = plant.fabctl(&["plan"]).await;
    assert_eq!(
        unreachable(&plan),
        format!(
            "✗ unreachable: cannot connect to 127.0.0.1:{}: the device closed the connection during the TLS handshake: it may speak plain Modbus TCP (then `transport: tcp`, usually port 502), or it refused fabctl's client certificate",
            port_of(&plant)
        )
    );
}

/// `fabctl validate` on a manifest written next to the PKI.
fn validate(pki: &Pki, manifest: &str) -> (std::process::Output, PathBuf) {
    let path = pki.path("plc.yaml");
    std::fs::write(&path, manifest).unwrap();
    (run(&["validate", "-f", path.to_str().unwrap()]), path)
}

#[test]
fn a_missing_key_file_is_an_error_at_its_line() {
    let pki = Pki::new();
    std::fs::remove_file(pki.path("client.key")).unwrap();
    let (out, path) = validate(&pki, &pki.manifest("802", "ca.pem", ""));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{}:12:14: error: `spec.tls.keyFile`: cannot read {}: No such file or directory (os error 2)
  help: give the PEM file of the private key of `certFile`
Invalid: 1 problem found; nothing was sent to any device.
",
            path.display(),
            pki.show("client.key")
        )
    );
}

#[test]
fn a_key_file_holding_a_certificate_is_told_as_such() {
    let pki = Pki::new();
    std::fs::copy(pki.path("client.pem"), pki.path("client.key")).unwrap();
    let (out, path) = validate(&pki, &pki.manifest("802", "ca.pem", ""));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "{}:12:14: error: `spec.tls.keyFile`: {} holds a certificate, not a private key",
            path.display(),
            pki.show("client.key")
        )
    );
}

#[test]
fn a_key_that_does_not_belong_to_the_certificate_is_an_error() {
    let pki = Pki::new();
    std::fs::copy(pki.path("server.key"), pki.path("client.key")).unwrap();
    let (out, path) = validate(&pki, &pki.manifest("802", "ca.pem", ""));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "{}:12:14: error: `spec.tls.keyFile`: {}: this key does not belong to the certificate of `certFile`",
            path.display(),
            pki.show("client.key")
        )
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_key_file_others_can_read_is_a_warning_not_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let pki = Pki::new();
    let key = pki.path("client.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let plant = plant(&pki, "ca.pem", "").await;
    let plan = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
    assert_eq!(
        stderr(&plan),
        format!(
            "{}:12:14: warning: `spec.tls.keyFile` {} can be read by others (mode 0644): a private key should be readable by its owner only
  help: chmod 600 {}
",
            plant.path(),
            key.display(),
            key.display()
        )
    );
}

#[test]
fn tls_settings_without_transport_tls_are_an_error() {
    let pki = Pki::new();
    let manifest = pki
        .manifest("802", "ca.pem", "")
        .replace("  transport: tls\n", "");
    let (out, path) = validate(&pki, &manifest);
    assert_eq!(
        stderr(&out),
        format!(
            "{}:9:5: error: `spec.tls` is set but `spec.transport` is tcp
  help: add `transport: tls` (Modbus/TCP Security), or remove `spec.tls`
Invalid: 1 problem found; nothing was sent to any device.
",
            path.display()
        )
    );
}

#[test]
fn relative_paths_are_read_next_to_the_manifest_and_the_port_defaults_to_802() {
    let pki = Pki::new();
    let manifest = pki
        .manifest("802", "ca.pem", "")
        .replace("  port: 802\n", "")
        .replace(&format!("{}/", pki.dir.path().display()), "");
    assert!(manifest.contains("caFile: ca.pem"), "{manifest}");
    let path = pki.path("plc.yaml");
    std::fs::write(&path, &manifest).unwrap();
    // From another directory: the files are found next to the manifest. Nobody
    // listens on 127.0.0.1:802, which the plan tries.
    let plan = fabctl()
        .args(["plan", "-f"])
        .arg(&path)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        stdout(&plan).contains("# plant-a/press-1 (127.0.0.1:802 unit 1)"),
        "{}{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(stderr(&plan).is_empty(), "{}", stderr(&plan));
}

#[tokio::test]
async fn import_over_tls_writes_a_manifest_that_plans_clean() {
    let pki = Pki::new();
    let plant = plant(&pki, "ca.pem", "").await;
    let out_file = pki.path("imported.yaml");
    let device = format!("127.0.0.1:{}", port_of(&plant));
    let import = tokio::task::spawn_blocking({
        let (ca, cert, key) = (
            pki.show("ca.pem"),
            pki.show("client.pem"),
            pki.show("client.key"),
        );
        let out_file = out_file.clone();
        move || {
            fabctl()
                .args([
                    "import",
                    "--device",
                    &device,
                    "--holding",
                    "4001",
                    "--coils",
                    "7",
                ])
                .args(["--transport", "tls", "--ca-file", &ca, "--cert-file", &cert])
                .args(["--key-file", &key, "--out"])
                .arg(&out_file)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    let yaml = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        yaml.contains(&format!(
            "  transport: tls\n  tls:\n    caFile: \"{}\"\n    certFile: \"{}\"\n    keyFile: \"{}\"\n",
            pki.show("ca.pem"),
            pki.show("client.pem"),
            pki.show("client.key")
        )),
        "{yaml}"
    );
    let plan = tokio::task::spawn_blocking(move || {
        run(&[
            "plan",
            "-f",
            out_file.to_str().unwrap(),
            "--detailed-exitcode",
        ])
    })
    .await
    .unwrap();
    assert_ok(&plan);
}

#[test]
fn import_over_tls_defaults_to_port_802_and_checks_files_first() {
    let pki = Pki::new();
    let missing = pki.show("none.pem");
    let out = run(&[
        "import",
        "--device",
        "127.0.0.1",
        "--holding",
        "1",
        "--transport",
        "tls",
        "--ca-file",
        &missing,
        "--cert-file",
        &pki.show("client.pem"),
        "--key-file",
        &pki.show("client.key"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!("error: --ca-file: cannot read {missing}: No such file or directory (os error 2)")
    );
    let out = run(&[
        "import",
        "--device",
        "127.0.0.1",
        "--holding",
        "1",
        "--transport",
        "tls",
        "--ca-file",
        &pki.show("ca.pem"),
        "--cert-file",
        &pki.show("client.pem"),
        "--key-file",
        &pki.show("client.key"),
        "--timeout-ms",
        "300",
    ]);
    assert!(
        stderr(&out).contains("cannot connect to 127.0.0.1:802"),
        "{}",
        stderr(&out)
    );
}

/// Waits for `fabctl sim` to print its listening line, returning every line so far.
fn sim_lines(child: &mut std::process::Child) -> Vec<String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let done = line.starts_with("listening on");
            lines.push(line);
            if done {
                return lines;
            }
        }
    }
    let _ = child.kill();
    panic!("fabctl sim printed no listening line: {lines:?}");
}

#[test]
fn fabctl_sim_generates_certificates_a_manifest_can_point_at() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let port = unused_port();
    let manifest = dir.path().join("plc.yaml");
    std::fs::write(
        &manifest,
        format!(
            "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {{name: press-1, namespace: plant-a}}
spec:
  deviceAddress: 127.0.0.1
  port: {port}
  transport: tls
  tls: {{caFile: certs/ca.pem, certFile: certs/client.pem, keyFile: certs/client.key}}
  registers:
    - {{name: speed, address: 4001, value: 1200}}
"
        ),
    )
    .unwrap();
    let mut child = fabctl()
        .args(["sim", "--transport", "tls", "--tls-dir"])
        .arg(&certs)
        .arg("--from")
        .arg(&manifest)
        .args(["--drift", "--seed", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lines = sim_lines(&mut child);
    let plan = run(&[
        "plan",
        "-f",
        manifest.to_str().unwrap(),
        "--detailed-exitcode",
    ]);
    let apply = run(&["apply", "-f", manifest.to_str().unwrap(), "--auto-approve"]);
    let verify = run(&[
        "plan",
        "-f",
        manifest.to_str().unwrap(),
        "--detailed-exitcode",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        lines,
        [
            format!(
                "test certificates in {}: ca.pem (the CA of both sides: spec.tls.caFile), client.pem and client.key (spec.tls.certFile, keyFile), server.pem and server.key (for localhost, 127.0.0.1, ::1)",
                certs.display()
            ),
            format!("listening on 127.0.0.1:{port} with TLS (plant-a/press-1 unit 1)"),
        ]
    );
    assert_eq!(
        plan.status.code(),
        Some(2),
        "{}{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(certs.join("client.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// pymodbus's TLS server with `pki`'s server certificate, requiring clients of
/// `client_ca`.
fn tls_peer(pki: &Pki, client_ca: &Path) -> Option<Peer> {
    Peer::start(serde_json::json!({
        "holding": {"4001": 900},
        "tls": {
            "cert": pki.path("server.pem"),
            "key": pki.path("server.key"),
            "client_ca": client_ca,
        },
    }))
}

#[test]
fn plan_drift_apply_verify_over_tls_against_pymodbus() {
    let pki = Pki::new();
    let Some(peer) = tls_peer(&pki, &pki.path("ca.pem")) else {
        return;
    };
    let path = pki.path("plc.yaml");
    std::fs::write(&path, pki.manifest(&peer.port.to_string(), "ca.pem", "")).unwrap();
    let file = path.to_str().unwrap();

    let plan = run(&["plan", "-f", file, "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(2),
        "{}{}",
        stdout(&plan),
        peer.log()
    );
    assert!(
        stdout(&plan).contains("~ speed  holding 4001  u16   900 → 1200"),
        "{}",
        stdout(&plan)
    );
    let apply = run(&["apply", "-f", file, "--auto-approve"]);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}{}",
        stdout(&apply),
        peer.log()
    );
    let verify = run(&["plan", "-f", file, "--detailed-exitcode"]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    assert!(
        stdout(&verify).contains("(2 registers in sync)"),
        "{}",
        stdout(&verify)
    );
}

/// The same server as in the test above, with another client CA: pymodbus verifies
/// client certificates (with the context the peer script gives it).
#[test]
fn pymodbus_refuses_a_client_certificate_of_another_ca() {
    let pki = Pki::new();
    let other = Authority::new("another CA").unwrap();
    pki.file("other-ca.pem", &other.certificate_pem(), false);
    let Some(peer) = tls_peer(&pki, &pki.path("other-ca.pem")) else {
        return;
    };
    let path = pki.path("plc.yaml");
    std::fs::write(&path, pki.manifest(&peer.port.to_string(), "ca.pem", "")).unwrap();
    let plan = run(&["plan", "-f", path.to_str().unwrap()]);
    assert_eq!(plan.status.code(), Some(1), "{}", peer.log());
    assert_eq!(
        unreachable(&plan),
        "✗ unreachable: connection lost: the device closed the TLS connection without a word: it may have refused fabctl's client certificate (spec.tls.certFile must be issued by a CA the device trusts, and be valid)"
    );
}

#[test]
fn a_tcp_plc_and_a_tls_plc_on_one_endpoint_are_refused_before_any_traffic() {
    let pki = Pki::new();
    let tls = pki.manifest("802", "ca.pem", "");
    let tcp = "apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: press-2, namespace: plant-a}
spec:
  deviceAddress: 127.0.0.1
  port: 802
  unitId: 2
  registers:
    - {name: speed, address: 4001, value: 1200}
";
    let (out, path) = validate(&pki, &format!("{tcp}---\n{tls}"));
    assert_eq!(out.status.code(), Some(1));
    let file = path.display();
    assert_eq!(
        stderr(&out),
        format!(
            "{file}:11:1: error: `plant-a/press-1` reaches 127.0.0.1:802 over tls (caFile {ca}, certFile {cert}, serverName 127.0.0.1), but `plant-a/press-2` (at {file}:1:1) reaches the same endpoint over tcp
  help: PLCs behind one address and port share one connection: give them the same spec.transport and spec.tls
Invalid: 1 problem found; nothing was sent to any device.
",
            ca = pki.show("ca.pem"),
            cert = pki.show("client.pem"),
        )
    );
}

#[tokio::test]
async fn a_saved_plan_is_not_applied_after_its_ca_file_changed() {
    let pki = Pki::new();
    let plant = plant(&pki, "ca.pem", "").await;
    assert!(
        plant
            .sim
            .set_words(DEVICE, RegisterKind::Holding, 4001, &[900])
    );
    let planfile = pki.path("plan.json");
    let plan = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    // Another CA at the same path: the plan was made trusting the first one.
    let other = Authority::new("someone else's CA").unwrap();
    pki.file("ca.pem", &other.certificate_pem(), false);
    let apply = plant.fabctl(&["apply", planfile.to_str().unwrap()]).await;
    assert_eq!(apply.status.code(), Some(1), "{}", stdout(&apply));
    let err = stderr(&apply);
    assert!(
        err.contains("does not match its manifests") && err.contains("transport is {\"caDigest\""),
        "{err}"
    );
    assert_eq!(
        plant.sim.read_words(DEVICE, RegisterKind::Holding, 4001, 1),
        Some(vec![900]),
        "nothing written"
    );
}
