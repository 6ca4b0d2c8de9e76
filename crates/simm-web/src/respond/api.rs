//! The respondent's JSON API under /api/v1/r/{token}: the same rules as
//! the pages, for clients of their own (a survey tool, an app).
//!
//! - `GET /api/v1/r/{token}`: the questionnaire with the saved answers;
//!   `answers` holds the answered statements only, `null` for don't know.
//! - `PUT /api/v1/r/{token}/answers/{item}` with `{"value": 1..points}` or
//!   `{"value": null}` (don't know): 200 `{"saved": true}`.
//! - `POST /api/v1/r/{token}/submit`: 200 `{"submitted": true}`, the second
//!   time as well: a client that lost the first answer and retries must not
//!   be told it failed when its response is in.
//!
//! Errors are `{"error": "…"}`: 400 invalid, 404 unknown link, 409 submitted
//! already or assessment not open, 429 too many unknown links.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use simm_store::StoreError;

use super::{Failure, INVALID_LINK, Invited, invited};
use crate::auth::client_ip;
use crate::extract::fields::Whole;
use crate::extract::{ApiQuery, NoQuery, json_rejection};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/api/v1/r/{token}" => questionnaire),
    route!(PUT "/api/v1/r/{token}/answers/{item}" => save_answer),
    route!(POST "/api/v1/r/{token}/submit" => submit),
];

/// A failure as JSON.
pub(crate) struct ApiError(Failure);

impl From<Failure> for ApiError {
    fn from(failure: Failure) -> ApiError {
        ApiError(failure)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        ApiError(error.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.0 {
            Failure::InvalidLink => (
                StatusCode::NOT_FOUND,
                Json(serde_json::json!({ "error": INVALID_LINK })),
            )
                .into_response(),
            Failure::App(error) => error.into_response(),
        }
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

async fn invited_by(state: &AppState, parts: &Parts, token: &str) -> Result<Invited, Failure> {
    invited(
        state,
        client_ip(parts, state.config.trust_forwarded_for),
        token,
    )
    .await
}

#[derive(Serialize)]
struct Questionnaire {
    organization: String,
    assessment: AssessmentView,
    anonymity_min: u32,
    scale: ScaleView,
    areas: Vec<AreaView>,
    answers: BTreeMap<String, Option<u8>>,
    comments: BTreeMap<String, String>,
    submitted: bool,
}

#[derive(Serialize)]
struct AssessmentView {
    title: String,
    state: &'static str,
    /// When it closes itself, as respondents read it, if it has a deadline.
    deadline: Option<String>,
}

#[derive(Serialize)]
struct ScaleView {
    points: u8,
    labels: Vec<String>,
}

#[derive(Serialize)]
struct AreaView {
    id: String,
    name: String,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    id: String,
    text: String,
}

async fn questionnaire(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
    _query: ApiQuery<NoQuery>,
) -> ApiResult<Questionnaire> {
    let invited = invited_by(&state, &parts, &token).await?;
    state.store.mark_opened(&invited.invitation.id).await?;
    let deadline = crate::campaigns::deadline_of(&state, &invited.assessment.id)
        .await?
        .map(|deadline| deadline.to_string());
    let model = &invited.model;
    let organization = state
        .store
        .organization_name_of_assessment(&invited.assessment.id)
        .await?
        .unwrap_or_default();
    let answers = state
        .store
        .draft_answers(&invited.invitation.id)
        .await?
        .into_iter()
        .collect();
    let comments = state
        .store
        .draft_comments(&invited.invitation.id)
        .await?
        .into_iter()
        .collect();
    let areas = model
        .areas()
        .iter()
        .enumerate()
        .map(|(index, area)| AreaView {
            id: area.id.to_string(),
            name: area.name.clone(),
            items: invited
                .area_items(index)
                .map(|item| ItemView {
                    id: item.id.to_string(),
                    text: item.text.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(Questionnaire {
        organization,
        assessment: AssessmentView {
            title: invited.assessment.title.clone(),
            state: invited.assessment.state.as_str(),
            deadline,
        },
        anonymity_min: invited.anonymity_min(),
        scale: ScaleView {
            points: model.scale().points,
            labels: model.scale().labels.clone(),
        },
        areas,
        answers,
        comments,
        submitted: invited.standing() == super::Standing::Submitted,
    }))
}

/// The body of a PUT: `{"value": n}` or `{"value": null}`. Parsed by hand
/// so that a missing `value` is not taken for don't know.
fn answer_value(body: &serde_json::Value, points: u8) -> Result<Option<u8>, Failure> {
    let invalid = |what: &str| {
        Failure::bad_request(format!(
            "{what}; send {{\"value\": n}} with a whole number n from 1 to {points}, or {{\"value\": null}} for don't know"
        ))
    };
    let Some(object) = body.as_object() else {
        return Err(invalid("the body is not a JSON object"));
    };
    if let Some(unknown) = object.keys().find(|key| *key != "value") {
        return Err(invalid(&format!(
            "the body has an unknown field {unknown:?}"
        )));
    }
    match object.get("value") {
        None => Err(invalid("the body has no \"value\"")),
        Some(serde_json::Value::Null) => Ok(None),
        Some(value) => Whole::<u8>::deserialize(value)
            .ok()
            .map(|Whole(n)| n)
            .filter(|n| (1..=points).contains(n))
            .map(Some)
            .ok_or_else(|| invalid(&format!("{value} is not an answer"))),
    }
}

async fn save_answer(
    State(state): State<AppState>,
    Path((token, item)): Path<(String, String)>,
    parts: Parts,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<serde_json::Value> {
    let invited = invited_by(&state, &parts, &token).await?;
    let Json(body) = body.map_err(|rejection| json_rejection(rejection, &state))?;
    invited.item(&item)?;
    let value = answer_value(&body, invited.model.scale().points)?;
    invited.check_writable()?;
    invited.save_answers(&state, vec![(item, value)]).await?;
    Ok(Json(serde_json::json!({ "saved": true })))
}

async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
) -> ApiResult<serde_json::Value> {
    let invited = invited_by(&state, &parts, &token).await?;
    invited.submit(&state).await?;
    Ok(Json(serde_json::json!({ "submitted": true })))
}
