//! The journey views as HTML through askama templates, which escape every
//! interpolated text; the charts are inserted as markup and escape their
//! own texts.

use askama::Template;

use super::JOURNEY_CSS;
use super::roadmap::RoadmapView;
use super::trend::TrendView;

#[derive(Template)]
#[template(path = "roadmap.html")]
struct RoadmapFragment<'a> {
    view: &'a RoadmapView,
    adopt: Option<&'a str>,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "trend.html")]
struct TrendFragment<'a> {
    view: &'a TrendView,
}

#[derive(Template)]
#[template(path = "page.html")]
struct Page<'a> {
    title: &'a str,
    css: &'static str,
    fragment: &'a str,
}

pub(super) fn page(title: &str, fragment: &str) -> String {
    Page {
        title,
        css: JOURNEY_CSS,
        fragment,
    }
    .render()
    .expect("the template writes into a String and its values always format")
}

pub(super) fn roadmap_fragment(view: &RoadmapView, adopt: Option<&str>, csrf: &str) -> String {
    RoadmapFragment { view, adopt, csrf }
        .render()
        .expect("the template writes into a String and its values always format")
}

pub(super) fn trend_fragment(view: &TrendView) -> String {
    TrendFragment { view }
        .render()
        .expect("the template writes into a String and its values always format")
}
