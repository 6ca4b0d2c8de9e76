//! The PDF report and slide deck as downloads, for the console and the API:
//! the same released results, target and roadmap as the HTML report, and
//! the organisation's action plan and trend as the workbook has them, laid
//! out by `simm_pdf` with the organisation's name and the server's
//! branding.
//!
//! typst takes a core for as long as a render lasts, so renders run on the
//! blocking pool and at most [`RENDERS`] at once server-wide; further
//! requests wait their turn rather than starving the other handlers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::response::Response;
use simm_report::Branding;
use simm_store::Assessment;
use tokio::sync::Semaphore;

use crate::layout::{attachment, short_id};
use crate::plan::target_for_results;
use crate::results::{AssessmentResults, assessment_results, hidden_conflict};
use crate::{AppError, AppState};

/// How many PDFs the server lays out at the same time.
pub const RENDERS: usize = 2;

/// The permits of the renders in flight, shared by every handler, and
/// the most that were ever taken at once.
pub(crate) struct Renders {
    permits: Arc<Semaphore>,
    peak: AtomicUsize,
}

impl Renders {
    pub(crate) fn new() -> Renders {
        Renders {
            permits: Arc::new(Semaphore::new(RENDERS)),
            peak: AtomicUsize::new(0),
        }
    }

    /// The most renders that ran at the same time since the start.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Report,
    Slides,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::Slides => "slides",
        }
    }
}

/// The PDF of `assessment`'s released results, or 409 while they are
/// below the anonymity threshold (as for the HTML report).
pub(crate) async fn download(
    state: &AppState,
    assessment: &Assessment,
    organisation: String,
    group_by: Option<&str>,
    kind: Kind,
) -> Result<Response, AppError> {
    let (model, results) = assessment_results(state, assessment, group_by).await?;
    let results = match results {
        AssessmentResults::Hidden {
            respondents,
            anonymity_min,
        } => return Err(hidden_conflict(respondents, anonymity_min)),
        AssessmentResults::Shown(results) => results,
    };
    let target = target_for_results(state, &assessment.organization_id, &model, &results).await?;
    let roadmap = simm_core::roadmap(&model, &results, &target.target);
    let view = simm_report::results_view_toward(&model, &results, &target.target);
    let charts = simm_report::Charts::draw_toward(&model, &results, Some(&target.target));
    let journey = simm_report::roadmap_view(&model, &results, &roadmap);
    // Only the report carries the plan and the trend; the deck would
    // resample every round for nothing.
    let (actions, trend) = match kind {
        Kind::Report => {
            let actions = crate::plan::action_rows(state, &assessment.organization_id).await?;
            let (_, trend) =
                crate::journey::organization_trend_view(state, &assessment.organization_id).await?;
            (Some(actions), Some(trend))
        }
        Kind::Slides => (None, None),
    };
    let config = state.config.clone();
    let date = crate::plan::today();
    let renders = state.pdf_renders.clone();
    let permit = renders
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    renders.peak.fetch_max(
        RENDERS - renders.permits.available_permits(),
        Ordering::SeqCst,
    );
    let bytes = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let unbranded = Branding::default();
        let document = simm_pdf::Document {
            view: &view,
            charts: &charts,
            roadmap: Some(&journey),
            actions: actions.as_deref(),
            trend: trend.as_ref(),
            organisation: Some(&organisation),
            branding: config.branding.as_ref().unwrap_or(&unbranded),
            date,
        };
        match kind {
            Kind::Report => simm_pdf::report(&document),
            Kind::Slides => simm_pdf::slides(&document),
        }
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    Ok(attachment(
        "application/pdf",
        &format!("simm-{}-{}.pdf", kind.name(), short_id(&assessment.id)),
        bytes,
    ))
}
