//! A per-device write lock on this host, so two fabctl processes never interleave
//! their compare-and-set and write on one PLC: the second waits, re-reads, and reports
//! `stale` instead of overwriting the first. Modbus has no atomic compare-and-set, so
//! across hosts this lock cannot help; `docs/safety.md` says so.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to wait for another fabctl writing the same PLC.
pub const WAIT: Duration = Duration::from_secs(60);

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

/// The lock file of a device (its identity, port and unit id).
pub fn path(host: &str, port: u16, unit: u8) -> PathBuf {
    // One device under two spellings (a name and its address) is one lock.
    let host: String = crate::device::endpoint::identity(host)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::env::temp_dir()
        .join("fabctl-locks")
        .join(format!("{host}_{port}_{unit}.lock"))
}

/// Why a device's lock could not be taken. Cheap to clone: every register of the
/// device reports it.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: Arc<std::io::Error>,
    },
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
pub async fn acquire(host: &str, port: u16, unit: u8) -> Result<DeviceLock, LockError> {
    let path = path(host, port, unit);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| LockError::CreateDir {
            dir: dir.to_path_buf(),
            source: Arc::new(e),
        })?;
    }
    let file = match File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) => {
            return Err(LockError::Open {
                path,
                source: Arc::new(e),
            });
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_for_the_first() {
        let host = format!("lock-test-{}", std::process::id());
        let first = acquire(&host, 1, 1).await.unwrap();
        let waiter = tokio::spawn({
            let host = host.clone();
            async move { acquire(&host, 1, 1).await.map(|_| Instant::now()) }
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
}
