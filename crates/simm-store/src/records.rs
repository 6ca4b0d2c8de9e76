//! Plain records the store reads and writes. They carry no sqlx traits;
//! the store decodes rows into them by hand.

use std::collections::BTreeMap;

use simm_core::{ActionStatus, CalendarDate};

use crate::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Consultant,
    Viewer,
    /// Looks after the models: sees the stored model versions and
    /// calibrations pooled over every assessment, never an organisation.
    Steward,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "consultant" => Some(Role::Consultant),
            "viewer" => Some(Role::Viewer),
            "steward" => Some(Role::Steward),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Consultant => "consultant",
            Role::Viewer => "viewer",
            Role::Steward => "steward",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub name: String,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    pub id: String,
    pub model_id: String,
    pub version: String,
    pub content_hash: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssessmentState {
    Draft,
    Open,
    Closed,
}

impl AssessmentState {
    pub(crate) fn parse(text: &str) -> AssessmentState {
        match text {
            "open" => AssessmentState::Open,
            "closed" => AssessmentState::Closed,
            _ => AssessmentState::Draft,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentState::Draft => "draft",
            AssessmentState::Open => "open",
            AssessmentState::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: String,
    pub organization_id: String,
    pub model_version_id: String,
    pub title: String,
    pub state: AssessmentState,
    /// Frozen when the assessment first opens.
    pub anonymity_min: Option<u32>,
    /// When it was last closed (Unix seconds); kept when it reopens.
    pub closed_at: Option<i64>,
}

/// Respondent attributes preset on an invitation, such as role = partner.
pub type Attributes = BTreeMap<String, String>;

/// Reads attributes as they are stored: a JSON object of strings. `place`
/// names the table, row and column for the error, since a row that does
/// not decode is corrupt, not a respondent without attributes.
pub(crate) fn parse_attributes(json: &str, place: std::fmt::Arguments<'_>) -> Result<Attributes> {
    serde_json::from_str(json)
        .map_err(|error| StoreError::Corrupt(format!("{place}, column attributes: {error}")))
}

/// Reads a stored date column: YYYY-MM-DD or NULL. `place` names the
/// table and row, as for [`parse_attributes`].
pub(crate) fn parse_date(
    text: Option<&str>,
    place: &str,
    column: &str,
) -> Result<Option<CalendarDate>> {
    text.map(CalendarDate::parse)
        .transpose()
        .map_err(|error| StoreError::Corrupt(format!("{place}, column {column}: {error}")))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub token_hash: Vec<u8>,
    pub attributes: Attributes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Started,
    Submitted,
}

impl InvitationState {
    pub(crate) fn parse(text: &str) -> InvitationState {
        match text {
            "started" => InvitationState::Started,
            "submitted" => InvitationState::Submitted,
            _ => InvitationState::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Started => "started",
            InvitationState::Submitted => "submitted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub assessment_id: String,
    pub attributes: Attributes,
    pub state: InvitationState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipationRow {
    pub attributes: Attributes,
    pub state: InvitationState,
    pub invitations: i64,
    /// Of them, those whose link was opened (or that were answered
    /// before opening was recorded).
    pub opened: i64,
}

/// A submitted response: attributes, date and answers, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub id: String,
    pub attributes: Attributes,
    pub submitted_on: String,
    /// One byte per model item, in model order; 0 for no answer.
    pub answers: Vec<u8>,
}

/// A stored model version with how much it is used: by how many
/// assessments, and how many responses those received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersionUsage {
    pub version: ModelVersion,
    pub assessments: i64,
    pub submitted_responses: i64,
}

/// The answers of every submitted response of a model version, pooled over
/// its assessments: one matrix row per response, and, when asked, each
/// response's value of one attribute (in the same order).
#[derive(Debug, Clone)]
pub struct PooledAnswers {
    pub matrix: simm_core::AnswerMatrix,
    /// Per row of the matrix, the response's value of the attribute asked
    /// for; empty when no attribute was asked for.
    pub attribute_values: Vec<Option<String>>,
    /// How many assessments contributed at least one response.
    pub assessments: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse {
    pub attributes: Attributes,
    pub answers: Vec<u8>,
}

/// An organisation's target as stored. The store has no model, so the
/// areas are the (area id, stage) pairs that were saved, in id order;
/// `simm_core::Target::parse` checks them against a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTarget {
    pub areas: Vec<(String, u8)>,
    pub date: Option<CalendarDate>,
    pub set_by_email: String,
    /// Unix seconds.
    pub set_at: i64,
}

/// An action of an organisation's plan. `item` and `area` are the model's
/// ids as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: String,
    pub organization_id: String,
    pub title: String,
    pub item: Option<String>,
    pub area: Option<String>,
    pub owner: Option<String>,
    pub due: Option<CalendarDate>,
    pub status: ActionStatus,
    pub notes: String,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// A new action, its texts already checked (`simm_core::action_title` and
/// its kin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub title: String,
    pub item: Option<String>,
    pub area: Option<String>,
    pub owner: Option<String>,
    pub due: Option<CalendarDate>,
    pub status: ActionStatus,
    pub notes: String,
}

/// The fields a change sets; `None` leaves a field as it is. A nullable
/// field is `Some(None)` to clear it, as a PATCH with `null` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionChanges {
    pub title: Option<String>,
    pub item: Option<Option<String>>,
    pub area: Option<Option<String>>,
    pub owner: Option<Option<String>>,
    pub due: Option<Option<CalendarDate>>,
    pub status: Option<ActionStatus>,
    pub notes: Option<String>,
}

/// One change of an action's status; the first of every action is from
/// `None`, when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub action_id: String,
    pub from: Option<ActionStatus>,
    pub to: ActionStatus,
    pub changed_by_email: String,
    /// Unix seconds.
    pub changed_at: i64,
}
