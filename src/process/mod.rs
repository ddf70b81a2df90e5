//! Process plumbing the commands share, none of it Modbus or manifests: heap policy,
//! open-file limits, the bounded listener of /metrics and /healthz, logging, signals,
//! the progress bar, and the parallel map.

pub mod heap;
pub mod limits;
pub mod listener;
pub mod logging;
pub mod parallel;
pub mod progress;
pub mod signal;
