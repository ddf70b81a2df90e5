//! The command line as CI and terminals see it: usage errors exit 1 (never 2, which
//! `plan --detailed-exitcode` uses for "changes found") with clap's tip, help and
//! version exit 0, and log lines carry no color codes off a terminal.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use fabctl::register::RegisterKind::Holding;

use crate::support::{Plant, run, stderr, stdout};

#[test]
fn usage_errors_exit_1_with_a_did_you_mean() {
    for (args, tip) in [
        (
            &["plan", "-detailed-exitcode"][..],
            "a similar argument exists: '--detailed-exitcode'",
        ),
        (
            &["plan", "--junit-file", "report.xml"],
            "a similar argument exists: '--junit'",
        ),
        (&["plna"], "a similar subcommand exists: 'plan'"),
        (&["plan", "--parallelism", "0"], "0 is not in 1..=100000"),
        (&["completions", "tcsh"], "possible values: bash"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(tip), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for args in [
        &["--help"][..],
        &["plan", "--help"],
        &["-h"],
        &["--version"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty(), "{args:?}");
    }
    assert!(stdout(&run(&["--version"])).starts_with("fabctl "));
}

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: fast}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @fast\n  registers:\n    - {name: a, address: 0, type: f32, value: 12.5}\n";

/// Runs `reconcile --schedule` every second on a drifted plant with stderr piped
/// until it logs the correction, then stops it; its stderr so far.
async fn reconcile_logs(plant: &Plant, color: Option<&str>) -> String {
    assert!(
        plant
            .sim
            .set_words("default/fast", Holding, 0, &[0x4120, 0])
    ); // 10.0
    let mut cmd = crate::support::fabctl();
    cmd.env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .args(["reconcile", "--schedule", "* * * * * *", "-f"])
        .arg(&plant.manifest)
        .arg("--audit-log")
        .arg(plant.dir.path().join("audit.jsonl"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(color) = color {
        cmd.args(["--color", color]);
    }
    let mut child = cmd.spawn().unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap());
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let read = tokio::task::spawn_blocking(move || {
        while let Ok(line) = receive.recv_timeout(Duration::from_secs(10)) {
            log.push_str(&line);
            log.push('\n');
            if line.contains("corrected") {
                break;
            }
        }
        log
    });
    let log = read.await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_have_no_color_codes_off_a_terminal_and_show_values_as_written() {
    let plant = Plant::start(PLANT).await;
    for color in [None, Some("never"), Some("auto")] {
        let log = reconcile_logs(&plant, color).await;
        assert!(
            log.contains("corrected default/fast/a: 10 → 12.5"),
            "{color:?}: {log}"
        );
        assert!(!log.contains("\u{1b}["), "{color:?}: {log:?}");
        assert!(!log.contains("Some("), "{color:?}: {log}");
    }
    // The check above can see color codes: `--color always` puts them in.
    let log = reconcile_logs(&plant, Some("always")).await;
    assert!(log.contains("\u{1b}["), "{log}");
}

/// A pseudo-terminal: the child's stdin (the prompt only appears on a terminal) and
/// the side the test keeps open, so the child never reads end of file.
fn terminal() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let (mut controller, mut child) = (-1, -1);
    // SAFETY: openpty writes two new descriptors into the two integers; the other
    // arguments may be null.
    let status = unsafe {
        libc::openpty(
            &mut controller,
            &mut child,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(status, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are new and owned by nothing else.
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(controller),
            std::os::fd::OwnedFd::from_raw_fd(child),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_at_the_prompt_cancels_the_apply_and_exits_1() {
    use std::io::Read;
    let plant = Plant::start(PLANT).await;
    assert!(
        plant
            .sim
            .set_words("default/fast", Holding, 0, &[0x4120, 0])
    ); // 10.0
    let (_controller, stdin) = terminal();
    let mut child = crate::support::fabctl()
        .args(["apply", "-f"])
        .arg(&plant.manifest)
        .env("FABCTL_AUDIT_LOG", plant.dir.path().join("audit.jsonl"))
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let prompted = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let mut buf = [0; 256];
        while let Ok(n @ 1..) = err.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains("Enter a value: ") {
                break;
            }
        }
        (err, seen)
    });
    let (mut err, mut seen) = tokio::time::timeout(Duration::from_secs(20), prompted)
        .await
        .expect("the prompt appears")
        .unwrap();
    assert!(String::from_utf8_lossy(&seen).contains("Enter a value: "));
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || {
        err.read_to_end(&mut seen).unwrap();
        (child.wait().unwrap(), seen)
    });
    let (status, seen) = tokio::time::timeout(Duration::from_secs(20), status)
        .await
        .expect("fabctl exits after Ctrl-C")
        .unwrap();
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(1), "{status:?}: {text}");
    assert!(
        text.ends_with("Enter a value: \nApply cancelled.\n"),
        "{text:?}"
    );
    assert!(plant.sim.write_log().is_empty(), "nothing may be written");
}

/// A required number of approvals without the keys to count them is a usage error,
/// never a silent apply without approvals (also when set in the environment, as CI
/// jobs do).
#[test]
fn require_approvals_without_verify_keys_is_refused() {
    for env in [false, true] {
        let mut cmd = crate::support::fabctl();
        cmd.args(["apply", "plan.json"]);
        if env {
            cmd.env("FABCTL_REQUIRE_APPROVALS", "2");
        } else {
            cmd.args(["--require-approvals", "2"]);
        }
        let out = cmd.env_remove("FABCTL_VERIFY_KEYS").output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "the following required arguments were not provided:\n  --verify-key <PUB>"
            ),
            "{err}"
        );
    }
}
