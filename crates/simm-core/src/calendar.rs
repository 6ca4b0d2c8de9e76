//! Calendar dates: a target's date and an action's due date. Only whole
//! days in UTC, written YYYY-MM-DD, with no time zone to get wrong; the
//! core has no clock, so "today" is always handed in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::suggest::quote_value;

/// A day of the Gregorian calendar from 1970-01-01 to 9999-12-31. Fields
/// are ordered year, month, day, so the derived order is the calendar's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a date, quoting the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is not a date: {problem}", quote_value(.value))]
pub struct DateError {
    value: String,
    problem: String,
}

const FIRST_YEAR: u16 = 1970;
const LAST_YEAR: u16 = 9999;

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl CalendarDate {
    /// Reads exactly `YYYY-MM-DD`: no other order, separator or time, so
    /// that 03/04 can never be read as the wrong day.
    pub fn parse(text: &str) -> Result<CalendarDate, DateError> {
        let fail = |problem: String| DateError {
            value: text.to_owned(),
            problem,
        };
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(at, byte)| at == 4 || at == 7 || byte.is_ascii_digit());
        if !shaped {
            return Err(fail("write it as YYYY-MM-DD, e.g. 2027-12-31".to_owned()));
        }
        // All ten bytes are ASCII, so slicing cannot split a character.
        let number = |range: std::ops::Range<usize>| -> u16 {
            text[range].parse().expect("checked to be digits")
        };
        let year = number(0..4);
        let month = number(5..7);
        let day = number(8..10);
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(fail(format!(
                "the year must be from {FIRST_YEAR} to {LAST_YEAR}"
            )));
        }
        if !(1..=12).contains(&month) {
            return Err(fail(format!(
                "there is no month {month}; months run from 01 to 12"
            )));
        }
        let month = month as u8;
        let days = days_in_month(year, month);
        if day == 0 || day > u16::from(days) {
            return Err(fail(format!(
                "{} {year} has {days} days",
                MONTH_NAMES[usize::from(month - 1)]
            )));
        }
        Ok(CalendarDate {
            year,
            month,
            day: day as u8,
        })
    }

    /// The UTC date of a Unix time, by Howard Hinnant's civil-from-days
    /// algorithm; `None` outside the years 1970 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<CalendarDate> {
        let days = seconds.div_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        let year = u16::try_from(year)
            .ok()
            .filter(|year| (FIRST_YEAR..=LAST_YEAR).contains(year))?;
        Some(CalendarDate {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    /// The month as `YYYY-MM`, as a target's reason names it ("by
    /// 2027-12").
    pub fn month(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CalendarDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<&str, &str>) {
        assert_eq!(
            CalendarDate::parse(text)
                .map(|date| date.to_string())
                .map_err(|error| error.to_string()),
            expected.map(str::to_owned).map_err(str::to_owned),
            "{text:?}"
        );
    }

    #[test]
    fn dates_are_read_as_yyyy_mm_dd_and_real_days_only() {
        check("2027-12-31", Ok("2027-12-31"));
        check("1970-01-01", Ok("1970-01-01"));
        check("9999-12-31", Ok("9999-12-31"));
        check("2024-02-29", Ok("2024-02-29"));
        check("2000-02-29", Ok("2000-02-29"));
        check(
            "2027-02-30",
            Err("\"2027-02-30\" is not a date: February 2027 has 28 days"),
        );
        check(
            "2100-02-29",
            Err("\"2100-02-29\" is not a date: February 2100 has 28 days"),
        );
        check(
            "2027-04-31",
            Err("\"2027-04-31\" is not a date: April 2027 has 30 days"),
        );
        check(
            "2027-01-00",
            Err("\"2027-01-00\" is not a date: January 2027 has 31 days"),
        );
        check(
            "2027-13-01",
            Err("\"2027-13-01\" is not a date: there is no month 13; months run from 01 to 12"),
        );
        check(
            "1969-12-31",
            Err("\"1969-12-31\" is not a date: the year must be from 1970 to 9999"),
        );
        for shapeless in [
            "31/12/2027",
            "2027-1-31",
            "2027-12-31T00:00:00Z",
            " 2027-12-31",
            "",
            "2027-12-3١",
            "+027-12-31",
        ] {
            check(
                shapeless,
                Err(&format!(
                    "{shapeless:?} is not a date: write it as YYYY-MM-DD, e.g. 2027-12-31"
                )),
            );
        }
    }

    #[test]
    fn unix_times_become_their_utc_day() {
        for (seconds, expected) in [
            (0, Some("1970-01-01")),
            (86_399, Some("1970-01-01")),
            (86_400, Some("1970-01-02")),
            (951_782_400, Some("2000-02-29")),
            (1_700_000_000, Some("2023-11-14")),
            (1_709_164_800, Some("2024-02-29")),
            (4_107_542_399, Some("2100-02-28")),
            (253_402_300_799, Some("9999-12-31")),
            (253_402_300_800, None),
            (-1, None),
        ] {
            assert_eq!(
                CalendarDate::from_unix_seconds(seconds).map(|date| date.to_string()),
                expected.map(str::to_owned),
                "{seconds}"
            );
        }
    }

    #[test]
    fn dates_order_as_the_calendar_and_name_their_month() {
        let date = |text| CalendarDate::parse(text).unwrap();
        assert!(date("2027-01-31") < date("2027-02-01"));
        assert!(date("2026-12-31") < date("2027-01-01"));
        assert_eq!(date("2027-12-31").month(), "2027-12");
        assert_eq!(date("2027-12-31").year(), 2027);
    }

    #[test]
    fn dates_are_json_strings_read_through_parse() {
        let date = CalendarDate::parse("2027-12-31").unwrap();
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2027-12-31\"");
        assert_eq!(
            serde_json::from_str::<CalendarDate>("\"2027-12-31\"").unwrap(),
            date
        );
        let error = serde_json::from_str::<CalendarDate>("\"2027-02-30\"").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("\"2027-02-30\" is not a date: February 2027 has 28 days"),
            "{error}"
        );
    }
}
