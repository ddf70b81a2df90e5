//! pymodbus as an independent peer: a Modbus server that is not ours (TCP, RTU framing
//! over TCP, or RTU on a serial line), started by a test on a free loopback port (or
//! the line it is given) and killed when the test ends.
//!
//! `.ci/run` installs pymodbus, so under `CI=true` a missing pymodbus fails the test.
//! Elsewhere (a fresh clone running `cargo test`) the test says it was skipped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::loopback::unused_port;

/// How long pymodbus may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running pymodbus server (`tests/peers/pymodbus_peer.py`).
pub struct Peer {
    child: Child,
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Peer {
    /// Starts the peer with `config` (the JSON the script documents). `None` when
    /// pymodbus is not installed and this is not CI.
    pub fn start(config: serde_json::Value) -> Option<Peer> {
        if !present() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("pymodbus.log");
        let port = unused_port();
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new("python3")
            .arg(script())
            .arg(port.to_string())
            .arg(config.to_string())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("python3 runs");
        let mut peer = Peer {
            child,
            port,
            log,
            _dir: dir,
        };
        match config["transport"].as_str() {
            Some("rtu") => peer.wait_line(config["serial"]["device"].as_str().unwrap_or_default()),
            _ => peer.wait_listening(),
        }
        Some(peer)
    }

    /// Waits until pymodbus has the serial device open (`transport: rtu`).
    fn wait_line(&mut self, device: &str) {
        let fds = format!("/proc/{}/fd", self.child.id());
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "pymodbus exited ({status}) before opening {device}:\n{}",
                    self.log()
                );
            }
            let open = std::fs::read_dir(&fds)
                .into_iter()
                .flatten()
                .flatten()
                .any(|fd| {
                    std::fs::read_link(fd.path()).is_ok_and(|target| target.as_os_str() == device)
                });
            if open {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "pymodbus did not open {device} within {START_TIMEOUT:?}:\n{}",
            self.log()
        );
    }

    /// The values pymodbus itself decodes from the peer's holding registers, as a
    /// client (`--read`: `entries` as the script documents).
    pub fn decode(&self, entries: serde_json::Value) -> serde_json::Value {
        let out = Command::new("python3")
            .arg(script())
            .arg("--read")
            .arg(self.port.to_string())
            .arg(entries.to_string())
            .stdin(Stdio::null())
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "pymodbus --read failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        serde_json::from_slice(&out.stdout).expect("pymodbus --read prints JSON")
    }

    /// What pymodbus printed so far, for assertion messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_listening(&mut self) {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "pymodbus exited ({status}) before listening:\n{}",
                    self.log()
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "pymodbus did not listen on 127.0.0.1:{} within {START_TIMEOUT:?}:\n{}",
            self.port,
            self.log()
        );
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether pymodbus can be used. Under `CI=true` a missing pymodbus fails the test;
/// elsewhere the test says it was skipped.
pub fn present() -> bool {
    if available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "pymodbus is not installed (.ci/run installs it: pip install 'pymodbus==3.11.*' pyserial)"
    );
    eprintln!("skipped: pymodbus is not installed (pip install 'pymodbus==3.11.*' pyserial)");
    false
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/pymodbus_peer.py")
}

/// pymodbus, and pyserial for its serial server (.ci/run installs both).
fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import pymodbus, serial"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
