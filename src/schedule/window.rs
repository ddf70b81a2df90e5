//! Write windows (`spec.writeWindows`): the times a PLC may be written, each a cron
//! schedule (standard 5 fields, evaluated in a time zone) that opens the window and a
//! duration that keeps it open. Outside every window, reconcile and the agent report
//! drift as blocked and write nothing; a manual apply needs `--ignore-windows`.
//!
//! Cron semantics are the standard (Vixie) ones: when both day-of-month and
//! day-of-week are restricted, a day matching either counts.

use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Longest window: a window is found by scanning back from now over its duration.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

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
    ) -> Result<Window, String> {
        let cron = Cron::parse(schedule)?;
        let duration = crate::schedule::duration::parse_duration(duration)?;
        if duration.is_zero() || duration > MAX_DURATION {
            return Err(format!(
                "duration must be more than 0 and at most 7 days, got {}s",
                duration.as_secs()
            ));
        }
        let zone = match time_zone {
            None | Some("UTC") => TimeZone::UTC,
            Some(name) => TimeZone::get(name).map_err(|_| {
                format!("unknown time zone {name:?}; use an IANA name such as Europe/Berlin")
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

/// A 5-field cron expression as sets of allowed values.
#[derive(Clone, Debug, PartialEq)]
struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    days_restricted: bool,
    weekdays_restricted: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Cron {
    fn parse(text: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields.as_slice() else {
            return Err(format!(
                "schedule {text:?} must have 5 fields: minute hour day-of-month month day-of-week (e.g. \"0 22 * * 1-5\")"
            ));
        };
        let mut weekdays =
            field(weekday, 0, 7, &WEEKDAYS, 0).map_err(|e| format!("day-of-week: {e}"))?;
        if weekdays[7] {
            weekdays[0] = true;
        }
        Ok(Cron {
            minutes: field(minute, 0, 59, &[], 0).map_err(|e| format!("minute: {e}"))?,
            hours: field(hour, 0, 23, &[], 0).map_err(|e| format!("hour: {e}"))?,
            days: field(day, 1, 31, &[], 0).map_err(|e| format!("day-of-month: {e}"))?,
            months: field(month, 1, 12, &MONTHS, 1).map_err(|e| format!("month: {e}"))?,
            weekdays,
            days_restricted: !day.starts_with('*'),
            weekdays_restricted: !weekday.starts_with('*'),
        })
    }

    fn matches(&self, t: DateTime) -> bool {
        let day_ok = self.days[t.day() as usize];
        let weekday_ok = self.weekdays[t.weekday().to_sunday_zero_offset() as usize];
        let date_ok = match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => day_ok || weekday_ok,
            _ => day_ok && weekday_ok,
        };
        self.minutes[t.minute() as usize]
            && self.hours[t.hour() as usize]
            && self.months[t.month() as usize]
            && date_ok
    }
}

/// One cron field: `*`, `*/n`, `a`, `a-b`, `a-b/n`, comma lists; names for months and
/// weekdays (`names[i]` is value `i + first_name`).
fn field(
    text: &str,
    lo: u32,
    hi: u32,
    names: &[&str],
    first_name: u32,
) -> Result<Vec<bool>, String> {
    let mut set = vec![false; hi as usize + 1];
    let value = |s: &str| -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + first_name);
        }
        let v: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
        if v < lo || v > hi {
            return Err(format!("{v} is outside {lo}-{hi}"));
        }
        Ok(v)
    };
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        let (start, end) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if step > 1 { hi } else { v })
        };
        if start > end {
            return Err(format!("range {range:?} runs backwards"));
        }
        for v in (start..=end).step_by(step as usize) {
            set[v as usize] = true;
        }
    }
    Ok(set)
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
        assert!(
            Window::parse("0 22 * *", "1h", None)
                .unwrap_err()
                .contains("must have 5 fields")
        );
        assert_eq!(
            Window::parse("0 25 * * *", "1h", None).unwrap_err(),
            "hour: 25 is outside 0-23"
        );
        assert!(
            Window::parse("0 22 * * *", "0s", None)
                .unwrap_err()
                .contains("more than 0")
        );
        assert!(
            Window::parse("0 22 * * *", "1h", Some("Mars/Olympus"))
                .unwrap_err()
                .contains("unknown time zone")
        );
    }
}
