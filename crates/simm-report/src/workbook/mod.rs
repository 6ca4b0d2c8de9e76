//! The workbook for analysts (`--format xlsx`, and the results page's
//! download): the results view's texts beside the results' numbers, one
//! sheet per table of the report. One file per concern: `cells.rs` how a
//! value becomes a cell, `results.rs` the results' sheets, `responses.rs`
//! the rows, `journey.rs` the action plan and the trend.

mod cells;
mod journey;
mod responses;
mod results;

use rust_xlsxwriter::{Workbook, XlsxError};
use simm_core::{Model, Results, Trend};

pub use journey::ActionRow;
pub use responses::ResponseTable;

use crate::{ResultsView, TrendView};

/// The media type of an .xlsx file.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing the workbook: {0}")]
pub struct WorkbookError(#[from] XlsxError);

/// What a workbook holds. Only `results` (with its view) is required; each
/// other part adds its sheet, and a caller passes only what its reader may
/// see.
pub struct WorkbookInput<'a> {
    pub model: &'a Model,
    pub results: Option<ResultsPart<'a>>,
    /// The response rows: consultants only, as for responses.csv.
    pub responses: Option<&'a ResponseTable>,
    pub actions: Option<&'a [ActionRow]>,
    pub trend: Option<TrendPart<'a>>,
}

/// Results with the view built from them (`results_view` or
/// `results_view_toward`), so that the workbook says what the reports say.
#[derive(Clone, Copy)]
pub struct ResultsPart<'a> {
    pub results: &'a Results,
    pub view: &'a ResultsView,
}

#[derive(Clone, Copy)]
pub struct TrendPart<'a> {
    pub trend: &'a Trend,
    pub view: &'a TrendView,
}

/// The workbook's bytes.
pub fn workbook(input: &WorkbookInput<'_>) -> Result<Vec<u8>, WorkbookError> {
    let mut book = Workbook::new();
    let formats = cells::Formats::new();
    let model = input.model;
    if let Some(ResultsPart { results, view }) = input.results {
        results::summary(&mut book, &formats, model, results, view)?;
        results::areas(&mut book, &formats, model, results, view)?;
        results::stage_fulfilment(&mut book, &formats, results, view)?;
        results::items(&mut book, &formats, results, view)?;
        results::consensus(&mut book, &formats, results, view)?;
        results::groups(&mut book, &formats, model, results, view)?;
    }
    if let Some(table) = input.responses {
        responses::responses(&mut book, &formats, model, table)?;
    }
    if let Some(actions) = input.actions {
        journey::actions(&mut book, &formats, actions)?;
    }
    if let Some(TrendPart { trend, view }) = input.trend {
        journey::trend(&mut book, &formats, model, trend, view)?;
    }
    Ok(book.save_to_buffer()?)
}
