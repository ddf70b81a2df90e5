//! The agent's retry policy: after a failed reconcile, wait exponentially longer
//! (doubling from `initial` up to `max`), with jitter so a plant-wide outage does not
//! make every PLC retry in the same instant.

use std::time::Duration;

/// How long to wait before retrying a PLC whose reconcile failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub initial: Duration,
    /// Cap of the delay.
    pub max: Duration,
    /// Equal jitter: the delay is drawn from `[d/2, d]` where `d` is the doubled
    /// delay. Off only in tests that assert exact delays.
    pub jitter: bool,
}

impl Default for Backoff {
    /// 5 s doubling to 5 min, with jitter.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(300),
            jitter: true,
        }
    }
}

impl Backoff {
    /// The un-jittered delay after `failures` consecutive failures (1 = the first).
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// The delay after `failures` consecutive failures. With jitter it lies in
    /// `[ceiling/2, ceiling]`, so it never shrinks from one failure to the next until
    /// the cap is reached.
    pub fn delay(&self, failures: u32) -> Duration {
        let ceiling = self.ceiling(failures);
        if !self.jitter {
            return ceiling;
        }
        let half = ceiling / 2;
        half + half.mul_f64(unit_random())
    }
}

/// A number in `[0, 1)`, random enough for jitter: std's per-call random hasher
/// keys, so no RNG state is shared between reconciles.
fn unit_random() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(0u8);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_initial_to_the_cap() {
        let b = Backoff {
            jitter: false,
            ..Backoff::default()
        };
        let secs: Vec<u64> = (1..=8).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(300));
    }

    #[test]
    fn jitter_stays_within_half_and_full_delay_and_never_shrinks() {
        let b = Backoff::default();
        let mut previous = Duration::ZERO;
        for n in 1..=10 {
            let d = b.delay(n);
            assert!(d >= b.ceiling(n) / 2 && d <= b.ceiling(n), "{n}: {d:?}");
            if b.ceiling(n) < b.max {
                assert!(d >= previous, "{n}: {d:?} < {previous:?}");
            }
            previous = d;
        }
    }
}
