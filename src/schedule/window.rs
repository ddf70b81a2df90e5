//! Write windows (`spec.writeWindows`): the times a PLC may be written, each a cron
//! schedule (standard 5 fields, evaluated in a time zone) that opens the window and a
//! duration that keeps it open. Outside every window, reconcile and the agent report
//! drift as blocked and write nothing; a manual apply needs `--ignore-windows`.
//!
//! Cron semantics are the standard (Vixie) ones ([`crate::schedule::cron`]): when both
//! day-of-month and day-of-week are restricted, a day matching either counts.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::schedule::cron::{Cron, CronError, Fields};

/// Longest window: a window is found by scanning back from now over its duration.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why a write window does not parse.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    #[error(
        "schedule {schedule:?} must have 5 fields: minute hour day-of-month month day-of-week (e.g. \"0 22 * * 1-5\")"
    )]
    FieldCount { schedule: String },
    #[error(transparent)]
    Cron(CronError),
    /// `duration` is not a duration; the reason says why.
    #[error("{reason}")]
    Duration { reason: String },
    #[error(
        "duration must be more than 0 and at most 7 days, got {}s",
        duration.as_secs()
    )]
    DurationRange { duration: Duration },
    #[error("unknown time zone {name:?}; use an IANA name such as Europe/Berlin")]
    UnknownZone { name: String },
}

/// A parsed, usable write window.
#[derive(Clone, Debug)]
pub struct Window {
    cron: Cron,
    duration: Duration,
    zone: TimeZone,
    /// As written, for messages.
    pub text: String,
}

impl PartialEq for Window {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Window {
    /// Parses `schedule` (5-field cron), `duration` (e.g. `2h`, `30m`) and `time_zone`
    /// (IANA name such as `Europe/Berlin`; default UTC).
    pub fn parse(
        schedule: &str,
        duration: &str,
        time_zone: Option<&str>,
    ) -> Result<Window, WindowError> {
        let cron = Cron::parse(schedule, Fields::Five).map_err(|e| match e {
            CronError::FieldCount { .. } => WindowError::FieldCount {
                schedule: schedule.to_owned(),
            },
            e => WindowError::Cron(e),
        })?;
        let duration = crate::schedule::duration::parse_duration(duration)
            .map_err(|reason| WindowError::Duration { reason })?;
        if duration.is_zero() || duration > MAX_DURATION {
            return Err(WindowError::DurationRange { duration });
        }
        let zone = match time_zone {
            None | Some("UTC") => TimeZone::UTC,
            Some(name) => TimeZone::get(name).map_err(|_| WindowError::UnknownZone {
                name: name.to_owned(),
            })?,
        };
        Ok(Window {
            cron,
            duration,
            zone,
            text: format!(
                "{schedule:?} for {} ({})",
                humanize(duration),
                time_zone.unwrap_or("UTC")
            ),
        })
    }

    /// Whether the window is open at `now`: some start time matching the schedule lies
    /// in `(now - duration, now]`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let zoned = now.to_zoned(self.zone.clone());
        let now_civil = zoned.datetime();
        // A start at hh:mm opens the window for all of that minute.
        let Ok(minute) = now_civil.with().second(0).subsec_nanosecond(0).build() else {
            return false;
        };
        let into_minute = u64::from(now_civil.second().unsigned_abs());
        let minutes_back = self.duration.as_secs() / 60 + 1;
        (0..=minutes_back).any(|k| {
            let Ok(start) = minute.checked_sub(jiff::Span::new().minutes(k as i64)) else {
                return false;
            };
            k * 60 + into_minute < self.duration.as_secs() && self.cron.matches(start)
        })
    }
}

/// Whether writes are allowed now: no windows declared, or one of them is open.
pub fn allowed(windows: &[Window], now: Timestamp) -> bool {
    windows.is_empty() || windows.iter().any(|w| w.is_open(now))
}

/// [`allowed`] for windows as a manifest or a plan file declares them. A window that
/// does not parse (only possible in an edited plan: manifests are validated) never
/// opens.
pub fn specs_allow(specs: &[crate::manifest::spec::WriteWindowSpec], now: Timestamp) -> bool {
    let windows: Option<Vec<Window>> = specs
        .iter()
        .map(|w| Window::parse(&w.schedule, &w.duration, w.time_zone.as_deref()).ok())
        .collect();
    windows.is_some_and(|w| allowed(&w, now))
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_nightly_window_is_open_from_its_start_for_its_duration() {
        let w = Window::parse("0 22 * * *", "8h", None).unwrap();
        assert!(!w.is_open(at("2026-11-24T21:59:59Z")));
        assert!(w.is_open(at("2026-11-24T22:00:00Z")));
        assert!(w.is_open(at("2026-11-25T05:59:59Z")));
        assert!(!w.is_open(at("2026-11-25T06:00:00Z")));
    }

    #[test]
    fn time_zones_shift_the_window() {
        // 22:00 in Berlin is 21:00 UTC in winter.
        let w = Window::parse("0 22 * * *", "1h", Some("Europe/Berlin")).unwrap();
        assert!(w.is_open(at("2026-11-24T21:30:00Z")));
        assert!(!w.is_open(at("2026-11-24T22:30:00Z")));
    }

    #[test]
    fn weekdays_and_lists() {
        // Saturdays and Sundays, 06:00-06:30.
        let w = Window::parse("0 6 * * sat,sun", "30m", None).unwrap();
        assert!(w.is_open(at("2026-11-28T06:10:00Z"))); // a Saturday
        assert!(!w.is_open(at("2026-11-27T06:10:00Z"))); // a Friday
        let steps = Window::parse("*/15 * * * *", "5m", None).unwrap();
        assert!(steps.is_open(at("2026-11-27T06:31:00Z")));
        assert!(!steps.is_open(at("2026-11-27T06:36:00Z")));
    }

    #[test]
    fn no_windows_means_always_allowed() {
        assert!(allowed(&[], at("2026-11-24T12:00:00Z")));
        let w = Window::parse("0 22 * * *", "1h", None).unwrap();
        assert!(!allowed(&[w], at("2026-11-24T12:00:00Z")));
    }

    #[test]
    fn bad_windows_say_why() {
        let message = |schedule: &str, duration: &str, zone: Option<&str>| {
            Window::parse(schedule, duration, zone)
                .unwrap_err()
                .to_string()
        };
        assert!(message("0 22 * *", "1h", None).contains("must have 5 fields"));
        assert_eq!(
            message("0 25 * * *", "1h", None),
            "hour: 25 is outside 0-23"
        );
        assert!(message("0 22 * * *", "0s", None).contains("more than 0"));
        assert!(message("0 22 * * *", "1h", Some("Mars/Olympus")).contains("unknown time zone"));
    }
}
