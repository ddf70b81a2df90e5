//! The heap setting of the long-running commands, checked on the process-wide
//! allocator. A test binary of its own: other tests allocating and freeing in
//! parallel would leave room in the heap and make the check flaky.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use fabctl::process::heap::{BUFFER_THRESHOLD, keep_buffers_off_the_heap};

/// Bytes usable in the chunk behind `buffer`.
fn usable(buffer: &[u8]) -> usize {
    // SAFETY: the pointer is a live allocation of the global allocator, which is the
    // system malloc in tests; malloc_usable_size only reads its header.
    unsafe { libc::malloc_usable_size(buffer.as_ptr().cast_mut().cast()) }
}

#[test]
fn buffers_that_would_grow_the_heap_get_pages_of_their_own() {
    assert!(keep_buffers_off_the_heap());
    // glibc maps a chunk of its own only when the heap has no room left (then it would
    // have grown the heap, whose pages a small long-lived object could pin). 4 MB of
    // buffers fill any room there is many times over.
    let buffers: Vec<Vec<u8>> = (0..1024).map(|_| vec![1u8; BUFFER_THRESHOLD]).collect();
    // A heap chunk has a word or two of slack; a chunk of its own pages has the rest
    // of the page its header spilled into.
    let own_pages = buffers
        .iter()
        .filter(|b| usable(b) >= 2 * BUFFER_THRESHOLD - 64)
        .count();
    assert!(
        own_pages >= 512,
        "{own_pages} of 1024 buffers on pages of their own"
    );
}
