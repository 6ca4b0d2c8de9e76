//! Why an export was refused: every problem names where it is (row and
//! column, as a spreadsheet shows them) and the value at fault.

use std::fmt;

use simm_core::quote_value;

/// At most this many problems are listed; an export with more has a
/// systematic fault (a wrong `--from`, a missing label) that the first
/// ones already show.
pub(crate) const MAX_PROBLEMS: usize = 20;

/// A column of the export: its header text and 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub header: String,
    pub number: usize,
}

impl ColumnRef {
    /// The column's letters as a spreadsheet names it: 1 is A, 27 is AA.
    pub fn letters(&self) -> String {
        let mut number = self.number;
        let mut letters = Vec::new();
        while number > 0 {
            let rest = (number - 1) % 26;
            letters.push(b'A' + rest as u8);
            number = (number - 1) / 26;
        }
        letters.reverse();
        String::from_utf8(letters).expect("letters are ASCII")
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column {} ({}) {}",
            self.letters(),
            self.number,
            quote_value(&self.header)
        )
    }
}

/// One problem with an export or its mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// The 1-based row as a spreadsheet shows it (header rows count).
    pub row: Option<usize>,
    pub column: Option<ColumnRef>,
    /// The cell's text, when the problem is a value.
    pub value: Option<String>,
    /// What is wrong, with "did you mean" where a near spelling exists.
    pub message: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(row) = self.row {
            place.push(format!("row {row}"));
        }
        if let Some(column) = &self.column {
            place.push(column.to_string());
        }
        if !place.is_empty() {
            write!(f, "{}: ", place.join(", "))?;
        }
        if let Some(value) = &self.value {
            write!(f, "{}: ", quote_value(value))?;
        }
        f.write_str(&self.message)
    }
}

/// Why an export was not converted. Nothing of it should be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Problems with the export's cells or with how the mapping fits it,
    /// one per line.
    #[error("{}", render(.problems, *.stopped_early))]
    Invalid {
        problems: Vec<ImportProblem>,
        stopped_early: bool,
    },
    /// The mapping file itself is wrong.
    #[error(transparent)]
    Mapping(#[from] super::MappingError),
}

impl ImportError {
    pub(crate) fn one(problem: ImportProblem) -> Self {
        ImportError::Invalid {
            problems: vec![problem],
            stopped_early: false,
        }
    }

    /// A problem with the export as a whole (not UTF-8, no header row).
    pub(crate) fn export(message: impl Into<String>) -> Self {
        Self::one(ImportProblem {
            row: None,
            column: None,
            value: None,
            message: message.into(),
        })
    }

    /// The problems, one line each, for a page or a terminal that lists them.
    pub fn lines(&self) -> Vec<String> {
        self.to_string().lines().map(str::to_owned).collect()
    }
}

fn render(problems: &[ImportProblem], stopped_early: bool) -> String {
    let mut lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    if stopped_early {
        lines.push(format!(
            "stopped after {MAX_PROBLEMS} problems; fix these and check again"
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_by_letters_as_spreadsheets_do() {
        let check = |number, letters: &str| {
            let column = ColumnRef {
                header: String::new(),
                number,
            };
            assert_eq!(column.letters(), letters, "column {number}");
        };
        check(1, "A");
        check(26, "Z");
        check(27, "AA");
        check(52, "AZ");
        check(53, "BA");
        check(702, "ZZ");
        check(703, "AAA");
    }
}
