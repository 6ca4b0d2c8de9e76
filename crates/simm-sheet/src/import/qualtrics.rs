//! Qualtrics' CSV download: three header rows (the field names, the
//! question texts, and `{"ImportId":"QID1"}` cells), then a row per
//! response. Exports from its legacy format lack the third row.

use super::error::ImportError;
use super::table::{Column, Table, csv_records, data_rows};

pub(crate) fn read(export: &[u8]) -> Result<Table, ImportError> {
    let mut records = csv_records(export)?.into_iter().peekable();
    let (_, names) = records.next().expect("csv_records refuses an empty export");
    let Some((_, texts)) = records.next() else {
        return Err(ImportError::export(
            "a Qualtrics export has header rows of field names and question texts; this one has only one row (is it a Qualtrics export? try --from google-forms or limesurvey)",
        ));
    };
    let import_ids = match records.peek() {
        Some((_, cells)) if cells.iter().any(|cell| import_id(cell).is_some()) => {
            records.next().map(|(_, cells)| cells)
        }
        _ => None,
    };
    let columns = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let mut column = Column::plain(name);
            if let Some(text) = texts.get(index).map(|t| t.trim()).filter(|t| !t.is_empty()) {
                column.aliases.push(text.to_owned());
                // A matrix row's text is "Question - Statement".
                if let Some((_, statement)) = text.rsplit_once(" - ") {
                    column.aliases.push(statement.trim().to_owned());
                }
            }
            if let Some(id) = import_ids
                .as_ref()
                .and_then(|cells| cells.get(index))
                .and_then(|cell| import_id(cell))
            {
                column.aliases.push(id.to_owned());
            }
            column
        })
        .collect();
    Ok(Table {
        columns,
        rows: data_rows(records),
    })
}

/// The id in a third-row cell such as `{"ImportId":"QID1_2"}`.
fn import_id(cell: &str) -> Option<&str> {
    let rest = cell.trim().strip_prefix('{')?.trim_start();
    let rest = rest.strip_prefix("\"ImportId\"")?.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let (id, _) = rest.split_once('"')?;
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_third_header_row_gives_import_ids() {
        assert_eq!(import_id(r#"{"ImportId":"QID1_2"}"#), Some("QID1_2"));
        assert_eq!(
            import_id(r#"{"ImportId":"startDate","timeZone":"America/Denver"}"#),
            Some("startDate")
        );
        assert_eq!(import_id("Strongly agree"), None);
    }

    #[test]
    fn legacy_exports_with_two_header_rows_are_read() {
        let table =
            read(b"ResponseId,Q1\nResponse ID,We plan - Our plans are written\nR_1,Agree\n")
                .expect("readable");
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].number, 3);
        assert_eq!(
            table.columns[1].aliases,
            ["We plan - Our plans are written", "Our plans are written"]
        );
    }
}
