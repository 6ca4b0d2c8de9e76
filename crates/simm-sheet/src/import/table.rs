//! What every reader produces: the export's columns and text cells, with
//! the rows numbered as a spreadsheet shows them.

use super::error::{ImportError, ImportProblem};

/// One column of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// The header as the tool writes it (Qualtrics: the first header row).
    pub header: String,
    /// Other names the tool gives the same column, any of which a mapping
    /// may use: Qualtrics' question text and ImportId, the statement of a
    /// matrix row, LimeSurvey's subquestion text.
    pub aliases: Vec<String>,
}

impl Column {
    pub fn plain(header: &str) -> Self {
        let header = header.trim();
        let mut aliases = Vec::new();
        // "Question [Statement]": Google Forms' grids and LimeSurvey's
        // arrays put each statement in brackets after the question.
        if let Some(inner) = header
            .strip_suffix(']')
            .and_then(|rest| rest.rsplit_once('['))
            .map(|(_, inner)| inner.trim())
            .filter(|inner| !inner.is_empty())
        {
            aliases.push(inner.to_owned());
        }
        Column {
            header: header.to_owned(),
            aliases,
        }
    }

    /// The header and every alias.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.header.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// One response of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableRow {
    /// The 1-based row as a spreadsheet shows it, header rows included.
    pub number: usize,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<TableRow>,
}

impl Table {
    /// The cell of `row` in column `index`; a short row has empty cells.
    pub fn cell<'a>(&self, row: &'a TableRow, index: usize) -> &'a str {
        row.cells.get(index).map_or("", |cell| cell.trim())
    }
}

/// Reads CSV text as its tool writes it: UTF-8 with or without a byte
/// order mark, comma, semicolon or tab, and quoted cells that may span
/// lines. Returns the records, each with its 1-based record number.
pub(crate) fn csv_records(export: &[u8]) -> Result<Vec<(usize, Vec<String>)>, ImportError> {
    let text = export.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(export);
    let text = std::str::from_utf8(text).map_err(|error| {
        ImportError::export(format!(
            "the export is not UTF-8 text (at byte {}); export it again as UTF-8 CSV",
            error.valid_up_to()
        ))
    })?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = crate::detect_delimiter(first_line.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|error| {
            ImportError::one(ImportProblem {
                row: Some(index + 1),
                column: None,
                value: None,
                message: format!("the CSV cannot be read: {error}"),
            })
        })?;
        records.push((index + 1, record.iter().map(str::to_owned).collect()));
    }
    if records.is_empty() {
        return Err(ImportError::export(
            "the export is empty; it needs a header row and a row per response",
        ));
    }
    Ok(records)
}

/// A table whose first record is the header row.
pub(crate) fn with_header_row(records: Vec<(usize, Vec<String>)>) -> Result<Table, ImportError> {
    let mut records = records.into_iter();
    let (_, header) = records
        .next()
        .ok_or_else(|| ImportError::export("the export has no header row"))?;
    Ok(Table {
        columns: header.iter().map(|cell| Column::plain(cell)).collect(),
        rows: data_rows(records),
    })
}

/// The records after the header rows, without the wholly empty ones that
/// spreadsheets leave at the end.
pub(crate) fn data_rows(records: impl Iterator<Item = (usize, Vec<String>)>) -> Vec<TableRow> {
    records
        .filter(|(_, cells)| cells.iter().any(|cell| !cell.trim().is_empty()))
        .map(|(number, cells)| TableRow { number, cells })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_takes_a_byte_order_mark_quoted_line_ends_and_semicolons() {
        let records =
            csv_records("\u{feff}a;b\n\"one\ntwo\";2\n\n;\n".as_bytes()).expect("readable");
        let table = with_header_row(records).expect("a header");
        assert_eq!(table.columns[0].header, "a");
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].cells, ["one\ntwo", "2"]);
        assert_eq!(table.rows[0].number, 2);
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_with_where() {
        let error = csv_records(b"a,b\n\xff,1\n").unwrap_err().to_string();
        assert!(
            error.contains("not UTF-8") && error.contains("byte 4"),
            "{error}"
        );
    }

    #[test]
    fn bracketed_statements_are_aliases() {
        let column = Column::plain("How true is this? [We plan ahead]");
        assert_eq!(column.aliases, ["We plan ahead"]);
        assert!(Column::plain("Plain").aliases.is_empty());
    }
}
