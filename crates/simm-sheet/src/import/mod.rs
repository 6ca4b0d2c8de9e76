//! Responses exported by other survey tools, turned into simm's own
//! response sheet (docs/import.md).
//!
//! Each reader turns its tool's export into a [`Table`] of header cells and
//! text cells "as the tool writes it"; [`convert`] then maps columns to
//! items and attributes, drops the columns that identify people, recodes
//! answer labels to scale points and writes a sheet that
//! [`read_sheet`](crate::read_sheet) reads. Respondent ids of the export
//! never reach the sheet: its rows get fresh `row-N` ids.

mod convert;
mod draft;
mod error;
mod google_forms;
mod limesurvey;
mod mapping;
mod microsoft_forms;
mod privacy;
mod qualtrics;
mod similarity;
mod table;
mod xlsx;

use std::fmt;
use std::str::FromStr;

pub use convert::{Converted, DroppedColumn, MappedColumn, Target, convert};
pub use draft::Draft;
pub use error::{ColumnRef, ImportError, ImportProblem};
pub use mapping::{Mapping, MappingError};
pub use privacy::DropReason;

use table::Table;

/// The first worksheet of an XLSX workbook, its rows numbered as the
/// spreadsheet shows them; for the recipients sheet, which is no export.
pub(crate) fn workbook_rows(workbook: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    xlsx::first_sheet(workbook).map_err(|error| error.to_string())
}

/// The survey tool an export comes from; its names are the CLI's
/// `--from` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Qualtrics' CSV download, with its three header rows.
    Qualtrics,
    /// LimeSurvey's CSV export, with codes or full texts.
    LimeSurvey,
    /// Google Forms' CSV download of the responses.
    GoogleForms,
    /// Microsoft Forms' .xlsx download of the responses.
    MicrosoftForms,
    /// An .xlsx workbook in simm's own layout.
    Xlsx,
}

impl Source {
    /// Every source, in the order the CLI lists them.
    pub const ALL: [Source; 5] = [
        Source::Qualtrics,
        Source::LimeSurvey,
        Source::GoogleForms,
        Source::MicrosoftForms,
        Source::Xlsx,
    ];

    /// The name `--from` takes.
    pub fn name(self) -> &'static str {
        match self {
            Source::Qualtrics => "qualtrics",
            Source::LimeSurvey => "limesurvey",
            Source::GoogleForms => "google-forms",
            Source::MicrosoftForms => "microsoft-forms",
            Source::Xlsx => "xlsx",
        }
    }

    fn read(self, export: &[u8]) -> Result<Table, ImportError> {
        match self {
            Source::Qualtrics => qualtrics::read(export),
            Source::LimeSurvey => limesurvey::read(export),
            Source::GoogleForms => google_forms::read(export),
            Source::MicrosoftForms => microsoft_forms::read(export),
            Source::Xlsx => xlsx::read(export),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--from` value that names no source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnknownSource(String);

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        if let Some(source) = Source::ALL
            .into_iter()
            .find(|source| source.name().eq_ignore_ascii_case(wanted))
        {
            return Ok(source);
        }
        let names = Source::ALL.map(Source::name);
        let hint = simm_core::did_you_mean(wanted, names)
            .map(|name| format!("; did you mean {name:?}?"))
            .unwrap_or_default();
        Err(UnknownSource(format!(
            "{} is not a survey tool simm imports from; expected one of {}{hint}",
            simm_core::quote_value(wanted),
            names.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_by_their_cli_names_and_suggest_the_nearest() {
        for source in Source::ALL {
            assert_eq!(source.name().parse::<Source>(), Ok(source));
        }
        assert_eq!("Google-Forms".parse::<Source>(), Ok(Source::GoogleForms));
        let error = "qualtrix".parse::<Source>().unwrap_err().to_string();
        assert!(error.contains("did you mean \"qualtrics\"?"), "{error}");
    }
}
