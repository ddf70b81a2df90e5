//! A per-device write lock on this host, so two fabctl processes never interleave
//! their compare-and-set and write on one PLC: the second waits, re-reads, and reports
//! `stale` instead of overwriting the first. Modbus has no atomic compare-and-set, so
//! across hosts this lock cannot help; `docs/safety.md` says so.
//!
//! The locks live in a directory of this user only ([`dir`]): `--lock-dir`
//! (`FABCTL_LOCK_DIR`) when given, else `$XDG_RUNTIME_DIR/fabctl`, else
//! `$TMPDIR/fabctl-<uid>`. fabctl creates it with mode 0700 and refuses one that
//! another user owns or that others may write, where they could plant files. Neither
//! the directory nor a lock file is ever followed as a symbolic link.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustix::fs::{Mode, OFlags};

use crate::device::Transport;

/// How long to wait for another fabctl writing the same PLC.
pub const WAIT: Duration = Duration::from_secs(60);

/// The directory `--lock-dir` chose, for the whole process.
static CHOSEN: OnceLock<PathBuf> = OnceLock::new();

/// Held while a PLC is being written; released on drop.
#[derive(Debug)]
pub struct DeviceLock {
    file: File,
}

impl Drop for DeviceLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Puts this process's locks in `dir` (`--lock-dir`). The first choice holds.
pub fn choose_dir(dir: PathBuf) {
    let _ = CHOSEN.set(dir);
}

/// The directory of the locks: the one chosen, else `$XDG_RUNTIME_DIR/fabctl` (an
/// absolute path), else `fabctl-<uid>` in the temporary directory.
pub fn dir() -> PathBuf {
    if let Some(dir) = CHOSEN.get() {
        return dir.clone();
    }
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(runtime) if runtime.is_absolute() => runtime.join("fabctl"),
        _ => std::env::temp_dir().join(format!("fabctl-{}", rustix::process::geteuid().as_raw())),
    }
}

/// The lock file's name of a device (its identity, port and unit id).
fn file_name(host: &str, port: u16, transport: &Transport, unit: u8) -> String {
    // One device under two spellings (a name and its address) is one lock; every
    // PLC of a serial line locks the line's unit ids.
    let (host, port) = crate::device::endpoint::key(host, port, transport);
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{host}_{port}_{unit}.lock")
}

/// Why a device's lock could not be taken. Cheap to clone: every register of the
/// device reports it.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot create the lock directory {}: {source}; choose a writable one with --lock-dir (FABCTL_LOCK_DIR)", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: Arc<std::io::Error>,
    },
    #[error("cannot open the lock directory {}: {source}", dir.display())]
    OpenDir {
        dir: PathBuf,
        source: Arc<std::io::Error>,
    },
    /// The directory is a symbolic link (or not a directory): not followed.
    #[error("the lock directory {} is not a directory of its own (a symbolic link or a file): not followed; remove it or choose another with --lock-dir", dir.display())]
    DirNotDirectory { dir: PathBuf },
    /// Another user owns the directory: they could plant files in it.
    #[error("the lock directory {} belongs to uid {owner}, not to this user (uid {uid}): not used; remove it or choose another with --lock-dir", dir.display())]
    DirNotOwned { dir: PathBuf, owner: u32, uid: u32 },
    /// Others may write the directory: they could plant files in it.
    #[error("the lock directory {} is writable by others (mode {mode:04o}): not used; `chmod 700` it or choose another with --lock-dir", dir.display())]
    DirOpenToOthers { dir: PathBuf, mode: u32 },
    /// The lock is a symbolic link or not a regular file: someone planted it.
    #[error("the lock {} is not a regular file (a symbolic link?): not followed; remove it", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot open the lock {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
    /// Another process held the lock for all of [`WAIT`].
    #[error("another fabctl has been writing this PLC for {} s (lock {})", waited.as_secs(), path.display())]
    Busy { path: PathBuf, waited: Duration },
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
}

/// Takes the device's lock, waiting up to [`WAIT`] for another holder.
pub async fn acquire(
    host: &str,
    port: u16,
    transport: &Transport,
    unit: u8,
) -> Result<DeviceLock, LockError> {
    let dir = dir();
    let name = file_name(host, port, transport, unit);
    let file = open_in(&open_dir(&dir)?, &dir, &name)?;
    let path = dir.join(name);
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(DeviceLock { file }),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Busy { path, waited: WAIT });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(LockError::Lock {
                    path,
                    source: Arc::new(e),
                });
            }
        }
    }
}

/// Creates the directory (0700) when missing and opens it without following a
/// symbolic link; refuses it when another user owns it or others may write it.
fn open_dir(dir: &Path) -> Result<OwnedFd, LockError> {
    match rustix::fs::mkdir(dir, Mode::RWXU) {
        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
        Err(e) => {
            return Err(LockError::CreateDir {
                dir: dir.to_path_buf(),
                source: Arc::new(e.into()),
            });
        }
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(dir, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
            return Err(LockError::DirNotDirectory {
                dir: dir.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(LockError::OpenDir {
                dir: dir.to_path_buf(),
                source: Arc::new(e.into()),
            });
        }
    };
    let stat = rustix::fs::fstat(&fd).map_err(|e| LockError::OpenDir {
        dir: dir.to_path_buf(),
        source: Arc::new(e.into()),
    })?;
    let uid = rustix::process::geteuid().as_raw();
    if stat.st_uid != uid {
        return Err(LockError::DirNotOwned {
            dir: dir.to_path_buf(),
            owner: stat.st_uid,
            uid,
        });
    }
    #[allow(
        clippy::useless_conversion,
        reason = "st_mode is a u16 on some systems"
    )]
    let mode = u32::from(stat.st_mode) & 0o7777;
    if mode & 0o022 != 0 {
        return Err(LockError::DirOpenToOthers {
            dir: dir.to_path_buf(),
            mode,
        });
    }
    Ok(fd)
}

/// Opens (creating, 0600) the lock file `name` in the opened directory, never through
/// a symbolic link and never blocking on a planted FIFO.
fn open_in(dir_fd: &OwnedFd, dir: &Path, name: &str) -> Result<File, LockError> {
    let path = dir.join(name);
    let flags =
        OFlags::CREATE | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(dir_fd, name, flags, Mode::RUSR | Mode::WUSR) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::LOOP | rustix::io::Errno::NXIO) => {
            return Err(LockError::NotAFile { path });
        }
        Err(e) => {
            return Err(LockError::Open {
                path,
                source: Arc::new(e.into()),
            });
        }
    };
    match rustix::fs::fstat(&fd) {
        Ok(stat)
            if rustix::fs::FileType::from_raw_mode(stat.st_mode)
                == rustix::fs::FileType::RegularFile =>
        {
            Ok(File::from(fd))
        }
        Ok(_) => Err(LockError::NotAFile { path }),
        Err(e) => Err(LockError::Open {
            path,
            source: Arc::new(e.into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_for_the_first() {
        let host = format!("lock-test-{}", std::process::id());
        let first = acquire(&host, 1, &Transport::Tcp, 1).await.unwrap();
        let waiter = tokio::spawn({
            let host = host.clone();
            async move {
                acquire(&host, 1, &Transport::Tcp, 1)
                    .await
                    .map(|_| Instant::now())
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let released = Instant::now();
        drop(first);
        let acquired = waiter.await.unwrap().unwrap();
        assert!(
            acquired >= released,
            "the second holder got the lock only after the first let go"
        );
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    #[test]
    fn a_missing_directory_is_created_for_this_user_only() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("locks");
        let fd = open_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        open_in(&fd, &dir, "plc_502_1.lock").unwrap();
        assert_eq!(mode(&dir.join("plc_502_1.lock")) & 0o077, 0);
    }

    #[test]
    fn a_planted_symlink_is_never_followed() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("locks");
        let fd = open_dir(&dir).unwrap();
        let victim = base.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("plc_502_1.lock")).unwrap();
        let err = open_in(&fd, &dir, "plc_502_1.lock").unwrap_err();
        assert!(matches!(err, LockError::NotAFile { .. }), "{err}");
        assert!(err.to_string().contains("not followed"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn a_directory_that_is_a_symlink_or_open_to_others_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let real = base.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = open_dir(&link).unwrap_err();
        assert!(matches!(err, LockError::DirNotDirectory { .. }), "{err}");

        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = open_dir(&real).unwrap_err();
        assert!(
            matches!(err, LockError::DirOpenToOthers { mode: 0o777, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 700"), "{err}");
    }

    #[test]
    fn a_directory_of_another_user_is_refused() {
        let uid = rustix::process::geteuid().as_raw();
        let base = tempfile::tempdir().unwrap();
        // As root, a directory given away; otherwise `/`, which root owns.
        let theirs = if uid == 0 {
            let dir = base.path().join("theirs");
            std::fs::create_dir(&dir).unwrap();
            std::os::unix::fs::chown(&dir, Some(4242), Some(4242)).unwrap();
            dir
        } else {
            PathBuf::from("/")
        };
        let err = open_dir(&theirs).unwrap_err();
        assert!(
            matches!(err, LockError::DirNotOwned { uid: u, .. } if u == uid),
            "{err}"
        );
    }
}
