//! Microsoft Forms' .xlsx download of the responses: `ID`, `Start time`,
//! `Completion time`, `Email`, `Name` (and `Last modified time` where
//! answers may be edited), then one column per question headed by its
//! text, a Likert question's statements each in their own column; quizzes
//! add `Total points`, `Quiz feedback` and per question `Points - …` and
//! `Feedback - …`.

use super::error::ImportError;
use super::table::{Table, with_header_row};
use super::xlsx::first_sheet;

pub(crate) fn read(export: &[u8]) -> Result<Table, ImportError> {
    with_header_row(first_sheet(export)?)
}
