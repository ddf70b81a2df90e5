//! A pseudo-terminal pair from socat: the two ends of a serial line, one for pymodbus's
//! serial server and one for fabctl, for as long as the test holds it.
//!
//! `.ci/run` installs socat, so under `CI=true` a missing socat fails the test.
//! Elsewhere the test says it was skipped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long socat may take to open both ends.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `socat pty,raw,echo=0 pty,raw,echo=0`, killed when dropped.
pub struct Line {
    child: Child,
    /// The two ends.
    pub ends: [String; 2],
}

impl Line {
    /// Opens the pair. `None` when socat is not installed and this is not CI.
    pub fn open() -> Option<Line> {
        if !present() {
            return None;
        }
        let mut child = Command::new("socat")
            .args(["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("socat runs");
        let stderr = child.stderr.take().expect("socat's stderr");
        // socat prints "… N PTY is /dev/pts/7" for each end; read them on a thread so
        // a silent socat cannot hang the test.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some((_, path)) = line.split_once("PTY is ") {
                    let _ = tx.send(path.trim().to_owned());
                }
            }
        });
        let mut end = || match rx.recv_timeout(START_TIMEOUT) {
            Ok(path) => path,
            Err(_) => {
                let _ = child.kill();
                panic!("socat opened no pseudo-terminal pair within {START_TIMEOUT:?}")
            }
        };
        let ends = [end(), end()];
        Some(Line { child, ends })
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn present() -> bool {
    let found = Command::new("socat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "socat is not installed (.ci/run installs it: apt-get install socat)"
    );
    eprintln!("skipped: socat is not installed (apt-get install socat)");
    false
}
