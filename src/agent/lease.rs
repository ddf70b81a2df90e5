//! Leader election on a `coordination.k8s.io/v1` Lease, decided without I/O: given
//! the Lease as last read, when this candidate first saw it so, its identity and
//! the time, whether to create the Lease, renew it, take it over, or stand by.
//!
//! Time is judged on the candidate's own monotonic clock, never by comparing the
//! `renewTime` another host wrote with ours (as client-go does): a Lease is expired
//! when it has not changed for its duration since this candidate first saw it.
//! The leader counts its own deadline from before it sent a renewal, and stops at
//! the renew deadline, shorter than the duration: it has stopped before any standby
//! can see its Lease unchanged for a whole duration.

use std::time::{Duration, Instant};

/// How an election is timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How long a Lease that is not renewed keeps others waiting (`--lease-duration`).
    pub duration: Duration,
    /// How long after a renewal was sent the leader keeps writing without another
    /// successful one: two thirds of the duration.
    pub renew_deadline: Duration,
    /// How often the Lease is read and renewed: a fifth of the duration.
    pub retry: Duration,
}

impl Timing {
    /// Client-go's proportions (15 s, 10 s, 2 s), from the duration.
    pub fn of(duration: Duration) -> Timing {
        Timing {
            duration,
            renew_deadline: duration * 2 / 3,
            retry: duration / 5,
        }
    }
}

/// The part of a Lease an election reads; while it stays equal, the Lease has not
/// been renewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// `holderIdentity`; `None` or empty: released.
    pub holder: Option<String>,
    /// `renewTime` as written, only to see that it changed.
    pub renew_time: Option<jiff::Timestamp>,
    /// `leaseDurationSeconds`; `None`: ours.
    pub duration: Option<Duration>,
}

impl Record {
    fn holder(&self) -> Option<&str> {
        self.holder.as_deref().filter(|h| !h.is_empty())
    }
}

/// What one candidate remembers between attempts: the Lease as last read and when it
/// first read it so.
#[derive(Debug, Default)]
pub struct Observed {
    last: Option<(Record, Instant)>,
}

impl Observed {
    /// Notes the Lease as read `now` (`None`: there is none) and returns when it was
    /// first seen as it is.
    pub fn note(&mut self, record: Option<&Record>, now: Instant) -> Instant {
        match (record, &mut self.last) {
            (Some(r), Some((last, since))) if r == last => *since,
            (Some(r), _) => {
                self.last = Some((r.clone(), now));
                now
            }
            (None, _) => {
                self.last = None;
                now
            }
        }
    }
}

/// What to do after reading the Lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// There is no Lease: create it, held by us.
    Create,
    /// We hold it: renew it.
    Renew,
    /// Released, or expired: take it over (one more transition).
    TakeOver {
        /// The holder whose Lease expired; `None`: it was released.
        from: Option<String>,
    },
    /// Someone else holds it: do not write; look again after the retry period.
    Standby {
        holder: String,
        /// When, at the earliest, the Lease may be taken over if it stays as it is.
        expires: Instant,
    },
}

/// Decides for candidate `me` at `now`, the Lease read as `record` and first seen so
/// at `since`; `ours` is the duration when the Lease names none.
pub fn decide(
    record: Option<&Record>,
    since: Instant,
    me: &str,
    ours: Duration,
    now: Instant,
) -> Decision {
    let Some(record) = record else {
        return Decision::Create;
    };
    match record.holder() {
        None => Decision::TakeOver { from: None },
        Some(holder) if holder == me => Decision::Renew,
        Some(holder) => {
            let expires = since + record.duration.unwrap_or(ours);
            if now >= expires {
                Decision::TakeOver {
                    from: Some(holder.to_owned()),
                }
            } else {
                Decision::Standby {
                    holder: holder.to_owned(),
                    expires,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Duration = Duration::from_secs(15);

    fn held_by(holder: &str, renewed: i64) -> Record {
        Record {
            holder: Some(holder.into()),
            renew_time: Some(jiff::Timestamp::from_second(renewed).unwrap()),
            duration: Some(D),
        }
    }

    #[test]
    fn timing_follows_client_go_proportions() {
        assert_eq!(
            Timing::of(D),
            Timing {
                duration: D,
                renew_deadline: Duration::from_secs(10),
                retry: Duration::from_secs(3),
            }
        );
    }

    #[test]
    fn no_lease_is_created_and_our_own_is_renewed() {
        let t0 = Instant::now();
        assert_eq!(decide(None, t0, "a", D, t0), Decision::Create);
        let ours = held_by("a", 100);
        assert_eq!(decide(Some(&ours), t0, "a", D, t0 + D * 4), Decision::Renew);
    }

    #[test]
    fn another_holder_is_waited_for_until_its_lease_was_unchanged_for_the_duration() {
        let t0 = Instant::now();
        let mut observed = Observed::default();
        let theirs = held_by("b", 100);
        let since = observed.note(Some(&theirs), t0);
        assert_eq!(
            decide(
                Some(&theirs),
                since,
                "a",
                D,
                t0 + D - Duration::from_millis(1)
            ),
            Decision::Standby {
                holder: "b".into(),
                expires: t0 + D
            }
        );
        // Read again, unchanged: still counted from the first sight.
        let since = observed.note(Some(&theirs), t0 + D);
        assert_eq!(
            decide(Some(&theirs), since, "a", D, t0 + D),
            Decision::TakeOver {
                from: Some("b".into())
            }
        );
    }

    #[test]
    fn a_renewal_restarts_the_wait_whatever_the_renew_time_says() {
        let t0 = Instant::now();
        let mut observed = Observed::default();
        observed.note(Some(&held_by("b", 100)), t0);
        // The holder's clock may be far behind ours: only the change counts.
        let renewed = held_by("b", 50);
        let since = observed.note(Some(&renewed), t0 + D);
        assert_eq!(since, t0 + D);
        assert!(matches!(
            decide(
                Some(&renewed),
                since,
                "a",
                D,
                t0 + D + Duration::from_secs(1)
            ),
            Decision::Standby { .. }
        ));
    }

    #[test]
    fn a_released_lease_is_taken_over_at_once() {
        let t0 = Instant::now();
        let released = Record {
            holder: Some(String::new()),
            ..held_by("b", 100)
        };
        assert_eq!(
            decide(Some(&released), t0, "a", D, t0),
            Decision::TakeOver { from: None }
        );
    }

    #[test]
    fn the_lease_names_the_duration_others_wait() {
        let t0 = Instant::now();
        let short = Record {
            duration: Some(Duration::from_secs(2)),
            ..held_by("b", 100)
        };
        assert!(matches!(
            decide(Some(&short), t0, "a", D, t0 + Duration::from_secs(2)),
            Decision::TakeOver { .. }
        ));
    }

    #[test]
    fn the_leader_stops_before_a_standby_may_take_over() {
        let timing = Timing::of(Duration::from_secs(1));
        assert!(timing.renew_deadline + timing.retry <= timing.duration);
        assert!(timing.renew_deadline < timing.duration);
    }
}
