//! Invitation sheets: a header of attribute ids, then one line per
//! invitation whose cells preset its attributes (an empty cell presets
//! nothing). The console takes them pasted; their problems are told as a
//! response sheet's are, by line, row, column and value.

use std::collections::BTreeMap;

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
        .delimiter(detect_delimiter(first_line.as_bytes()))
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let mut header = csv::StringRecord::new();
    // Reading from memory cannot fail with an I/O error.
    if !read_next(&mut reader, &mut problems, |r| r.read_record(&mut header)).unwrap_or_default() {
        return Err(refuse(problems, false));
    }
    let columns = parse_header(&header, model, &known, &mut problems);
    if !problems.is_empty() {
        return Err(refuse(problems, false));
    }
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
            rows.push(Presets::new());
            continue;
        }
        let mut presets = Presets::new();
        for (position, (cell, attribute)) in record.iter().zip(&columns).enumerate() {
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
        rows.push(presets);
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

/// The attribute of each column, or the header's problems.
fn parse_header<'m>(
    header: &csv::StringRecord,
    model: &'m Model,
    known: &dyn Fn() -> String,
    problems: &mut Vec<Problem>,
) -> Vec<&'m Attribute> {
    let mut columns = Vec::with_capacity(header.len());
    for_each_column(header, problems, |position, name, problems| {
        let problem = |message: String| header_problem(name, position, message);
        if name.is_empty() {
            problems.push(problem(format!(
                "the column has no name; name it after an attribute ({})",
                known()
            )));
            return;
        }
        match model.attribute(name) {
            Some(attribute) => columns.push(attribute),
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
                "links.csv:1:1: column \"rol\": the column is not an attribute of the model smartsourcing 1.0.0; its attributes are role, unit; did you mean \"role\"?",
                "links.csv:1:3: column \"unit\": the column appears twice (first as column 2)",
                "links.csv:1:4: column \"\": the column has no name; name it after an attribute (role, unit)",
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
                "links.csv:1: the sheet is empty; it needs a header line of attribute ids (role, unit), then one line per invitation",
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
