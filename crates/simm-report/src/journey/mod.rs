//! The journey: the roadmap from today's stages to the target, and the
//! trend over rounds. Each has a view of ready-to-show texts
//! (`roadmap.rs`, `trend.rs`), laid out as Markdown or HTML (`html.rs`:
//! the fragment a web page embeds, or a whole document).

mod html;
mod roadmap;
mod trend;

pub use roadmap::{PhaseView, RoadmapPracticeRow, RoadmapView, TargetRow, roadmap_view};
pub(crate) use roadmap::{target_by, target_sentence};
pub use trend::{
    ActionDone, AreaTrendView, OutcomeRow, RoundRow, TrendCell, TrendView, TrendViewInput,
    trend_view,
};

/// The styles of the journey fragments, for pages that embed them.
pub const JOURNEY_CSS: &str = r#".simm-journey table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
.simm-journey th, .simm-journey td { border-bottom: 1px solid var(--line, #d0d7de); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
.simm-journey .phase { border-left: 4px solid var(--accent, #1d4e89); padding: 0.25rem 0 0.25rem 1rem; margin: 1rem 0; }
.simm-journey .real { font-weight: 600; color: #1b6e3a; }
.simm-journey .noise { color: var(--muted, #4b5563); }
.simm-journey .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.simm-journey .charts svg { max-width: 100%; height: auto; }
.simm-journey .note { color: var(--muted, #4b5563); }
"#;

/// The roadmap as Markdown.
pub fn roadmap_markdown(view: &RoadmapView) -> String {
    roadmap::markdown(view)
}

/// The `<div class="simm-journey">` of the roadmap, with `adopt` the form
/// action of an "Adopt" button per practice, if the page offers one.
pub fn roadmap_html_fragment(view: &RoadmapView, adopt: Option<&str>, csrf: &str) -> String {
    html::roadmap_fragment(view, adopt, csrf)
}

/// The roadmap as one self-contained HTML document.
pub fn roadmap_html(view: &RoadmapView) -> String {
    html::page(&view.title, &html::roadmap_fragment(view, None, ""))
}

/// The trend as Markdown.
pub fn trend_markdown(view: &TrendView) -> String {
    trend::markdown(view)
}

/// The `<div class="simm-journey">` of the trend.
pub fn trend_html_fragment(view: &TrendView) -> String {
    html::trend_fragment(view)
}

/// The trend as one self-contained HTML document.
pub fn trend_html(view: &TrendView) -> String {
    html::page(&view.title, &html::trend_fragment(view))
}

#[cfg(test)]
mod tests;
