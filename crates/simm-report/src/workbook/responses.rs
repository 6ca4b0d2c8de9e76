//! The Responses sheet: the response sheet's rows, for the callers that
//! may see them (the web passes them to consultants only, as for
//! responses.csv). Answers are numbers; every other column, respondent
//! ids and attribute values included, stays text, so that an id such as
//! "007" keeps its zeros.

use rust_xlsxwriter::{Workbook, XlsxError};
use simm_core::Model;

use super::cells::{Cell, Formats, Table};

/// A response sheet as rows of cells under its header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub(super) fn responses(
    book: &mut Workbook,
    formats: &Formats,
    model: &Model,
    table: &ResponseTable,
) -> Result<(), XlsxError> {
    let header: Vec<&str> = table.columns.iter().map(String::as_str).collect();
    let answers: Vec<bool> = table
        .columns
        .iter()
        .map(|column| model.item_index(column).is_some())
        .collect();
    let mut sheet = Table::new(book.add_worksheet(), formats, "Responses", &header)?;
    let mut cells = Vec::with_capacity(header.len());
    for row in &table.rows {
        cells.clear();
        cells.extend(row.iter().zip(&answers).map(|(value, answer)| {
            match (answer, value.parse::<u64>()) {
                (true, Ok(number)) => Cell::Whole(number),
                _ => Cell::Text(value),
            }
        }));
        sheet.row(&cells)?;
    }
    sheet.finish();
    Ok(())
}
