//! Lays a [`ResultsView`] out as one self-contained HTML page through an askama
//! template, which escapes every interpolated text. The charts are inserted
//! as markup; the SVG functions escape their own texts.

use askama::Template;
use simm_core::{Model, Results};

use crate::content::ResultsView;
use crate::svg;

/// The charts of a results report, as SVG markup whose texts are escaped.
pub struct Charts {
    pub radar: String,
    pub ladder: String,
    /// The heat map of the groups, when the results are grouped.
    pub heat_map: Option<String>,
}

impl Charts {
    pub fn draw(model: &Model, results: &Results) -> Self {
        Self {
            radar: svg::radar(model, &results.areas),
            ladder: svg::stage_ladder(model, &results.areas, &results.overall),
            heat_map: results.groups.as_deref().map(|groups| {
                let minimum = results.anonymity_min_or(model.scoring().anonymity_min.get());
                svg::heat_map(model, groups, minimum)
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    report: &'a ResultsView,
    charts: &'a Charts,
}

pub(crate) fn render(report: &ResultsView, charts: &Charts) -> String {
    let page = Page { report, charts };
    page.render()
        .expect("the template writes into a String and its values always format")
}
