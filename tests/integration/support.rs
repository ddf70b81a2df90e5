//! Helpers shared by the integration tests: running the real binary, with or without
//! a cluster, against a simulated plant.

pub mod loopback;
pub mod pymodbus;
pub mod socat;

use std::path::Path;
use std::process::{Command, Output};

use loopback::unused_port;

/// The `fabctl` binary cargo built for these tests.
pub fn fabctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabctl"));
    cmd.env_remove("RUST_LOG")
        // Tests running under GitHub Actions must not see `plan` annotate their plants.
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs `fabctl` with arguments in the crate root and returns its output.
pub fn run(args: &[&str]) -> Output {
    fabctl().args(args).output().expect("fabctl runs")
}

/// Runs `fabctl` with no in-cluster environment, an empty home, and `KUBECONFIG` set
/// to `kubeconfig`.
pub fn without_cluster(args: &[&str], kubeconfig: &Path) -> Output {
    let home = tempfile::tempdir().unwrap();
    fabctl()
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the command exited 0, showing its output when it did not.
#[track_caller]
pub fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(o), stderr(o));
}

/// A simulated plant for one test: manifests in a temp dir whose ports point at an
/// in-process simulator on ephemeral loopback ports.
pub struct Plant {
    pub sim: fabctl::sim::SimHandle,
    pub dir: tempfile::TempDir,
    pub manifest: std::path::PathBuf,
}

impl Plant {
    /// `template` is a manifest where every port is written `@name`; PLCs sharing a
    /// placeholder share an endpoint. A placeholder `@closed` is a port nobody listens on.
    pub async fn start(template: &str) -> Plant {
        Plant::start_with(template, |_| {}).await
    }

    /// Like [`Plant::start`], with a chance to change the simulator's configuration
    /// (faults per device) before it starts.
    pub async fn start_with(
        template: &str,
        configure: impl FnOnce(&mut fabctl::sim::SimConfig),
    ) -> Plant {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("plant.yaml");
        let placeholders = placeholders(template);
        let dummy: Vec<(String, u16)> = placeholders
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), 20001 + i as u16))
            .collect();
        std::fs::write(&manifest, substitute(template, &dummy)).unwrap();
        let plcs = fabctl::manifest::load(std::slice::from_ref(&manifest)).unwrap();
        let served: Vec<_> = plcs
            .iter()
            .filter(|p| p.port != closed_dummy(&dummy))
            .cloned()
            .collect();
        let mut config = fabctl::sim::SimConfig::from_plcs(&served)
            .unwrap()
            .on_ephemeral_ports();
        configure(&mut config);
        let sim = fabctl::sim::Simulator::start(config).await.unwrap();
        let closed = unused_port();
        let real: Vec<(String, u16)> = dummy
            .iter()
            .map(|(name, port)| {
                if name == "closed" {
                    return (name.clone(), closed);
                }
                let plc = plcs.iter().find(|p| p.port == *port).unwrap();
                (name.clone(), sim.addr_of(&plc.id()).unwrap().port())
            })
            .collect();
        std::fs::write(&manifest, substitute(template, &real)).unwrap();
        Plant { sim, dir, manifest }
    }

    pub fn path(&self) -> &str {
        self.manifest.to_str().unwrap()
    }

    /// Runs fabctl off the async runtime's threads.
    pub async fn fabctl(&self, args: &[&str]) -> Output {
        let mut cmd = fabctl();
        cmd.args(args)
            .arg("-f")
            .arg(&self.manifest)
            .env("FABCTL_AUDIT_LOG", self.dir.path().join("audit.jsonl"));
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// The audit log's `outcome` lines (one per register a run meant to write).
    pub fn audit_outcomes(&self) -> Vec<serde_json::Value> {
        let mut lines = self.audit_lines();
        lines.retain(|l| l["event"] == "outcome");
        lines
    }

    /// Every line of the audit log: intents and outcomes.
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn placeholders(template: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in template.split('@').skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn substitute(template: &str, ports: &[(String, u16)]) -> String {
    let mut text = template.to_owned();
    // Longest names first so `@a` never eats part of `@ab`.
    let mut ports = ports.to_vec();
    ports.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    for (name, port) in ports {
        text = text.replace(&format!("@{name}"), &port.to_string());
    }
    text
}

fn closed_dummy(dummy: &[(String, u16)]) -> u16 {
    dummy
        .iter()
        .find(|(n, _)| n == "closed")
        .map_or(0, |(_, p)| *p)
}

/// A kubeconfig (default namespace plant-a) pointing at a loopback port nobody
/// listens on: every API request is refused.
pub fn kubeconfig_to_closed_port(dir: &Path) -> std::path::PathBuf {
    let server = format!("127.0.0.1:{}", unused_port());
    loopback::kubeconfig(dir, &server, Some("plant-a"))
}
