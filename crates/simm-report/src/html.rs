//! Lays a [`ResultsView`] out as one self-contained HTML page through an askama
//! template, which escapes every interpolated text. The charts are inserted
//! as markup; the SVG functions escape their own texts.

use askama::Template;
use simm_core::{Model, Results, Target};

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
        Self::draw_toward(model, results, None)
    }

    /// The charts with the target, when there is one: its polygon on the
    /// radar and its mark on the ladder.
    pub fn draw_toward(model: &Model, results: &Results, target: Option<&Target>) -> Self {
        let stages: Vec<(&str, u8)> = target
            .map(|target| {
                target
                    .areas()
                    .iter()
                    .map(|(area, stage)| (area.as_str(), stage.get()))
                    .collect()
            })
            .unwrap_or_default();
        let label = target.map(|target| match target.date() {
            Some(date) => format!("Target by {}", date.month()),
            None => "Target".to_owned(),
        });
        Self {
            radar: svg::radar_with_overlays(
                model,
                &results.areas,
                &svg::RadarOverlays {
                    current_label: "",
                    previous: None,
                    target: label.as_deref().map(|label| svg::RadarSeries {
                        label,
                        values: &stages,
                    }),
                },
            ),
            ladder: svg::stage_ladder_with_targets(
                model,
                &results.areas,
                &results.overall,
                &stages,
            ),
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
    /// The roadmap towards a target, as the journey's fragment.
    roadmap: Option<&'a str>,
    journey_css: &'static str,
}

pub(crate) fn render(report: &ResultsView, charts: &Charts, roadmap: Option<&str>) -> String {
    let page = Page {
        report,
        charts,
        roadmap,
        journey_css: crate::JOURNEY_CSS,
    };
    page.render()
        .expect("the template writes into a String and its values always format")
}
