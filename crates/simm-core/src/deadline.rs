//! An assessment's deadline: a local date and time in a named time zone
//! (IANA, such as `Europe/Berlin`), kept as the instant it stands for and
//! shown to respondents in the zone it was set in. The zone database is
//! compiled in; the core reads no file and has no clock.

use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Disambiguation, TimeZone};

use crate::suggest::quote_value;

/// A deadline, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The instant, in Unix seconds.
    unix: i64,
    zone: String,
    local: DateTime,
}

/// What is wrong with a deadline, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct DeadlineError {
    pub field: &'static str,
    pub problem: String,
}

fn error(field: &'static str, problem: String) -> DeadlineError {
    DeadlineError { field, problem }
}

impl Deadline {
    /// `local` is `YYYY-MM-DDTHH:MM` (seconds allowed), read in `zone`. A
    /// time the zone skips (clocks going forward) or passes twice (going
    /// back) is refused with the reason, so that no respondent reads a
    /// deadline an hour off.
    pub fn parse(local: &str, zone: &str) -> Result<Deadline, DeadlineError> {
        let zone_name = zone.trim();
        let tz = TimeZone::get(zone_name).map_err(|_| {
            error(
                "time_zone",
                format!(
                    "{} is not a time zone of the IANA database, such as Europe/Berlin, America/New_York or UTC",
                    quote_value(zone)
                ),
            )
        })?;
        let text = local.trim();
        let local_time: DateTime = text.parse().map_err(|_| {
            error(
                "closes_at",
                format!(
                    "{} is not a local date and time such as 2026-12-15T17:00",
                    quote_value(local)
                ),
            )
        })?;
        let ambiguous = tz.to_ambiguous_zoned_datetime(local_time);
        if ambiguous.is_ambiguous() {
            let kind = if matches!(ambiguous.offset(), AmbiguousOffset::Gap { .. }) {
                "does not exist: the clocks skip it"
            } else {
                "happens twice: the clocks go back over it"
            };
            return Err(error(
                "closes_at",
                format!("{text} {kind} in {zone_name}; choose another time"),
            ));
        }
        let zoned = ambiguous
            .disambiguate(Disambiguation::Reject)
            .map_err(|problem| error("closes_at", problem.to_string()))?;
        Ok(Deadline {
            unix: zoned.timestamp().as_second(),
            zone: zone_name.to_owned(),
            local: local_time,
        })
    }

    /// The deadline of a stored instant and zone.
    pub fn from_stored(unix: i64, zone: &str) -> Option<Deadline> {
        let tz = TimeZone::get(zone).ok()?;
        let timestamp = jiff::Timestamp::from_second(unix).ok()?;
        Some(Deadline {
            unix,
            zone: zone.to_owned(),
            local: timestamp.to_zoned_datetime(tz).datetime(),
        })
    }

    pub fn unix(&self) -> i64 {
        self.unix
    }

    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// The local time as the API writes it: `2026-12-15T17:00`.
    pub fn local(&self) -> String {
        self.local.strftime("%Y-%m-%dT%H:%M").to_string()
    }
}

impl fmt::Display for Deadline {
    /// For respondents: `15 December 2026, 17:00 (Europe/Berlin)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}, {} ({})",
            self.local.day(),
            self.local.strftime("%B"),
            self.local.year(),
            self.local.strftime("%H:%M"),
            self.zone
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(local: &str, zone: &str, expected: Result<(i64, &str), &str>) {
        match (Deadline::parse(local, zone), expected) {
            (Ok(deadline), Ok((unix, shown))) => {
                assert_eq!(
                    (deadline.unix(), deadline.to_string().as_str()),
                    (unix, shown),
                    "{local} {zone}"
                );
                assert_eq!(
                    Deadline::from_stored(deadline.unix(), deadline.zone()),
                    Some(deadline)
                );
            }
            (Err(error), Err(needle)) => assert!(
                error.to_string().contains(needle),
                "{local} {zone}: {error}"
            ),
            (got, want) => panic!("{local} {zone}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn deadlines_are_read_in_their_zone_and_refused_with_the_field() {
        // 17:00 in Berlin in winter is 16:00 UTC; in New York, 22:00 UTC.
        check(
            "2026-12-15T17:00",
            "Europe/Berlin",
            Ok((1_797_350_400, "15 December 2026, 17:00 (Europe/Berlin)")),
        );
        check(
            "2026-12-15T17:00",
            "America/New_York",
            Ok((1_797_372_000, "15 December 2026, 17:00 (America/New_York)")),
        );
        check(
            "2026-07-01T09:30:00",
            "UTC",
            Ok((1_782_898_200, "1 July 2026, 09:30 (UTC)")),
        );
        check(
            "2026-12-15T17:00",
            "Europe/Berln",
            Err("time_zone: \"Europe/Berln\" is not a time zone"),
        );
        check(
            "15/12/2026 17:00",
            "Europe/Berlin",
            Err("closes_at: \"15/12/2026 17:00\" is not a local date and time"),
        );
        check(
            "2026-03-29T02:30",
            "Europe/Berlin",
            Err("closes_at: 2026-03-29T02:30 does not exist: the clocks skip it in Europe/Berlin"),
        );
        check(
            "2026-10-25T02:30",
            "Europe/Berlin",
            Err("closes_at: 2026-10-25T02:30 happens twice"),
        );
    }
}
