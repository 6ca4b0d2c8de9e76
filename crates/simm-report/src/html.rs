//! Lays a [`Report`] out as one self-contained HTML page through an askama
//! template, which escapes every interpolated text. The charts are inserted
//! as markup; the SVG functions escape their own texts.

use askama::Template;
use simm_core::{Model, Results};

use crate::content::Report;
use crate::svg;

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    report: &'a Report,
    radar: String,
    ladder: String,
    heat_map: Option<String>,
}

pub(crate) fn render(model: &Model, results: &Results, report: &Report) -> String {
    let page = Page {
        report,
        radar: svg::radar(model, &results.areas),
        ladder: svg::stage_ladder(model, &results.areas, &results.overall),
        heat_map: results.groups.as_deref().map(|groups| {
            let minimum = results.anonymity_min_or(model.scoring().anonymity_min.get());
            svg::heat_map(model, groups, minimum)
        }),
    };
    page.render()
        .expect("the template writes into a String and its values always format")
}
