//! Process plumbing the commands share, none of it Modbus or manifests: heap policy,
//! open-file limits, logging, signals, the progress bar, and the parallel map.

pub mod heap;
pub mod limits;
pub mod logging;
pub mod parallel;
pub mod progress;
pub mod signal;
