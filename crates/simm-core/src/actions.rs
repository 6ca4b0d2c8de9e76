//! The action plan's rules: the statuses an action moves through, when an
//! action is overdue, and what its free-text fields may hold.

use std::fmt;

use serde::Serialize;

use crate::calendar::CalendarDate;
use crate::suggest::{did_you_mean, quote_value};
use crate::text::{MAX_TEXT_CHARS, check_text, refused_character};

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    Dropped,
}

/// A text that is not an action status; the message lists the statuses,
/// for the caller to prefix with the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAStatus(String);

impl ActionStatus {
    /// Every status, in the order an action moves through them.
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Planned,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::Dropped,
    ];

    pub fn parse(text: &str) -> Result<ActionStatus, NotAStatus> {
        if let Some(status) = Self::ALL.into_iter().find(|s| s.as_str() == text) {
            return Ok(status);
        }
        let names = || Self::ALL.iter().map(|status| status.as_str());
        let hint = did_you_mean(text, names())
            .map(|name| format!("; did you mean {name:?}?"))
            .unwrap_or_default();
        Err(NotAStatus(format!(
            "{} is not a status; expected one of {}{hint}",
            quote_value(text),
            names().collect::<Vec<_>>().join(", ")
        )))
    }

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    /// The spelling pages and reports show.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    /// Whether the work is still to be done: planned or in progress.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an action is flagged overdue: still open and due before today.
/// An action due today is not late yet, and one without a due date never
/// is.
pub fn is_overdue(status: ActionStatus, due: Option<CalendarDate>, today: CalendarDate) -> bool {
    status.is_open() && due.is_some_and(|due| due < today)
}

/// The longest action title, in characters: a title like any other.
pub const MAX_ACTION_TITLE_CHARS: usize = MAX_TEXT_CHARS;
/// The longest owner of an action (a name, or a team), in characters.
pub const MAX_ACTION_OWNER_CHARS: usize = 120;
/// The longest notes of an action, in characters.
pub const MAX_ACTION_NOTES_CHARS: usize = 4000;

/// An action's title as stored: checked as [`check_text`] checks any
/// title, and not empty. The error is for the caller to prefix with the
/// field.
pub fn action_title(text: &str) -> Result<&str, String> {
    check_text(text)?.ok_or_else(|| "must not be empty".to_owned())
}

/// An action's owner as stored: free text of at most
/// [`MAX_ACTION_OWNER_CHARS`], checked as [`check_text`]; `None` when
/// empty.
pub fn action_owner(text: &str) -> Result<Option<&str>, String> {
    at_most(text, MAX_ACTION_OWNER_CHARS)?;
    check_text(text)
}

/// An action's notes as stored: trimmed, at most
/// [`MAX_ACTION_NOTES_CHARS`]. Unlike a title, notes may run over several
/// lines, so each line is checked for [refused
/// characters](refused_character) on its own; empty notes are "".
pub fn action_notes(text: &str) -> Result<&str, String> {
    at_most(text, MAX_ACTION_NOTES_CHARS)?;
    let text = text.trim();
    for line in text.split('\n') {
        if let Some(problem) = refused_character(line.strip_suffix('\r').unwrap_or(line)) {
            return Err(problem);
        }
    }
    Ok(text)
}

/// Counted as sent, before trimming, as [`check_text`] counts.
fn at_most(text: &str, max: usize) -> Result<(), String> {
    let chars = text.chars().count();
    if chars > max {
        return Err(format!("must be at most {max} characters, not {chars}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_status(text: &str, expected: Result<ActionStatus, &str>) {
        assert_eq!(
            ActionStatus::parse(text).map_err(|error| error.to_string()),
            expected.map_err(str::to_owned),
            "{text:?}"
        );
    }

    #[test]
    fn statuses_are_read_in_their_stored_spelling_or_refused_with_the_nearest() {
        for status in ActionStatus::ALL {
            check_status(status.as_str(), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        check_status(
            "in progress",
            Err(
                "\"in progress\" is not a status; expected one of planned, in_progress, done, dropped; did you mean \"in_progress\"?",
            ),
        );
        check_status(
            "don",
            Err(
                "\"don\" is not a status; expected one of planned, in_progress, done, dropped; did you mean \"done\"?",
            ),
        );
        check_status(
            "finished",
            Err(
                "\"finished\" is not a status; expected one of planned, in_progress, done, dropped",
            ),
        );
        assert_eq!(
            ActionStatus::ALL.map(ActionStatus::label),
            ["planned", "in progress", "done", "dropped"]
        );
    }

    #[test]
    fn only_open_actions_due_before_today_are_overdue() {
        let date = |text| Some(CalendarDate::parse(text).unwrap());
        let today = date("2027-06-15").unwrap();
        for (status, due, expected) in [
            (ActionStatus::Planned, date("2027-06-14"), true),
            (ActionStatus::InProgress, date("2026-12-31"), true),
            (ActionStatus::Planned, date("2027-06-15"), false),
            (ActionStatus::InProgress, date("2027-06-16"), false),
            (ActionStatus::Done, date("2027-06-14"), false),
            (ActionStatus::Dropped, date("2027-06-14"), false),
            (ActionStatus::Planned, None, false),
        ] {
            assert_eq!(
                is_overdue(status, due, today),
                expected,
                "{status} due {due:?}"
            );
        }
    }

    #[test]
    fn action_texts_keep_their_limits() {
        assert_eq!(action_title(" Train the buyers "), Ok("Train the buyers"));
        assert_eq!(action_title("  "), Err("must not be empty".to_owned()));
        assert_eq!(action_title(&"t".repeat(200)).map(str::len), Ok(200));
        assert_eq!(
            action_title(&"t".repeat(201)),
            Err("must be at most 200 characters, not 201".to_owned())
        );
        assert_eq!(
            action_title("Line\nbreak"),
            Err("must not contain control characters; it holds U+000A".to_owned())
        );

        assert_eq!(action_owner(" Procurement "), Ok(Some("Procurement")));
        assert_eq!(action_owner(""), Ok(None));
        assert_eq!(
            action_owner(&"o".repeat(120)).map(|o| o.map(str::len)),
            Ok(Some(120))
        );
        assert_eq!(
            action_owner(&"o".repeat(121)),
            Err("must be at most 120 characters, not 121".to_owned())
        );

        assert_eq!(
            action_notes(" First line\r\nsecond line\n"),
            Ok("First line\r\nsecond line")
        );
        assert_eq!(action_notes(" "), Ok(""));
        assert_eq!(action_notes(&"n".repeat(4000)).map(str::len), Ok(4000));
        assert_eq!(
            action_notes(&"n".repeat(4001)),
            Err("must be at most 4000 characters, not 4001".to_owned())
        );
        assert_eq!(
            action_notes("ok\nnot\u{7}ok"),
            Err("must not contain control characters; it holds U+0007".to_owned())
        );
        assert!(
            action_notes("see \u{202E}fdp.exe")
                .unwrap_err()
                .starts_with("must not contain bidirectional formatting characters")
        );
    }
}
