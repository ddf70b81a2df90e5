//! An order-preserving parallel map on the machine's cores, for independent,
//! CPU-bound work over a fleet: loading manifest files, planning PLCs.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(index, item)` for every item, on up to one thread per core (the calling thread
/// is one of them), returned in the order of `items`: the result is exactly that of
/// `items.iter().enumerate().map(f)`. Threads take the next item as they finish one,
/// so uneven items balance. With fewer than `per_worker` items per thread the work
/// stays on the calling thread. A panic in `f` is resumed on the caller.
pub fn map<T, R, F>(items: &[T], per_worker: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> R + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let workers = cores.min(items.len() / per_worker.max(1)).max(1);
    if workers == 1 {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(i, item))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(i, item)));
        }
    };
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mine = work();
        let theirs = helpers.into_iter().map(|h| match h.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        });
        for (i, result) in std::iter::once(mine).chain(theirs).flatten() {
            slots[i] = Some(result);
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_of_the_items_whatever_thread_does_them() {
        let items: Vec<u64> = (0..10_000).collect();
        let squares = map(&items, 1, |i, x| {
            assert_eq!(i as u64, *x);
            x * x
        });
        assert_eq!(squares, items.iter().map(|x| x * x).collect::<Vec<_>>());
    }

    #[test]
    fn small_inputs_and_empty_ones() {
        assert_eq!(map(&[1, 2, 3], 16, |_, x| x + 1), vec![2, 3, 4]);
        assert!(map(&[] as &[u8], 1, |_, x| *x).is_empty());
    }

    #[test]
    #[should_panic(expected = "item 77")]
    fn a_panic_reaches_the_caller() {
        let items: Vec<usize> = (0..200).collect();
        map(&items, 1, |_, x| {
            if *x == 77 {
                panic!("item 77");
            }
            *x
        });
    }
}
