//! Domain values. Each is a newtype with a `parse` constructor, so a value
//! of the type is valid by construction.

use std::fmt;
use std::num::NonZeroU8;

use serde::Serialize;

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an identifier cannot be empty")]
    Empty,
    #[error("an identifier is at most {max} characters long; this one has {len}")]
    TooLong { len: usize, max: usize },
    #[error(
        "an identifier may only hold letters, digits, '-', '_' and '.'; {found:?} is not allowed"
    )]
    BadCharacter { found: char },
}

const MAX_ID_LEN: usize = 64;

fn check_identifier(text: &str) -> Result<(), IdError> {
    if text.is_empty() {
        return Err(IdError::Empty);
    }
    if text.len() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            len: text.len(),
            max: MAX_ID_LEN,
        });
    }
    if let Some(found) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(IdError::BadCharacter { found });
    }
    Ok(())
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, IdError> {
                check_identifier(text)?;
                Ok(Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

identifier!(
    /// The identifier of a model, such as `smartsourcing`.
    ModelId
);
identifier!(
    /// The identifier of an area, such as `vision`.
    AreaId
);
identifier!(
    /// The identifier of an item (a statement), such as `VS-2-01`.
    ItemId
);
identifier!(
    /// The identifier of a respondent attribute, such as `role`.
    AttributeId
);

/// A stage level, 1 for the baseline stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct StageLevel(u8);

impl StageLevel {
    /// The highest number of stages a model may declare.
    pub const MAX: u8 = 20;

    pub fn new(level: u8) -> Option<Self> {
        (1..=Self::MAX).contains(&level).then_some(Self(level))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl fmt::Display for StageLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The share of a stage's practices that must be in place for the stage to
/// count as reached: a number in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Threshold(f64);

impl Threshold {
    pub fn new(value: f64) -> Option<Self> {
        (value > 0.0 && value <= 1.0).then_some(Self(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Self(0.75)
    }
}

/// The relative weight of an item within its stage: finite and above zero.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Weight(f64);

impl Weight {
    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && value > 0.0).then_some(Self(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Weight {
    fn default() -> Self {
        Self(1.0)
    }
}

/// The smallest group whose aggregates may be shown. Never below 3, since
/// with two respondents each one can read the other's answers off the mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AnonymityMin(u32);

impl AnonymityMin {
    pub const FLOOR: u32 = 3;

    pub fn new(value: u32) -> Option<Self> {
        (value >= Self::FLOOR).then_some(Self(value))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for AnonymityMin {
    fn default() -> Self {
        Self(5)
    }
}

/// How the answers to one item are summarised into its fulfilment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    #[default]
    Mean,
    Median,
}

impl Aggregate {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "mean" => Some(Self::Mean),
            "median" => Some(Self::Median),
            _ => None,
        }
    }
}

/// How area results combine into the overall result. Only `min` exists:
/// the weakest area holds the organisation back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    #[default]
    Min,
}

impl Overall {
    pub fn parse(text: &str) -> Option<Self> {
        (text == "min").then_some(Self::Min)
    }
}

/// One given answer on a scale of `points` points: 1 ..= points.
///
/// "Don't know" and empty answers are not `Answer`s; they are `None` where an
/// `Option<Answer>` is expected. `Option<Answer>` is one byte, which keeps
/// answer matrices compact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Answer(NonZeroU8);

/// Why a cell is not a valid answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error(
        "{} is not a valid answer; expected a whole number from 1 to {points}, or an empty cell or \"don't know\"",
        crate::quote_value(.text)
    )]
    NotAnAnswer { text: String, points: u8 },
}

impl Answer {
    /// The spellings that mean "don't know"; matched without regard to case
    /// after trimming. An empty cell means the same.
    pub const DONT_KNOW: [&'static str; 4] = ["dk", "don't know", "dont know", "don\u{2019}t know"];

    pub fn new(value: u8, points: u8) -> Option<Self> {
        if value == 0 || value > points {
            return None;
        }
        NonZeroU8::new(value).map(Self)
    }

    /// Parses a cell of a response sheet: a whole number 1 ..= points, or
    /// nothing (empty, "don't know").
    pub fn parse(text: &str, points: u8) -> Result<Option<Self>, AnswerError> {
        let trimmed = text.trim();
        if trimmed.is_empty()
            || Self::DONT_KNOW
                .iter()
                .any(|dk| trimmed.eq_ignore_ascii_case(dk))
        {
            return Ok(None);
        }
        let bad = || AnswerError::NotAnAnswer {
            text: text.to_owned(),
            points,
        };
        // Answers are small integers; parsing by hand avoids accepting the
        // "+3" and "03" forms that str::parse allows but no sheet should hold.
        let bytes = trimmed.as_bytes();
        if bytes.len() > 2 || !bytes.iter().all(u8::is_ascii_digit) || bytes[0] == b'0' {
            return Err(bad());
        }
        let value = bytes
            .iter()
            .fold(0u8, |acc, digit| acc * 10 + (digit - b'0'));
        Self::new(value, points).map(Some).ok_or_else(bad)
    }

    /// Parses a cell given as raw bytes. The common cells, one digit or
    /// nothing, are decided without text processing, which is what keeps
    /// reading a million-row sheet fast; anything else goes through
    /// [`Answer::parse`].
    #[inline]
    pub fn parse_bytes(cell: &[u8], points: u8) -> Result<Option<Self>, AnswerError> {
        match cell {
            [] => Ok(None),
            [digit @ b'1'..=b'9'] if digit - b'0' <= points => Ok(Self::new(digit - b'0', points)),
            _ => Self::parse(&String::from_utf8_lossy(cell), points),
        }
    }

    pub fn get(self) -> u8 {
        self.0.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_answer(text: &str, points: u8, expected: Result<Option<u8>, ()>) {
        let actual = Answer::parse(text, points)
            .map(|a| a.map(Answer::get))
            .map_err(|_| ());
        assert_eq!(
            actual, expected,
            "parsing {text:?} on a {points}-point scale"
        );
    }

    #[test]
    fn answers() {
        check_answer("1", 5, Ok(Some(1)));
        check_answer(" 5 ", 5, Ok(Some(5)));
        check_answer("10", 11, Ok(Some(10)));
        check_answer("", 5, Ok(None));
        check_answer("  ", 5, Ok(None));
        check_answer("DK", 5, Ok(None));
        check_answer("Don't know", 5, Ok(None));
        check_answer("don\u{2019}t know", 5, Ok(None));
        check_answer("6", 5, Err(()));
        check_answer("0", 5, Err(()));
        check_answer("03", 5, Err(()));
        check_answer("+3", 5, Err(()));
        check_answer("3.0", 5, Err(()));
        check_answer("agree", 5, Err(()));
        check_answer("300", 5, Err(()));
    }

    #[test]
    fn byte_cells_parse_like_text_cells() {
        for cell in ["", "1", "5", "6", "0", " 3", "dk", "10", "x", "\u{e9}"] {
            for points in [2, 5, 11] {
                assert_eq!(
                    Answer::parse_bytes(cell.as_bytes(), points),
                    Answer::parse(cell, points),
                    "{cell:?} on {points} points"
                );
            }
        }
    }

    fn check_id(text: &str, ok: bool) {
        assert_eq!(ItemId::parse(text).is_ok(), ok, "{text:?}");
    }

    #[test]
    fn identifiers() {
        check_id("VS-2-01", true);
        check_id("it_3.a", true);
        check_id("", false);
        check_id("has space", false);
        check_id("é", false);
        check_id(&"x".repeat(65), false);
    }

    #[test]
    fn bounded_numbers() {
        assert!(Threshold::new(0.0).is_none());
        assert!(Threshold::new(1.0).is_some());
        assert!(Threshold::new(1.01).is_none());
        assert!(Threshold::new(f64::NAN).is_none());
        assert!(Weight::new(0.0).is_none());
        assert!(Weight::new(f64::INFINITY).is_none());
        assert!(Weight::new(0.5).is_some());
        assert!(StageLevel::new(0).is_none());
        assert!(AnonymityMin::new(2).is_none());
    }
}
