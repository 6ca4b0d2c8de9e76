//! Workbooks: the first sheet, whose first row is the header. Read for
//! Microsoft Forms' download and for sheets in simm's own layout.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use super::error::ImportError;
use super::table::{Table, with_header_row};

/// The first worksheet's rows, numbered as the spreadsheet shows them.
pub(crate) fn first_sheet(export: &[u8]) -> Result<Vec<(usize, Vec<String>)>, ImportError> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(export)).map_err(|error| {
        ImportError::export(format!("the export is not an .xlsx workbook: {error}"))
    })?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::export("the workbook has no sheet"))?
        .map_err(|error| ImportError::export(format!("the first sheet cannot be read: {error}")))?;
    // Rows above the used range are empty; spreadsheet rows are 1-based.
    let first = range.start().map_or(0, |(row, _)| row as usize) + 1;
    let first_column = range.start().map_or(0, |(_, column)| column as usize);
    let rows: Vec<(usize, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(index, cells)| {
            let mut texts = vec![String::new(); first_column];
            texts.extend(cells.iter().map(cell_text));
            (first + index, texts)
        })
        .collect();
    if rows.is_empty() {
        return Err(ImportError::export(
            "the workbook's first sheet is empty; it needs a header row and a row per response",
        ));
    }
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// A workbook in simm's own layout: `respondent`, attributes, item ids.
pub(crate) fn read(export: &[u8]) -> Result<Table, ImportError> {
    with_header_row(first_sheet(export)?)
}
