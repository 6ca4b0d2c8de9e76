//! Google Forms' CSV download of the responses: a `Timestamp` column,
//! `Email Address` when the form collects it, then one column per question
//! headed by its text (a grid's rows as `Question [Row]`), with the
//! answer labels as values.

use super::error::ImportError;
use super::table::{Table, csv_records, with_header_row};

pub(crate) fn read(export: &[u8]) -> Result<Table, ImportError> {
    with_header_row(csv_records(export)?)
}
