//! Helpers shared by the integration tests: running the real binary.

use std::path::Path;
use std::process::{Command, Output};

/// The `fabctl` binary cargo built for these tests.
pub fn fabctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabctl"));
    cmd.env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs `fabctl` with arguments in the crate root and returns its output.
pub fn run(args: &[&str]) -> Output {
    fabctl().args(args).output().expect("fabctl runs")
}

/// Runs `fabctl` in a directory.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    fabctl().current_dir(dir).args(args).output().expect("fabctl runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
