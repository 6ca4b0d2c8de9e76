//! Respondents: answering through an invitation link, as HTML pages that
//! work without JavaScript (`pages`) and as a small JSON API (`api`).
//!
//! The token in the link is the only credential. Every request looks the
//! invitation up by the token's hash; an unknown token is a 404 that counts
//! against the caller's address, so guessing is throttled. The rules are
//! the same on both surfaces:
//!
//! - a request is validated as a whole before anything is saved, so a form
//!   with one bad field saves nothing (400);
//! - after submission, and while the assessment is not open, writes are
//!   refused with 409; the store checks this again inside its transaction;
//! - submitting twice is not an error: the second submit reports the first.
//!
//! Answers stay with the invitation, so a respondent can leave and resume,
//! only until submission: then they become an anonymous response and the
//! drafts are deleted. For the same reason no submission date is kept on
//! the invitation: with the preset attributes it would point to the one
//! response of that day.

mod api;
mod pages;

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use simm_core::{Answer, Item, Model};
use simm_store::{
    Assessment, AssessmentState, Invitation, InvitationState, SaveAnswer, SaveOutcome, StoreError,
    hash_token,
};

use crate::auth::count_token_failure;
use crate::routes::Route;
use crate::{AppError, AppState};

/// The respondent's pages.
pub const PAGE_ROUTES: &[Route] = pages::ROUTES;
/// The respondent's API, which the link authorises: none of the layers of
/// the signed-in callers' API apply.
pub const API_ROUTES: &[Route] = api::ROUTES;

pub fn router() -> Router<AppState> {
    crate::routes::router(PAGE_ROUTES).merge(crate::routes::router(API_ROUTES))
}

/// The longest area comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

const INVALID_LINK: &str =
    "This link is not valid. Check that you opened the whole link from your invitation.";
const SUBMITTED: &str =
    "Your answers were submitted already, so they can no longer be changed. Thank you.";
const NOT_OPEN: &str =
    "This assessment is not open, so answers cannot be given or changed at the moment.";

/// Why a respondent request failed: an unknown link, or any other error.
pub(crate) enum Failure {
    InvalidLink,
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Failure {
        Failure::App(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::App(error.into())
    }
}

impl Failure {
    fn bad_request(message: impl Into<String>) -> Failure {
        Failure::App(AppError::bad_request(message))
    }
}

/// An invitation found by its token, with its assessment and model.
pub(crate) struct Invited {
    pub invitation: Invitation,
    pub assessment: Assessment,
    pub model: Arc<Model>,
}

/// Whether the respondent may still answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Open,
    Submitted,
    NotOpen(AssessmentState),
}

/// Looks the invitation up by its token. An unknown token counts as a
/// guess against the address, which is refused (429) after too many.
pub(crate) async fn invited(
    state: &AppState,
    ip: Option<IpAddr>,
    token: &str,
) -> Result<Invited, Failure> {
    let Some((invitation, assessment)) = state
        .store
        .invitation_with_assessment(&hash_token(token))
        .await?
    else {
        count_token_failure(state, ip).await?;
        return Err(Failure::InvalidLink);
    };
    let model = state.model(&assessment.model_version_id).await?;
    Ok(Invited {
        invitation,
        assessment,
        model,
    })
}

impl Invited {
    pub fn standing(&self) -> Standing {
        if self.invitation.state == InvitationState::Submitted {
            Standing::Submitted
        } else if self.assessment.state != AssessmentState::Open {
            Standing::NotOpen(self.assessment.state)
        } else {
            Standing::Open
        }
    }

    /// Refuses a write unless the respondent may still answer. The store
    /// checks again when it writes; this spares the work before that.
    pub fn check_writable(&self) -> Result<(), Failure> {
        match self.standing() {
            Standing::Open => Ok(()),
            Standing::Submitted => Err(AppError::conflict(SUBMITTED).into()),
            Standing::NotOpen(_) => Err(AppError::conflict(NOT_OPEN).into()),
        }
    }

    /// The threshold promised to respondents: frozen when the assessment
    /// opened, or the model's while it has never been open.
    pub fn anonymity_min(&self) -> u32 {
        crate::results::policy(&self.assessment, &self.model).minimum()
    }

    /// The items of the area at `index` (0-based), in model order.
    pub fn area_items(&self, index: usize) -> impl Iterator<Item = &Item> {
        let area = &self.model.areas()[index].id;
        self.model
            .items()
            .iter()
            .filter(move |item| &item.area == area)
    }

    /// Every item id in model order: the order of a response's answers.
    pub fn item_ids(&self) -> Vec<&str> {
        self.model.items().iter().map(|i| i.id.as_str()).collect()
    }

    /// The model item with this id, or a 400 naming it.
    pub fn item(&self, id: &str) -> Result<&Item, Failure> {
        self.model
            .items()
            .iter()
            .find(|item| item.id.as_str() == id)
            .ok_or_else(|| {
                let hint =
                    simm_core::did_you_mean(id, self.model.items().iter().map(|i| i.id.as_str()))
                        .map(|s| format!("; did you mean {s:?}?"))
                        .unwrap_or_default();
                Failure::bad_request(format!(
                    "there is no statement {}{hint}",
                    simm_core::quote_value(id)
                ))
            })
    }

    /// The index of the area with this id, or a 400 naming it.
    pub fn area_index(&self, id: &str) -> Result<usize, Failure> {
        self.model
            .areas()
            .iter()
            .position(|area| area.id.as_str() == id)
            .ok_or_else(|| Failure::bad_request(format!("there is no area {id:?}")))
    }

    /// Saves answers, all at once so the store's writer commits them
    /// together; they must have been validated already.
    pub async fn save_answers(
        &self,
        state: &AppState,
        answers: Vec<(String, Option<u8>)>,
    ) -> Result<(), Failure> {
        let saves = answers
            .into_iter()
            .map(|(item_id, value)| SaveAnswer {
                invitation_id: self.invitation.id.clone(),
                item_id,
                value,
            })
            .collect();
        // One request to the writer: the form's answers are saved in one
        // transaction, all or none.
        let outcome = state.store.save_answers(saves).await?;
        check_outcome(outcome)
    }

    pub async fn save_comment(
        &self,
        state: &AppState,
        area_id: &str,
        body: &str,
    ) -> Result<(), Failure> {
        check_outcome(
            state
                .store
                .save_comment(&self.invitation.id, area_id, body)
                .await?,
        )
    }

    /// Submits; submitting again is not an error.
    pub async fn submit(&self, state: &AppState) -> Result<(), Failure> {
        let outcome = state
            .store
            .submit(&self.invitation.id, &self.item_ids())
            .await?;
        match outcome {
            SaveOutcome::AlreadySubmitted => Ok(()),
            other => check_outcome(other),
        }
    }
}

/// What a write the store refused means to the respondent.
fn check_outcome(outcome: SaveOutcome) -> Result<(), Failure> {
    match outcome {
        SaveOutcome::Saved => Ok(()),
        SaveOutcome::AlreadySubmitted => Err(AppError::conflict(SUBMITTED).into()),
        SaveOutcome::NotOpen => Err(AppError::conflict(NOT_OPEN).into()),
        SaveOutcome::UnknownInvitation => Err(Failure::InvalidLink),
    }
}

/// Parses an answer given in a form: a whole number on the scale, or "dk"
/// for don't know (`None`).
pub(crate) fn parse_answer(item: &Item, text: &str, points: u8) -> Result<Option<u8>, Failure> {
    let invalid = || {
        Failure::bad_request(format!(
            "{text:?} is not an answer to statement {}: give a whole number from 1 to {points}, or \"dk\" for don't know",
            item.id
        ))
    };
    if text.trim().is_empty() {
        return Err(invalid());
    }
    Answer::parse(text, points)
        .map(|answer| answer.map(Answer::get))
        .map_err(|_| invalid())
}

/// Checks an area comment and returns it with line breaks as "\n": a
/// browser sends "\r\n", which would count twice against the limit its
/// `maxlength` already enforced.
pub(crate) fn parse_comment(area_name: &str, text: &str) -> Result<String, Failure> {
    let text = text.replace("\r\n", "\n");
    let chars = text.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(Failure::bad_request(format!(
            "the comment on {area_name} is {chars} characters long; it may be at most {MAX_COMMENT_CHARS}"
        )));
    }
    if text.contains('\0') {
        return Err(Failure::bad_request(format!(
            "the comment on {area_name} contains a NUL character"
        )));
    }
    Ok(text)
}
