//! The per-device write locks on a host: a directory of this user only, never a
//! symbolic link followed, and a read-only root filesystem (a pod's) that needs only a
//! writable lock directory.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use fabctl::register::RegisterKind::Holding;

use crate::support::{Plant, stderr, stdout};

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  registers:\n    - {name: a, address: 0, value: 5}\n";

/// Runs fabctl against the plant with `TMPDIR` at `tmpdir`, no `XDG_RUNTIME_DIR`, the
/// audit log on stderr, and `FABCTL_LOCK_DIR` when given.
async fn fabctl(plant: &Plant, tmpdir: &Path, lock_dir: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = crate::support::fabctl();
    cmd.args(args)
        .arg("-f")
        .arg(&plant.manifest)
        .env("TMPDIR", tmpdir)
        .env("FABCTL_AUDIT_LOG", "-")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("FABCTL_LOCK_DIR");
    if let Some(dir) = lock_dir {
        cmd.env("FABCTL_LOCK_DIR", dir);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// A temporary directory in which nothing can be created, whoever runs the tests: a
/// path under a regular file. (A directory with mode 0555 stops every user but root,
/// and tests may run as root, where only a read-only mount would stop writes.)
fn unwritable_tmpdir(plant: &Plant) -> std::path::PathBuf {
    let file = plant.dir.path().join("root-filesystem");
    std::fs::write(&file, "").unwrap();
    file.join("tmp")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_tmpdir_needs_only_a_writable_lock_dir() {
    let plant = Plant::start(PLANT).await;
    assert!(plant.sim.set_words("default/press", Holding, 0, &[1]));
    let tmpdir = unwritable_tmpdir(&plant);

    let out = fabctl(&plant, &tmpdir, None, &["apply", "--auto-approve"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("cannot create the lock directory")
            && stdout(&out).contains("choose a writable one with --lock-dir (FABCTL_LOCK_DIR)"),
        "{}",
        stdout(&out)
    );
    assert!(plant.sim.write_log().is_empty());

    // Like a pod's emptyDir: writable by everyone; fabctl makes its own 0700 directory.
    let empty_dir = plant.dir.path().join("empty-dir");
    std::fs::create_dir(&empty_dir).unwrap();
    std::fs::set_permissions(&empty_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let locks = empty_dir.join("locks");
    for command in [
        &["apply", "--auto-approve"][..],
        &["reconcile", "--once"][..],
    ] {
        assert!(plant.sim.set_words("default/press", Holding, 0, &[1]));
        let out = fabctl(&plant, &tmpdir, Some(&locks), command).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{command:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert_eq!(
            plant.sim.read_words("default/press", Holding, 0, 1),
            Some(vec![5])
        );
    }
    let mode = std::fs::metadata(&locks).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_planted_in_the_lock_dir_is_not_followed() {
    let plant = Plant::start(PLANT).await;
    assert!(plant.sim.set_words("default/press", Holding, 0, &[1]));
    let locks = plant.dir.path().join("locks");
    std::fs::create_dir(&locks).unwrap();
    std::fs::set_permissions(&locks, std::fs::Permissions::from_mode(0o700)).unwrap();
    let victim = plant.dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let port = plant.sim.addr_of("default/press").unwrap().port();
    std::os::unix::fs::symlink(&victim, locks.join(format!("127.0.0.1_{port}_1.lock"))).unwrap();

    let out = fabctl(
        &plant,
        &std::env::temp_dir(),
        Some(&locks),
        &["apply", "--auto-approve"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("is not a regular file (a symbolic link?): not followed; remove it"),
        "{}",
        stdout(&out)
    );
    assert!(plant.sim.write_log().is_empty());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}
