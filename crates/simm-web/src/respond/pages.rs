//! The respondent's HTML pages. Every page works with plain forms; the
//! script `assets/respond.js` adds saving each answer as it is given
//! (`POST /r/{token}/answer` and `/comment`), and nothing depends on it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use simm_store::{AssessmentState, StoreError};

use super::{
    Failure, INVALID_LINK, Invited, MAX_COMMENT_CHARS, Standing, invited, parse_answer,
    parse_comment,
};
use crate::auth::client_ip;
use crate::error::ErrorMessage;
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/r/{token}" => start),
    route!(GET "/r/{token}/area/{area}" => area),
    route!(POST "/r/{token}/area/{area}" => save_area),
    route!(POST "/r/{token}/answer" => save_one_answer),
    route!(POST "/r/{token}/comment" => save_one_comment),
    route!(GET "/r/{token}/review" => review),
    route!(POST "/r/{token}/submit" => submit),
];

/// A failure shown as a respondent's page: the console's error page would
/// point to the sign-in page, which means nothing to a respondent.
pub(crate) struct PageError(Failure);

impl From<Failure> for PageError {
    fn from(failure: Failure) -> PageError {
        PageError(failure)
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> PageError {
        PageError(error.into())
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> PageError {
        PageError(error.into())
    }
}

#[derive(Template)]
#[template(path = "respond/problem.html")]
struct ProblemPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self.0 {
            Failure::InvalidLink => (StatusCode::NOT_FOUND, INVALID_LINK.to_owned()),
            Failure::App(error) => {
                // The error's own response logs an internal error and
                // carries the message to show.
                let response = error.into_response();
                let message = response
                    .extensions()
                    .get::<ErrorMessage>()
                    .map(|m| m.0.clone())
                    .unwrap_or_default();
                (response.status(), message)
            }
        };
        let title = match status {
            StatusCode::NOT_FOUND => "Link not valid",
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::SERVICE_UNAVAILABLE => {
                "Not saved"
            }
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            _ => "Something went wrong",
        };
        let message = sentence(&message);
        let page = ProblemPage {
            title,
            message: &message,
        }
        .render()
        .unwrap_or(message);
        (status, Html(page)).into_response()
    }
}

/// A message as a sentence: capital first letter, final full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

type PageResult = Result<Response, PageError>;

fn render(template: &impl Template) -> PageResult {
    Ok(Html(template.render().map_err(AppError::internal)?).into_response())
}

/// The invitation of the link in the path; see [`invited`].
async fn invited_by(state: &AppState, parts: &Parts, token: &str) -> Result<Invited, Failure> {
    invited(
        state,
        client_ip(parts, state.config.trust_forwarded_for),
        token,
    )
    .await
}

/// The form fields of a request, with every rejection (wrong content type,
/// malformed body, missing field) as a 400.
fn form_fields<T>(form: Result<Form<T>, FormRejection>) -> Result<T, Failure> {
    form.map(|Form(fields)| fields)
        .map_err(|rejection| Failure::bad_request(rejection.body_text()))
}

/// The name of the organisation the assessment belongs to.
async fn organization_name(state: &AppState, invited: &Invited) -> Result<String, Failure> {
    Ok(state
        .store
        .organization_name_of_assessment(&invited.assessment.id)
        .await?
        .unwrap_or_default())
}

/// Draft answers by item id; `None` is "don't know".
async fn drafts(
    state: &AppState,
    invited: &Invited,
) -> Result<HashMap<String, Option<u8>>, Failure> {
    Ok(state
        .store
        .draft_answers(&invited.invitation.id)
        .await?
        .into_iter()
        .collect())
}

async fn comments(state: &AppState, invited: &Invited) -> Result<HashMap<String, String>, Failure> {
    Ok(state
        .store
        .draft_comments(&invited.invitation.id)
        .await?
        .into_iter()
        .collect())
}

// ----- status pages --------------------------------------------------------

#[derive(Template)]
#[template(path = "respond/submitted.html")]
struct SubmittedPage<'a> {
    organization: &'a str,
    title: &'a str,
    anonymity_min: u32,
}

#[derive(Template)]
#[template(path = "respond/not_open.html")]
struct NotOpenPage<'a> {
    organization: &'a str,
    title: &'a str,
    not_yet: bool,
}

/// The page for a respondent who cannot answer (any more), if so.
async fn status_page(state: &AppState, invited: &Invited) -> Result<Option<Response>, PageError> {
    let standing = invited.standing();
    if standing == Standing::Open {
        return Ok(None);
    }
    let organization = organization_name(state, invited).await?;
    let title = &invited.assessment.title;
    let page = match standing {
        Standing::Submitted => render(&SubmittedPage {
            organization: &organization,
            title,
            anonymity_min: invited.anonymity_min(),
        })?,
        Standing::NotOpen(assessment_state) => render(&NotOpenPage {
            organization: &organization,
            title,
            not_yet: assessment_state == AssessmentState::Draft,
        })?,
        Standing::Open => unreachable!("handled above"),
    };
    Ok(Some(page))
}

// ----- start -------------------------------------------------------------

#[derive(Template)]
#[template(path = "respond/start.html")]
struct StartPage<'a> {
    organization: &'a str,
    title: &'a str,
    model_title: &'a str,
    stage_count: usize,
    first_stage: &'a str,
    last_stage: &'a str,
    area_count: usize,
    statements: usize,
    minutes: usize,
    anonymity_min: u32,
    /// What is kept with the answers, e.g. "Role: partner".
    kept: Vec<String>,
    /// Whether the link came by e-mail, whose address simm keeps until
    /// the close.
    emailed: bool,
    /// When the assessment closes itself, if it has a deadline.
    deadline: Option<String>,
    answered: usize,
    continue_href: String,
}

async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    if let Some(page) = status_page(&state, &invited).await? {
        return Ok(page);
    }
    state.store.mark_opened(&invited.invitation.id).await?;
    let model = &invited.model;
    let drafts = drafts(&state, &invited).await?;
    let answered = model
        .items()
        .iter()
        .filter(|item| drafts.contains_key(item.id.as_str()))
        .count();
    // Continue where something is left to answer.
    let continue_href = (0..model.areas().len())
        .find(|&index| {
            invited
                .area_items(index)
                .any(|item| !drafts.contains_key(item.id.as_str()))
        })
        .map_or_else(
            || format!("/r/{token}/review"),
            |index| format!("/r/{token}/area/{}", index + 1),
        );
    let kept = invited
        .invitation
        .attributes
        .iter()
        .map(|(id, value)| {
            let name = model.attribute(id).map_or(id.as_str(), |a| a.name.as_str());
            format!("{name}: {value}")
        })
        .collect();
    let organization = organization_name(&state, &invited).await?;
    let stages = model.stages();
    render(&StartPage {
        organization: &organization,
        title: &invited.assessment.title,
        model_title: model.title(),
        stage_count: stages.len(),
        first_stage: &stages[0].name,
        last_stage: &stages[stages.len() - 1].name,
        area_count: model.areas().len(),
        statements: model.items().len(),
        // About twelve seconds a statement.
        minutes: (model.items().len() * 12).div_ceil(60).max(1),
        anonymity_min: invited.anonymity_min(),
        kept,
        emailed: state
            .store
            .invitation_was_emailed(&invited.invitation.id)
            .await?,
        deadline: crate::campaigns::deadline_of(&state, &invited.assessment.id)
            .await?
            .map(|deadline| deadline.to_string()),
        answered,
        continue_href,
    })
}

// ----- areas ---------------------------------------------------------------

struct Choice {
    /// "1".."points", or "dk".
    value: String,
    label: String,
    checked: bool,
}

struct Statement {
    id: String,
    /// Numbered through the questionnaire in the order it is shown.
    number: usize,
    text: String,
    choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "respond/area.html")]
struct AreaPage<'a> {
    organization: &'a str,
    base: String,
    number: usize,
    count: usize,
    area_id: &'a str,
    name: &'a str,
    description: &'a str,
    statements: Vec<Statement>,
    comment: String,
    max_comment: usize,
    answered: usize,
    answered_elsewhere: usize,
    total: usize,
    last: bool,
}

/// The 0-based index of the area numbered `text` in the path, or a 400.
fn area_index(invited: &Invited, text: &str) -> Result<usize, Failure> {
    let count = invited.model.areas().len();
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .map(|n| n - 1)
        .ok_or_else(|| {
            Failure::bad_request(format!(
                "there is no area {text:?}; the areas are numbered 1 to {count}"
            ))
        })
}

/// The number the first statement of the area gets.
fn first_number(invited: &Invited, index: usize) -> usize {
    (0..index)
        .map(|before| invited.area_items(before).count())
        .sum::<usize>()
        + 1
}

async fn area(
    State(state): State<AppState>,
    Path((token, number)): Path<(String, String)>,
    parts: Parts,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    let index = area_index(&invited, &number)?;
    if let Some(page) = status_page(&state, &invited).await? {
        return Ok(page);
    }
    let model = &invited.model;
    let area = &model.areas()[index];
    let drafts = drafts(&state, &invited).await?;
    let mut comments = comments(&state, &invited).await?;
    let scale = model.scale();
    let first = first_number(&invited, index);
    let statements: Vec<Statement> = invited
        .area_items(index)
        .enumerate()
        .map(|(position, item)| {
            let given = drafts.get(item.id.as_str());
            let mut choices: Vec<Choice> = (1..=scale.points)
                .map(|value| Choice {
                    value: value.to_string(),
                    label: scale.labels[usize::from(value - 1)].clone(),
                    checked: given == Some(&Some(value)),
                })
                .collect();
            choices.push(Choice {
                value: "dk".to_owned(),
                label: "Don't know".to_owned(),
                checked: given == Some(&None),
            });
            Statement {
                id: item.id.to_string(),
                number: first + position,
                text: item.text.clone(),
                choices,
            }
        })
        .collect();
    let answered = model
        .items()
        .iter()
        .filter(|item| drafts.contains_key(item.id.as_str()))
        .count();
    let answered_here = invited
        .area_items(index)
        .filter(|item| drafts.contains_key(item.id.as_str()))
        .count();
    let organization = organization_name(&state, &invited).await?;
    render(&AreaPage {
        organization: &organization,
        base: format!("/r/{token}"),
        number: index + 1,
        count: model.areas().len(),
        area_id: area.id.as_str(),
        name: &area.name,
        description: &area.description,
        statements,
        comment: comments.remove(area.id.as_str()).unwrap_or_default(),
        max_comment: MAX_COMMENT_CHARS,
        answered,
        answered_elsewhere: answered - answered_here,
        total: model.items().len(),
        last: index + 1 == model.areas().len(),
    })
}

/// The prefix of an answer's field name in the area form: `item-VS-2-01`.
const ITEM_FIELD: &str = "item-";

/// Saves the area's form: every answer given and the comment, or nothing
/// if any field is invalid. Then moves on, or back.
async fn save_area(
    State(state): State<AppState>,
    Path((token, number)): Path<(String, String)>,
    parts: Parts,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    let index = area_index(&invited, &number)?;
    let fields = form_fields(form)?;
    let area = &invited.model.areas()[index];
    let points = invited.model.scale().points;
    let mut answers: Vec<(String, Option<u8>)> = Vec::new();
    let mut comment = None;
    let mut back = false;
    for (name, value) in &fields {
        if let Some(item_id) = name.strip_prefix(ITEM_FIELD) {
            let item = invited.item(item_id)?;
            if item.area != area.id {
                return Err(Failure::bad_request(format!(
                    "statement {item_id} is not in the area {}",
                    area.name
                ))
                .into());
            }
            if answers.iter().any(|(id, _)| id == item_id) {
                return Err(
                    Failure::bad_request(format!("statement {item_id} is answered twice")).into(),
                );
            }
            answers.push((item_id.to_owned(), parse_answer(item, value, points)?));
        } else if name == "comment" {
            comment = Some(parse_comment(&area.name, value)?);
        } else if name == "go" {
            back = match value.as_str() {
                "previous" => true,
                "next" => false,
                other => {
                    return Err(Failure::bad_request(format!(
                        "{other:?} is not a way to go; use \"previous\" or \"next\""
                    ))
                    .into());
                }
            };
        } else {
            return Err(
                Failure::bad_request(format!("the form has an unknown field {name:?}")).into(),
            );
        }
    }
    invited.check_writable()?;
    invited.save_answers(&state, answers).await?;
    if let Some(comment) = comment {
        invited
            .save_comment(&state, area.id.as_str(), &comment)
            .await?;
    }
    let count = invited.model.areas().len();
    let target = match (back, index) {
        (true, 0) => format!("/r/{token}"),
        (true, _) => format!("/r/{token}/area/{index}"),
        (false, _) if index + 1 == count => format!("/r/{token}/review"),
        (false, _) => format!("/r/{token}/area/{}", index + 2),
    };
    Ok(Redirect::to(&target).into_response())
}

// ----- autosave -------------------------------------------------------------

#[derive(Deserialize)]
struct OneAnswer {
    item: String,
    value: String,
}

/// Saves one answer the moment it is given (the script's autosave).
async fn save_one_answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
    form: Result<Form<OneAnswer>, FormRejection>,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    let OneAnswer { item, value } = form_fields(form)?;
    let value = parse_answer(invited.item(&item)?, &value, invited.model.scale().points)?;
    invited.check_writable()?;
    invited.save_answers(&state, vec![(item, value)]).await?;
    Ok(Json(serde_json::json!({ "saved": true })).into_response())
}

#[derive(Deserialize)]
struct OneComment {
    area: String,
    comment: String,
}

/// Saves an area's comment when the respondent leaves the field.
async fn save_one_comment(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
    form: Result<Form<OneComment>, FormRejection>,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    let OneComment { area, comment } = form_fields(form)?;
    let index = invited.area_index(&area)?;
    let comment = parse_comment(&invited.model.areas()[index].name, &comment)?;
    invited.check_writable()?;
    invited.save_comment(&state, &area, &comment).await?;
    Ok(Json(serde_json::json!({ "saved": true })).into_response())
}

// ----- review and submit ------------------------------------------------------

struct ReviewStatement {
    number: usize,
    text: String,
    answer: String,
    /// "given", "dk" or "none", for styling.
    kind: &'static str,
}

struct ReviewArea {
    number: usize,
    name: String,
    statements: Vec<ReviewStatement>,
    comment: Option<String>,
}

#[derive(Template)]
#[template(path = "respond/review.html")]
struct ReviewPage<'a> {
    organization: &'a str,
    base: String,
    areas: Vec<ReviewArea>,
    total: usize,
    answered: usize,
    dont_know: usize,
    unanswered: usize,
}

async fn review(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    if let Some(page) = status_page(&state, &invited).await? {
        return Ok(page);
    }
    state.store.mark_opened(&invited.invitation.id).await?;
    let model = &invited.model;
    let drafts = drafts(&state, &invited).await?;
    let mut comments = comments(&state, &invited).await?;
    let labels = &model.scale().labels;
    let (mut dont_know, mut unanswered) = (0, 0);
    let mut number = 0;
    let areas = model
        .areas()
        .iter()
        .enumerate()
        .map(|(index, area)| ReviewArea {
            number: index + 1,
            name: area.name.clone(),
            statements: invited
                .area_items(index)
                .map(|item| {
                    number += 1;
                    let (answer, kind) = match drafts.get(item.id.as_str()) {
                        Some(Some(value)) => (
                            labels
                                .get(usize::from(*value).wrapping_sub(1))
                                .cloned()
                                .unwrap_or_else(|| value.to_string()),
                            "given",
                        ),
                        Some(None) => {
                            dont_know += 1;
                            ("Don't know".to_owned(), "dk")
                        }
                        None => {
                            unanswered += 1;
                            ("Not answered".to_owned(), "none")
                        }
                    };
                    ReviewStatement {
                        number,
                        text: item.text.clone(),
                        answer,
                        kind,
                    }
                })
                .collect(),
            comment: comments.remove(area.id.as_str()),
        })
        .collect();
    let organization = organization_name(&state, &invited).await?;
    let total = model.items().len();
    render(&ReviewPage {
        organization: &organization,
        base: format!("/r/{token}"),
        areas,
        total,
        answered: total - unanswered,
        dont_know,
        unanswered,
    })
}

/// Submits, then shows the thank-you page by redirecting to the link,
/// so reloading does not post again. Submitting twice (a second tab, a
/// double click) lands on the same page.
async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
) -> PageResult {
    let invited = invited_by(&state, &parts, &token).await?;
    invited.submit(&state).await?;
    Ok(Redirect::to(&format!("/r/{token}")).into_response())
}
