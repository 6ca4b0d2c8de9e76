//! Lays the calibration view out as HTML through askama templates, which
//! escape every interpolated text; the map is inserted as markup and
//! escapes its own texts.

use askama::Template;

use super::CALIBRATION_CSS;
use super::view::CalibrationView;

#[derive(Template)]
#[template(path = "calibration.html")]
struct CalibrationFragment<'a> {
    view: &'a CalibrationView,
    map: String,
}

#[derive(Template)]
#[template(path = "page.html")]
struct CalibrationPage<'a> {
    title: &'a str,
    css: &'static str,
    fragment: String,
}

/// The whole document: the fragment with its styles, under its title.
pub(super) fn page(view: &CalibrationView, map: String) -> String {
    CalibrationPage {
        title: &view.title,
        css: CALIBRATION_CSS,
        fragment: fragment(view, map),
    }
    .render()
    .expect("the template writes into a String and its values always format")
}

/// The `<div class="simm-calibration">` that a page with its own layout
/// embeds.
pub(super) fn fragment(view: &CalibrationView, map: String) -> String {
    CalibrationFragment { view, map }
        .render()
        .expect("the template writes into a String and its values always format")
}
