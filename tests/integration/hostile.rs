//! Hostile input: each case gives a clear error and exit 1, in bounded time and
//! memory, and the simulator proves that no request reached any device.

use crate::support::{Plant, stderr};

const GOOD: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: good}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @good\n  registers:\n    - {name: speed, address: 0, value: 5}\n";

const HEAD: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: bad}\nspec:\n  deviceAddress: 127.0.0.1\n";

fn alias_bomb() -> Vec<u8> {
    let mut text = String::from("a: &a [1,2,3,4,5,6,7,8,9]\n");
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
    ] {
        text.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    text.push_str("i: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n");
    text.into_bytes()
}

fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut big = HEAD.as_bytes().to_vec();
    big.extend(b"  tags:\n");
    let line = format!("    - {}\n", "x".repeat(90));
    while big.len() < 50 * 1024 * 1024 {
        big.extend(line.as_bytes());
    }
    let garbage: Vec<u8> = (0u32..10_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut storm = String::new();
    for i in 0..10_000 {
        storm.push_str(&format!("---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: p{i}}}\nspec: {{deviceAddress: 127.0.0.1, targetRegister: {i}, targetValue: 1}}\n"));
    }
    vec![
        ("alias-bomb", alias_bomb(), "error: invalid YAML: alias replay limit exceeded"),
        ("deep-nesting", format!("{HEAD}  tags: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(), "error: invalid YAML: nesting deeper than 64 levels"),
        ("fifty-megabytes", big, "error: file is 52428"),
        ("binary-garbage", garbage, "error: file is not valid UTF-8 text"),
        ("invalid-utf8", [HEAD.as_bytes(), b"  targetRegister: 1\n  targetValue: 1 # \xff\xfe\n"].concat(), "error: file is not valid UTF-8 text"),
        ("ten-thousand-documents", storm.into_bytes(), "error: invalid YAML: more than 1024 documents in one file"),
        ("wrong-kind", HEAD.replace("kind: IndustrialPLC", "kind: IndustrialPCL").into_bytes(), "error: unknown kind `IndustrialPCL` for apiVersion fabgitops.io/v1"),
        ("wrong-api-version", HEAD.replace("fabgitops.io/v1", "fabgitops.io/v1beta1").into_bytes(), "error: unsupported apiVersion `fabgitops.io/v1beta1` for kind IndustrialPLC"),
        ("integer-beyond-64-bits", format!("{HEAD}  registers:\n    - {{name: a, address: 0, type: u64, value: 18446744073709551616}}\n").into_bytes(), "error: integer 18446744073709551616 does not fit in 64 bits"),
        ("nan", format!("{HEAD}  registers:\n    - {{name: a, address: 0, type: f32, value: .nan}}\n").into_bytes(), "error: NaN is not a finite number"),
        ("infinity", format!("{HEAD}  registers:\n    - {{name: a, address: 0, type: f64, value: -.inf}}\n").into_bytes(), "error: -inf is not a finite number"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_manifests_are_refused_before_any_device_traffic() {
    let plant = Plant::start(GOOD).await;
    for (name, bytes, expected) in cases() {
        let dir = plant.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&plant.manifest, dir.join("good.yaml")).unwrap();
        let file = dir.join(format!("{name}.yaml"));
        std::fs::write(&file, &bytes).unwrap();
        let mut cmd = crate::support::fabctl();
        cmd.args(["plan", "-f"]).arg(&dir);
        let started = std::time::Instant::now();
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        let line = err
            .lines()
            .find(|l| l.contains(": error: "))
            .unwrap_or_default();
        assert!(
            line.starts_with(&format!("{}", file.display())),
            "{name}: the error names the file: {err}"
        );
        assert!(
            line.contains(expected),
            "{name}: expected {expected:?} in {err}"
        );
        assert!(
            err.ends_with("found in the manifests; nothing was sent to any device\n"),
            "{name}: {err}"
        );
        // Bounded: a generous ceiling for a shared, noisy machine, not a benchmark.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name} took {:?}",
            started.elapsed()
        );
        assert_eq!(
            plant.sim.total_connections(),
            0,
            "{name}: a device was contacted"
        );
        assert_eq!(plant.sim.total_requests(), 0, "{name}: a request was sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_truncated_and_newer_plan_files_are_refused_without_traffic() {
    let plant = Plant::start(GOOD).await;
    assert!(plant.sim.set_words(
        "default/good",
        fabctl::register::RegisterKind::Holding,
        0,
        &[9]
    ));
    let planfile = plant.dir.path().join("plan.json");
    let out = plant
        .fabctl(&["plan", "--out", planfile.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&planfile).unwrap();
    let requests = plant.sim.total_requests();

    let variants = [
        (
            "edited",
            text.replace("\"desired\": 5", "\"desired\": 6"),
            "was modified after it was saved (digest mismatch)",
        ),
        (
            "truncated",
            text[..text.len() / 2].to_owned(),
            "is not a fabctl plan file (or it is truncated)",
        ),
        (
            "newer",
            text.replace("\"format_version\": 2", "\"format_version\": 7"),
            "was written by a newer fabctl (plan format 7",
        ),
    ];
    for (name, content, expected) in variants {
        assert_ne!(content, text, "{name}: the variant differs");
        let path = plant.dir.path().join(format!("{name}.json"));
        std::fs::write(&path, content).unwrap();
        let out = plant.fabctl(&["apply", path.to_str().unwrap()]).await;
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
    }
    assert_eq!(
        plant.sim.total_requests(),
        requests,
        "no request after the plan"
    );
    assert!(plant.sim.write_log().is_empty());
}

/// Runs `fabctl ARGS` and returns its output, or kills it and fails when it is still
/// running after 20 s: a regression that hangs fails the test instead of hanging it.
fn run_bounded(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let child = crate::support::fabctl()
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: kill(2) on the pid of the child this test started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("fabctl {args:?} still ran after 20 s (killed)");
        }
    }
}

fn mkfifo(path: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

const NOT_REGULAR_HINT: &str = "  help: fabctl reads manifests from regular files only (a pipe or a device might never end); write the manifest to a file\nInvalid: 1 problem found; nothing was sent to any device.\n";

/// A FIFO (named with -f or as a `*.yaml` in a directory) and a device that never
/// ends are refused before they are opened, each with what it is; loading ends.
#[test]
fn fifos_and_devices_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plant.yaml");
    mkfifo(&fifo);
    let nested = dir.path().join("manifests");
    std::fs::create_dir(&nested).unwrap();
    std::fs::write(nested.join("a.yaml"), GOOD.replace("@good", "5502")).unwrap();
    let nested_fifo = nested.join("b.yaml");
    mkfifo(&nested_fifo);
    let zero = std::path::Path::new("/dev/zero");
    for (path, what) in [
        (fifo.as_path(), "a FIFO"),
        (nested.as_path(), "a FIFO"),
        (zero, "a character device"),
    ] {
        let out = run_bounded(&["validate".as_ref(), "-f".as_ref(), path.as_os_str()]);
        assert_eq!(out.status.code(), Some(1), "{}", path.display());
        let named = if path == nested { &nested_fifo } else { path };
        assert_eq!(
            stderr(&out),
            format!(
                "{}: error: is {what}, not a regular file\n{NOT_REGULAR_HINT}",
                named.display()
            )
        );
    }
}

/// A directory holding links back to itself (or to its parent) is walked once: the
/// walk ends and every file is loaded once.
#[test]
fn a_symlink_loop_in_a_directory_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("manifests");
    std::fs::create_dir_all(root.join("line-1")).unwrap();
    std::fs::write(root.join("a.yaml"), GOOD.replace("@good", "5502")).unwrap();
    std::fs::write(
        root.join("line-1/b.yaml"),
        GOOD.replace("@good", "5503")
            .replace("name: good", "name: other"),
    )
    .unwrap();
    std::os::unix::fs::symlink(".", root.join("self-1")).unwrap();
    std::os::unix::fs::symlink(".", root.join("self-2")).unwrap();
    std::os::unix::fs::symlink("..", root.join("line-1/up")).unwrap();
    let out = run_bounded(&["validate".as_ref(), "-f".as_ref(), root.as_os_str()]);
    assert_eq!(stderr(&out), "");
    assert_eq!(
        crate::support::stdout(&out),
        "Manifests valid: 2 PLCs, 2 registers in 2 files.\n"
    );
}

/// At most 8 MiB of a file are read: a larger one is refused before it is parsed.
#[test]
fn a_file_past_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(8 * 1024 * 1024 + 1).unwrap();
    let out = run_bounded(&["validate".as_ref(), "-f".as_ref(), big.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{}: error: file is 8388609 bytes; manifests larger than 8 MiB are refused\n  help: split the plant into several files\nInvalid: 1 problem found; nothing was sent to any device.\n",
            big.display()
        )
    );
}
