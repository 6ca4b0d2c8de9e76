//! The PDF report and the slide deck, rendered with typst from the report
//! view model (`simm_report::ResultsView` and the journey's views), so that
//! they say what the HTML report says.
//!
//! typst runs as a library in a world held in memory (`world.rs`): the
//! layouts in `typst/` are compiled in, the fonts are typst-assets', the
//! charts are the HTML report's SVG, and no package is ever fetched. User
//! text reaches typst only inside string literals (`value.rs`).

mod data;
mod value;
mod world;

use simm_core::CalendarDate;
use simm_report::{ActionRow, Branding, Charts, ResultsView, RoadmapView, TrendView};
use typst_layout::PagedDocument;

use crate::world::MemoryWorld;

const COMMON: &str = include_str!("../typst/common.typ");
const REPORT: &str = include_str!("../typst/report.typ");
const SLIDES: &str = include_str!("../typst/slides.typ");

/// What a PDF shows: the results view and its charts, the roadmap toward
/// a target when there is one, and who hands it over.
pub struct Document<'a> {
    pub view: &'a ResultsView,
    pub charts: &'a Charts,
    pub roadmap: Option<&'a RoadmapView>,
    /// The organisation's action plan, where there is one (the web's
    /// assessments); the same rows as the workbook's Actions sheet.
    pub actions: Option<&'a [ActionRow]>,
    /// The organisation's rounds and trend, where there is one, as the
    /// trend page shows them (hidden rounds by their size only).
    pub trend: Option<&'a TrendView>,
    /// The organisation assessed, when known (the web's assessments).
    pub organisation: Option<&'a str>,
    pub branding: &'a Branding,
    /// The day printed on the cover, and typst's `today`: a fixed input,
    /// so that the same results give the same file.
    pub date: CalendarDate,
}

/// A document typst could not lay out. The layouts and the data are ours,
/// so this is a bug, not bad input; the messages name typst's reasons.
#[derive(Debug, thiserror::Error)]
#[error("typst could not lay out the {what}: {}", .messages.join("; "))]
pub struct PdfError {
    what: &'static str,
    messages: Vec<String>,
}

/// The report on A4: cover, executive summary, areas, roadmap, consensus,
/// groups and the statements.
pub fn report(document: &Document<'_>) -> Result<Vec<u8>, PdfError> {
    render(document, REPORT, "report")
}

/// The slide deck on 16:9 pages: one message per slide.
pub fn slides(document: &Document<'_>) -> Result<Vec<u8>, PdfError> {
    render(document, SLIDES, "slides")
}

fn render(document: &Document<'_>, layout: &str, what: &'static str) -> Result<Vec<u8>, PdfError> {
    let data = format!("#let data = {}\n", data::document(document).to_code());
    let mut files = vec![
        (
            "radar.svg".to_owned(),
            document.charts.radar.clone().into_bytes(),
        ),
        (
            "ladder.svg".to_owned(),
            document.charts.ladder.clone().into_bytes(),
        ),
    ];
    if let Some(heat) = &document.charts.heat_map {
        files.push(("heat.svg".to_owned(), heat.clone().into_bytes()));
    }
    if let (Some(name), Some(logo)) = (data::logo_file(document.branding), &document.branding.logo)
    {
        files.push((name, logo.bytes().to_vec()));
    }
    let world = MemoryWorld::new(
        layout.to_owned(),
        vec![("data.typ", data), ("common.typ", COMMON.to_owned())],
        files,
        document.date,
    );
    let failed = |diagnostics: &[typst::diag::SourceDiagnostic]| PdfError {
        what,
        messages: diagnostics
            .iter()
            .map(|diagnostic| diagnostic.message.to_string())
            .collect(),
    };
    let paged: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| failed(&errors))?;
    let options = typst_pdf::PdfOptions {
        // A stable identifier and no creation time keep the file the same
        // for the same input.
        ident: typst::foundations::Smart::Custom(format!("simm-{what}")),
        timestamp: None,
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&paged, &options).map_err(|errors| failed(&errors))
}
