//! Plain records the store reads and writes. They carry no sqlx traits;
//! the store decodes rows into them by hand.

use std::collections::BTreeMap;

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
