//! How the long-running commands use the C heap (glibc's malloc, the global
//! allocator). Elsewhere than Linux with glibc both are no-ops.
//!
//! glibc keeps freed memory in its arenas and gives back only whole free pages.
//! Two patterns of the long-running commands would otherwise hold memory for ever:
//! - `reconcile` holds a whole tick (manifests, readings, plan) at once, then frees
//!   it: [`release_free_memory`] after each tick gives it back.
//! - `agent` runs up to `--parallelism` reconciles at once, each with a few buffers
//!   of 4 KB or more (its task, its Modbus connection's buffers), while the watch
//!   cache, the metrics and the memory of each PLC grow between them. The small
//!   long-lived objects land in the holes the buffers leave, so the buffers' pages
//!   can never be given back. [`keep_buffers_off_the_heap`] serves those buffers
//!   from their own pages instead (docs/performance.md: 14 KB per managed PLC at
//!   1,000 PLCs without it, under 10 KB with it, for about a tenth more CPU).

/// Allocations of at least this many bytes get pages of their own.
pub const BUFFER_THRESHOLD: usize = 4096;

/// Gives memory freed since the last call back to the operating system. A tick over
/// a large fleet briefly holds about 1 KB per register; without this a long-running
/// reconcile would hold the peak of its largest tick for ever.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it takes no
    // pointers and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// From now on, an allocation of [`BUFFER_THRESHOLD`] bytes or more that the heap
/// has no room for gets mapped pages of its own, returned to the kernel when freed,
/// instead of growing the heap (glibc's `M_MMAP_THRESHOLD`, which otherwise starts
/// at 128 KB and grows up to 32 MB as it sees large blocks freed). Returns whether
/// the allocator took the setting.
pub fn keep_buffers_off_the_heap() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(BUFFER_THRESHOLD).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes a tuning parameter of the allocator; it takes
        // no pointers and may be called at any time.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}
