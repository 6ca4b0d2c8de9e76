//! Invitation sheets: a header of attribute ids, then one line per
//! invitation whose cells preset its attributes (an empty cell presets
//! nothing). The console takes them pasted; their problems are told as a
//! response sheet's are, by line, row, column and value.
//!
//! A list of recipients to e-mail is the same sheet with an `email`
//! column, as CSV or as the first sheet of an XLSX workbook
//! ([`read_recipients`], [`read_recipients_xlsx`]).

use std::collections::{BTreeMap, HashMap};

use simm_core::{Attribute, Model, attribute_value, did_you_mean};

use crate::{
    MAX_PROBLEMS, Problem, SheetError, detect_delimiter, for_each_column, header_problem,
    ragged_row, read_next,
};

/// The attributes one invitation presets, by attribute id, in the declared
/// spelling.
pub type Presets = BTreeMap<String, String>;

/// Reads an invitation sheet, all or nothing: any problem refuses the
/// whole sheet, with every problem (up to a limit) named. A byte order
/// mark is skipped and the delimiter detected, as in response sheets;
/// blank lines are skipped.
pub fn read_invitations(model: &Model, text: &str) -> Result<Vec<Presets>, SheetError> {
    Ok(read(model, text, None, None)?
        .into_iter()
        .map(|row| row.presets)
        .collect())
}

/// One address to e-mail an invitation to, with its presets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The line (for a workbook, the row) the address is on.
    pub line: u64,
    /// The address as written, trimmed, which `check_email` accepted.
    pub email: String,
    pub presets: Presets,
}

/// What the caller's address rule says of one address: `Err` with what
/// is wrong.
pub type EmailCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// The column that holds the addresses of a recipients sheet.
pub const EMAIL_COLUMN: &str = "email";

/// Reads a recipients sheet, all or nothing: an `email` column, whose
/// every cell `check_email` must accept and which may hold an address only
/// once (ignoring case), and attribute columns as in an invitation sheet.
pub fn read_recipients(
    model: &Model,
    text: &str,
    check_email: EmailCheck<'_>,
) -> Result<Vec<Recipient>, SheetError> {
    rows_to_recipients(read(model, text, None, Some(check_email))?)
}

/// [`read_recipients`] from the first sheet of an XLSX workbook, whose
/// rows are the lines the problems name.
pub fn read_recipients_xlsx(
    model: &Model,
    workbook: &[u8],
    check_email: EmailCheck<'_>,
) -> Result<Vec<Recipient>, SheetError> {
    let rows = crate::import::workbook_rows(workbook).map_err(|message| SheetError::Invalid {
        problems: vec![Problem {
            line: 1,
            row: None,
            column: None,
            message,
        }],
        stopped_early: false,
    })?;
    // The rows become CSV lines, one per spreadsheet row (blank lines
    // for the rows above the used range, which the reader skips), so
    // that every problem names the row the spreadsheet shows. A cell with
    // a line break would take two lines; no address or value may hold one.
    let mut problems = Vec::new();
    let mut text = String::new();
    let mut next_line = 1;
    let header: Vec<String> = rows
        .first()
        .map(|(_, cells)| cells.clone())
        .unwrap_or_default();
    for (number, cells) in &rows {
        while next_line < *number {
            text.push('\n');
            next_line += 1;
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        for (position, cell) in cells.iter().enumerate() {
            if cell.contains(['\n', '\r']) {
                problems.push(Problem {
                    line: *number as u64,
                    row: Some(*number as u64 - rows[0].0 as u64),
                    column: Some((
                        header.get(position).cloned().unwrap_or_default(),
                        position + 1,
                    )),
                    message: "the cell holds a line break; an address or a value is one line"
                        .into(),
                });
            }
        }
        writer
            .write_record(cells.iter().map(|cell| cell.replace(['\n', '\r'], " ")))
            .expect("writing to memory cannot fail");
        text.push_str(
            &String::from_utf8(writer.into_inner().expect("in memory")).expect("cells are text"),
        );
        next_line += 1;
    }
    if !problems.is_empty() {
        return Err(SheetError::Invalid {
            problems,
            stopped_early: false,
        });
    }
    rows_to_recipients(read(model, &text, Some(b','), Some(check_email))?)
}

fn rows_to_recipients(rows: Vec<Row>) -> Result<Vec<Recipient>, SheetError> {
    Ok(rows
        .into_iter()
        .map(|row| Recipient {
            line: row.line,
            email: row.email.unwrap_or_default(),
            presets: row.presets,
        })
        .collect())
}

/// One line of an invitation or recipients sheet.
struct Row {
    line: u64,
    email: Option<String>,
    presets: Presets,
}

/// What a header's column is.
enum ColumnKind<'m> {
    Attribute(&'m Attribute),
    Email,
}

fn read(
    model: &Model,
    text: &str,
    delimiter: Option<u8>,
    check_email: Option<EmailCheck<'_>>,
) -> Result<Vec<Row>, SheetError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let known = || {
        model
            .attributes()
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let refuse = |problems, stopped_early| SheetError::Invalid {
        problems,
        stopped_early,
    };
    let whole = |line, message| Problem {
        line,
        row: None,
        column: None,
        message,
    };
    if text.trim().is_empty() {
        return Err(refuse(
            vec![whole(
                1,
                format!(
                    "the sheet is empty; it needs a header line of attribute ids ({}), then one line per invitation",
                    known()
                ),
            )],
            false,
        ));
    }
    let first_line = text.lines().next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.unwrap_or_else(|| detect_delimiter(first_line.as_bytes())))
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let mut header = csv::StringRecord::new();
    // Reading from memory cannot fail with an I/O error.
    if !read_next(&mut reader, &mut problems, |r| r.read_record(&mut header)).unwrap_or_default() {
        return Err(refuse(problems, false));
    }
    let columns = parse_header(&header, model, &known, check_email.is_some(), &mut problems);
    if !problems.is_empty() {
        return Err(refuse(problems, false));
    }
    let mut seen_addresses: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        if problems.len() >= MAX_PROBLEMS {
            return Err(refuse(problems, true));
        }
        let read = read_next(&mut reader, &mut problems, |r| r.read_record(&mut record));
        if !read.unwrap_or_default() {
            break;
        }
        let line = record.position().map_or(0, csv::Position::line);
        let row = rows.len() as u64 + 1;
        if record.len() != columns.len() {
            problems.push(ragged_row(line, row, record.len(), columns.len()));
            rows.push(Row {
                line,
                email: None,
                presets: Presets::new(),
            });
            continue;
        }
        let mut presets = Presets::new();
        let mut email = None;
        for (position, (cell, kind)) in record.iter().zip(&columns).enumerate() {
            let attribute = match kind {
                ColumnKind::Attribute(attribute) => attribute,
                ColumnKind::Email => {
                    let address = cell.trim();
                    let check = check_email.expect("an email column only with a check");
                    let problem = |message: String| Problem {
                        line,
                        row: Some(row),
                        column: Some((EMAIL_COLUMN.to_owned(), position + 1)),
                        message,
                    };
                    if let Err(message) = check(address) {
                        problems.push(problem(message));
                    } else if let Some(first) = seen_addresses.insert(address.to_lowercase(), row) {
                        problems.push(problem(format!(
                            "{} is given twice (first in row {first})",
                            simm_core::quote_value(address)
                        )));
                    }
                    email = Some(address.to_owned());
                    continue;
                }
            };
            match attribute_value(attribute, cell) {
                Ok(Some(value)) => {
                    presets.insert(attribute.id.to_string(), value.to_owned());
                }
                Ok(None) => {}
                Err(message) => problems.push(Problem {
                    line,
                    row: Some(row),
                    column: Some((attribute.id.to_string(), position + 1)),
                    message,
                }),
            }
        }
        rows.push(Row {
            line,
            email,
            presets,
        });
    }
    if !problems.is_empty() {
        return Err(refuse(problems, false));
    }
    if rows.is_empty() {
        return Err(refuse(
            vec![whole(
                2,
                "the sheet has a header but no rows; add one line per invitation".to_owned(),
            )],
            false,
        ));
    }
    Ok(rows)
}

/// What each column is, or the header's problems. With `email`, the sheet
/// must have an `email` column.
fn parse_header<'m>(
    header: &csv::StringRecord,
    model: &'m Model,
    known: &dyn Fn() -> String,
    email: bool,
    problems: &mut Vec<Problem>,
) -> Vec<ColumnKind<'m>> {
    let mut columns = Vec::with_capacity(header.len());
    for_each_column(header, problems, |position, name, problems| {
        if email && name.eq_ignore_ascii_case(EMAIL_COLUMN) {
            columns.push(ColumnKind::Email);
            return;
        }
        let problem = |message: String| header_problem(name, position, message);
        if name.is_empty() {
            problems.push(problem(format!(
                "the column has no name; name it after an attribute ({})",
                known()
            )));
            return;
        }
        // Ids are matched ignoring case, as a spreadsheet's "Role" is meant
        // for the attribute `role`.
        let attribute = model.attribute(name).or_else(|| {
            model
                .attributes()
                .iter()
                .find(|attribute| attribute.id.as_str().eq_ignore_ascii_case(name))
        });
        match attribute {
            Some(attribute) => columns.push(ColumnKind::Attribute(attribute)),
            None => {
                let hint = did_you_mean(name, model.attributes().iter().map(|a| a.id.as_str()))
                    .map(|a| format!("; did you mean {a:?}?"))
                    .unwrap_or_default();
                problems.push(problem(format!(
                    "the column is not an attribute of the model {} {}; its attributes are {}{hint}",
                    model.id(),
                    model.version(),
                    known()
                )));
            }
        }
    });
    if email && problems.is_empty() && !columns.iter().any(|kind| matches!(kind, ColumnKind::Email))
    {
        problems.push(Problem {
            line: 1,
            row: None,
            column: None,
            message: format!(
                "the sheet has no {EMAIL_COLUMN} column; its header needs one, beside attribute columns ({})",
                known()
            ),
        });
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The presets of each row, as (attribute, value) pairs.
    type Rows<'a> = &'a [&'a [(&'a str, &'a str)]];

    fn check(text: &str, expected: Result<Rows<'_>, &[&str]>) {
        let model = simm_core::builtin_model();
        let got = read_invitations(&model, text).map_err(|error| error.render("links.csv"));
        let expected = expected
            .map(|rows| {
                rows.iter()
                    .map(|row| {
                        row.iter()
                            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                            .collect::<Presets>()
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(|lines| lines.join("\n"));
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn rows_preset_attributes_in_their_declared_spelling() {
        check(
            "\u{feff}role,unit\nPartner,IT\n,Sales\n\nmanager,\n",
            Ok(&[
                &[("role", "partner"), ("unit", "IT")],
                &[("unit", "Sales")],
                &[("role", "manager")],
            ]),
        );
        check(
            "unit;role\nIT;employee\n",
            Ok(&[&[("role", "employee"), ("unit", "IT")]]),
        );
    }

    #[test]
    fn problems_name_line_row_column_and_value() {
        check(
            "rol,unit,unit,\npartner,IT\n",
            Err(&[
                "links.csv:1:1: column \"rol\": the column is not an attribute of the model smartsourcing 1.1.0; its attributes are role, unit, language; did you mean \"role\"?",
                "links.csv:1:3: column \"unit\": the column appears twice (first as column 2)",
                "links.csv:1:4: column \"\": the column has no name; name it after an attribute (role, unit, language)",
            ]),
        );
        check(
            "role,unit\npartner,IT\nmanger,Sa\u{0}les\npartner,IT,extra\n",
            Err(&[
                "links.csv:3:1: row 2, column \"role\": \"manger\" is not a value of \"role\"; expected one of executive, manager, employee, partner; did you mean \"manager\"?",
                "links.csv:3:2: row 2, column \"unit\": must not contain control characters; it holds U+0000",
                "links.csv:4: row 3: the row has 3 cells but the header has 2 columns",
            ]),
        );
        check(
            "  \n",
            Err(&[
                "links.csv:1: the sheet is empty; it needs a header line of attribute ids (role, unit, language), then one line per invitation",
            ]),
        );
        check(
            "role\n",
            Err(&["links.csv:2: the sheet has a header but no rows; add one line per invitation"]),
        );
        let many = format!("role\n{}", "boss\n".repeat(30));
        let rendered = read_invitations(&simm_core::builtin_model(), &many)
            .unwrap_err()
            .render("links.csv");
        assert_eq!(rendered.lines().count(), MAX_PROBLEMS + 1, "{rendered}");
        assert!(
            rendered.ends_with("links.csv: stopped after 20 problems; fix these and check again")
        );
    }
}

#[cfg(test)]
mod recipient_tests {
    use super::*;

    fn check_address(address: &str) -> Result<(), String> {
        if address.contains('@') && !address.contains(' ') {
            Ok(())
        } else {
            Err(format!(
                "{} is not an address",
                simm_core::quote_value(address)
            ))
        }
    }

    /// Each recipient's line, address and presets.
    type Expected<'a> = &'a [(u64, &'a str, &'a [(&'a str, &'a str)])];

    fn check(text: &str, expected: Result<Expected<'_>, &[&str]>) {
        let model = simm_core::builtin_model();
        let got =
            read_recipients(&model, text, &check_address).map_err(|error| error.render("list.csv"));
        let expected = expected
            .map(|rows| {
                rows.iter()
                    .map(|(line, email, presets)| Recipient {
                        line: *line,
                        email: (*email).to_owned(),
                        presets: presets
                            .iter()
                            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                            .collect(),
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(|lines| lines.join("\n"));
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn a_recipients_sheet_has_an_email_column_checked_cell_by_cell() {
        check(
            "Email;role\n ana@acme.example ;Partner\nbob@acme.example;\n",
            Ok(&[
                (2, "ana@acme.example", &[("role", "partner")]),
                (3, "bob@acme.example", &[]),
            ]),
        );
        check(
            "email,role\nana@acme.example,partner\nnot one,manger\nANA@acme.example,\n",
            Err(&[
                "list.csv:3:1: row 2, column \"email\": \"not one\" is not an address",
                "list.csv:3:2: row 2, column \"role\": \"manger\" is not a value of \"role\"; expected one of executive, manager, employee, partner; did you mean \"manager\"?",
                "list.csv:4:1: row 3, column \"email\": \"ANA@acme.example\" is given twice (first in row 1)",
            ]),
        );
        check(
            "role\npartner\n",
            Err(&[
                "list.csv:1: the sheet has no email column; its header needs one, beside attribute columns (role, unit, language)",
            ]),
        );
        check(
            "email,email\na@b.example,a@b.example\n",
            Err(&["list.csv:1:2: column \"email\": the column appears twice (first as column 1)"]),
        );
    }

    #[test]
    fn a_workbook_is_read_with_its_spreadsheet_rows() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        // The used range starts at row 3, as a hand-made sheet's may.
        for (row, cells) in [
            ["email", "role"],
            ["ana@acme.example", "partner"],
            ["nobody", "employee"],
            ["cy@acme.example", "line\nbreak"],
        ]
        .iter()
        .enumerate()
        {
            for (column, cell) in cells.iter().enumerate() {
                sheet
                    .write_string(row as u32 + 2, column as u16, *cell)
                    .unwrap();
            }
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let model = simm_core::builtin_model();
        let error = read_recipients_xlsx(&model, &bytes, &check_address)
            .unwrap_err()
            .render("list.xlsx");
        assert_eq!(
            error,
            "list.xlsx:6:2: row 3, column \"role\": the cell holds a line break; an address or a value is one line"
        );
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (row, cells) in [
            ["email", "role"],
            ["ana@acme.example", "partner"],
            ["nobody", "employee"],
        ]
        .iter()
        .enumerate()
        {
            for (column, cell) in cells.iter().enumerate() {
                sheet
                    .write_string(row as u32 + 2, column as u16, *cell)
                    .unwrap();
            }
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let error = read_recipients_xlsx(&model, &bytes, &check_address)
            .unwrap_err()
            .render("list.xlsx");
        assert_eq!(
            error,
            "list.xlsx:5:1: row 2, column \"email\": \"nobody\" is not an address"
        );
        let error = read_recipients_xlsx(&model, b"not a workbook", &check_address)
            .unwrap_err()
            .render("list.xlsx");
        assert!(
            error.starts_with("list.xlsx:1: the export is not an .xlsx workbook"),
            "{error}"
        );
    }
}
