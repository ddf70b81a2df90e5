//! Cron expressions, for write windows and `reconcile --schedule`: parsed and
//! evaluated by croner, with the standard (Vixie) meaning. When both day-of-month and
//! day-of-week are restricted, a day matching either counts; a field that starts with
//! `*` (`*`, `*/2`) is no restriction. Fields are minute, hour, day-of-month, month
//! and day-of-week, optionally preceded by seconds; months and weekdays may be named
//! (`jan`, `mon`), and day-of-week 7 is Sunday as 0 is.

use std::fmt;

use croner::parser::{CronParser, Seconds};

/// What a cron expression may hold besides the five standard fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fields {
    /// Exactly five (write windows).
    Five,
    /// Five, or six with seconds first (`reconcile --schedule`).
    FiveOrSix,
}

/// A parsed cron expression.
#[derive(Clone, Debug)]
pub struct Cron {
    cron: croner::Cron,
    /// Six fields, seconds first, as written (`0` seconds for a 5-field expression).
    seconds_first: String,
}

/// Why a cron expression does not parse.
#[derive(Debug, thiserror::Error)]
pub enum CronError {
    /// Callers say which counts they take, in their own words.
    #[error("has {count} fields")]
    FieldCount { count: usize },
    #[error("{field}: {problem}")]
    Field {
        field: &'static str,
        problem: FieldProblem,
    },
    /// Fields that each parse but not together.
    #[error("{source}")]
    Rejected {
        #[source]
        source: croner::errors::CronError,
    },
}

/// What is wrong with one field.
#[derive(Debug, thiserror::Error)]
pub enum FieldProblem {
    #[error("{text:?} is not a number")]
    NotANumber { text: String },
    #[error("{value} is outside {lo}-{hi}")]
    OutOfRange { value: u32, lo: u32, hi: u32 },
    #[error("bad step in {part:?}")]
    BadStep { part: String },
    #[error("range {range:?} runs backwards")]
    Backwards { range: String },
    /// Anything else croner refuses, in its words.
    #[error("{source}")]
    Rejected {
        #[source]
        source: croner::errors::CronError,
    },
}

/// One field's name and values, for checking it and for messages.
struct Field {
    name: &'static str,
    lo: u32,
    hi: u32,
    /// `names[i]` is value `i + first_name`.
    names: &'static [&'static str],
    first_name: u32,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// The six fields in order, seconds first.
const FIELDS: [Field; 6] = [
    Field::numbers("second", 0, 59),
    Field::numbers("minute", 0, 59),
    Field::numbers("hour", 0, 23),
    Field::numbers("day-of-month", 1, 31),
    Field {
        name: "month",
        lo: 1,
        hi: 12,
        names: &MONTHS,
        first_name: 1,
    },
    Field {
        name: "day-of-week",
        lo: 0,
        hi: 7,
        names: &WEEKDAYS,
        first_name: 0,
    },
];
const DAY_OF_MONTH: usize = 3;
const DAY_OF_WEEK: usize = 5;

impl Field {
    const fn numbers(name: &'static str, lo: u32, hi: u32) -> Field {
        Field {
            name,
            lo,
            hi,
            names: &[],
            first_name: 0,
        }
    }
}

impl Cron {
    /// Parses `text`, whose fields are separated by whitespace.
    pub fn parse(text: &str, fields: Fields) -> Result<Cron, CronError> {
        let mut six: Vec<&str> = text.split_whitespace().collect();
        match (six.len(), fields) {
            (5, _) => six.insert(0, "0"),
            (6, Fields::FiveOrSix) => {}
            (count, _) => return Err(CronError::FieldCount { count }),
        }
        for (i, field) in FIELDS.iter().enumerate() {
            check(i, field, six[i])?;
        }
        let seconds_first = six.join(" ");
        // croner counts only a bare `*` as unrestricted; Vixie cron any field that
        // starts with `*`. `+` is croner's mark for "day-of-month and day-of-week".
        let day_of_week;
        if (six[DAY_OF_MONTH].starts_with('*') || six[DAY_OF_WEEK].starts_with('*'))
            && !six[DAY_OF_WEEK].starts_with('+')
        {
            day_of_week = format!("+{}", six[DAY_OF_WEEK]);
            six[DAY_OF_WEEK] = &day_of_week;
        }
        let cron = parser()
            .parse(&six.join(" "))
            .map_err(|source| CronError::Rejected { source })?;
        Ok(Cron {
            cron,
            seconds_first,
        })
    }

    /// Whether the schedule fires at `t` (to the second), a civil time in the
    /// schedule's time zone.
    pub fn matches(&self, t: jiff::civil::DateTime) -> bool {
        let naive = chrono::NaiveDate::from_ymd_opt(
            i32::from(t.year()),
            t.month().unsigned_abs().into(),
            t.day().unsigned_abs().into(),
        )
        .and_then(|d| {
            d.and_hms_opt(
                t.hour().unsigned_abs().into(),
                t.minute().unsigned_abs().into(),
                t.second().unsigned_abs().into(),
            )
        });
        // Matching looks at the fields only: UTC stands for "this civil time".
        naive.is_some_and(|n| self.cron.is_time_matching(&n.and_utc()).unwrap_or(false))
    }

    /// The first time after `t` at which the schedule fires, in UTC; `None` when it
    /// never does (such as `0 0 30 2 *`).
    pub fn next_after(&self, t: jiff::Timestamp) -> Option<jiff::Timestamp> {
        // Whole seconds: the schedule fires at the start of a second.
        let from = chrono::DateTime::from_timestamp(t.as_second(), 0)?;
        let next = self.cron.find_next_occurrence(&from, false).ok()?;
        jiff::Timestamp::from_second(next.timestamp()).ok()
    }
}

/// Six fields, seconds first: `0 */5 * * * *`.
impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.seconds_first)
    }
}

fn parser() -> CronParser {
    CronParser::builder().seconds(Seconds::Required).build()
}

/// Parses field `i` alone (every other field `*`), so an error names its field.
fn check(i: usize, field: &Field, text: &str) -> Result<(), CronError> {
    let alone = |text: &str| {
        let mut six = ["*"; 6];
        six[i] = text;
        parser().parse(&six.join(" "))
    };
    let Err(whole) = alone(text) else {
        return Ok(());
    };
    // The first part of a list croner refuses, in the words of a person.
    let problem = text
        .split(',')
        .filter_map(|part| alone(part).err().map(|e| (part, e)))
        .next()
        .map_or(
            FieldProblem::Rejected { source: whole },
            |(part, source)| explain(field, part).unwrap_or(FieldProblem::Rejected { source }),
        );
    Err(CronError::Field {
        field: field.name,
        problem,
    })
}

/// What is wrong with one part of a field (`*`, `*/n`, `a`, `a-b`, `a-b/n`), if it is
/// one of the usual mistakes.
fn explain(field: &Field, part: &str) -> Option<FieldProblem> {
    let value = |s: &str| -> Result<u32, FieldProblem> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = field.names.iter().position(|n| *n == lower) {
            return Ok(i as u32 + field.first_name);
        }
        let value: u32 = s
            .parse()
            .map_err(|_| FieldProblem::NotANumber { text: s.into() })?;
        if value < field.lo || value > field.hi {
            return Err(FieldProblem::OutOfRange {
                value,
                lo: field.lo,
                hi: field.hi,
            });
        }
        Ok(value)
    };
    let (range, step) = part.split_once('/').unwrap_or((part, "1"));
    if step.parse::<u32>().ok().filter(|s| *s > 0).is_none() {
        return Some(FieldProblem::BadStep { part: part.into() });
    }
    if range == "*" {
        return None;
    }
    let (start, end) = range.split_once('-').unwrap_or((range, range));
    match (value(start), value(end)) {
        (Err(problem), _) | (_, Err(problem)) => Some(problem),
        (Ok(start), Ok(end)) if start > end => Some(FieldProblem::Backwards {
            range: range.into(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> jiff::civil::DateTime {
        text.parse().unwrap()
    }

    #[test]
    fn five_fields_are_minute_hour_day_month_weekday() {
        // 06:30 on 2 March: a wrong field order would look for minute 6 or day 30.
        let cron = Cron::parse("30 6 2 3 *", Fields::Five).unwrap();
        assert!(cron.matches(at("2026-03-02T06:30:00")));
        assert!(!cron.matches(at("2026-03-02T06:30:01")));
        assert!(!cron.matches(at("2026-02-03T06:30:00")));
        assert!(!cron.matches(at("2026-03-30T06:02:00")));
        // Weekdays by name and number; 7 is Sunday.
        let weekend = Cron::parse("0 6 * * sat,7", Fields::Five).unwrap();
        assert!(weekend.matches(at("2026-11-28T06:00:00"))); // a Saturday
        assert!(weekend.matches(at("2026-11-29T06:00:00"))); // a Sunday
        assert!(!weekend.matches(at("2026-11-27T06:00:00"))); // a Friday
    }

    #[test]
    fn day_of_month_or_day_of_week_as_vixie_cron() {
        // Both restricted: the 1st of the month, and every Monday.
        let either = Cron::parse("0 9 1 * mon", Fields::Five).unwrap();
        assert!(either.matches(at("2026-12-01T09:00:00"))); // a Tuesday, the 1st
        assert!(either.matches(at("2026-12-07T09:00:00"))); // a Monday
        assert!(!either.matches(at("2026-12-08T09:00:00")));
        // A field starting with `*` is no restriction: odd days that are Mondays.
        let both = Cron::parse("0 9 */2 * mon", Fields::Five).unwrap();
        assert!(both.matches(at("2026-12-07T09:00:00"))); // Monday the 7th
        assert!(!both.matches(at("2026-12-14T09:00:00"))); // Monday the 14th
        assert!(!both.matches(at("2026-12-09T09:00:00"))); // Wednesday the 9th
    }

    #[test]
    fn six_fields_put_seconds_first() {
        let cron = Cron::parse("*/10 * * * * *", Fields::FiveOrSix).unwrap();
        assert_eq!(cron.to_string(), "*/10 * * * * *");
        assert!(cron.matches(at("2026-11-24T12:00:20")));
        assert!(!cron.matches(at("2026-11-24T12:00:21")));
        let five = Cron::parse("*/5 * * * *", Fields::FiveOrSix).unwrap();
        assert_eq!(five.to_string(), "0 */5 * * * *");
        assert!(matches!(
            Cron::parse("*/10 * * * * *", Fields::Five),
            Err(CronError::FieldCount { count: 6 })
        ));
        assert!(matches!(
            Cron::parse("* * *", Fields::FiveOrSix),
            Err(CronError::FieldCount { count: 3 })
        ));
    }

    #[test]
    fn the_next_occurrence_is_strictly_later_and_in_utc() {
        let cron = Cron::parse("*/15 * * * *", Fields::FiveOrSix).unwrap();
        let now: jiff::Timestamp = "2026-11-24T12:07:30.5Z".parse().unwrap();
        assert_eq!(
            cron.next_after(now),
            Some("2026-11-24T12:15:00Z".parse().unwrap())
        );
        let on_time: jiff::Timestamp = "2026-11-24T12:15:00Z".parse().unwrap();
        assert_eq!(
            cron.next_after(on_time),
            Some("2026-11-24T12:30:00Z".parse().unwrap())
        );
        let never = Cron::parse("0 0 30 2 *", Fields::Five).unwrap();
        assert_eq!(never.next_after(now), None);
    }

    #[test]
    fn errors_name_the_field_and_the_mistake() {
        let message = |text: &str| Cron::parse(text, Fields::Five).unwrap_err().to_string();
        assert_eq!(message("0 25 * * *"), "hour: 25 is outside 0-23");
        assert_eq!(message("60 * * * *"), "minute: 60 is outside 0-59");
        assert_eq!(message("0 0 * * 1,8"), "day-of-week: 8 is outside 0-7");
        assert_eq!(message("0 0 0 * *"), "day-of-month: 0 is outside 1-31");
        assert_eq!(message("0 0 * foo *"), "month: \"foo\" is not a number");
        assert_eq!(message("*/0 * * * *"), "minute: bad step in \"*/0\"");
        assert_eq!(message("0 9-5 * * *"), "hour: range \"9-5\" runs backwards");
    }
}
