//! The bodies of the target and action plan API. Request bodies refuse
//! unknown fields and become [`ActionInput`]s or targets at the edge;
//! response bodies are built from store records and the organisation's
//! model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use simm_core::{ActionStatus, Model, Target};
use simm_store::{Action, StatusChange};

use super::edits::ActionInput;
use super::{OrganizationTarget, practice_of, timestamp};
use crate::extract::fields::{Whole, nullable, present};

/// `PUT …/target`: the stages of the areas named (the rest get their
/// default) and an optional date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    #[serde(default, deserialize_with = "present")]
    pub areas: Option<BTreeMap<String, Whole<u8>>>,
    #[serde(default)]
    pub date: Option<String>,
}

impl TargetBody {
    pub fn areas(&self) -> Vec<(&str, u8)> {
        self.areas
            .iter()
            .flatten()
            .map(|(id, Whole(stage))| (id.as_str(), *stage))
            .collect()
    }
}

/// The target as GET returns it: the core's `{areas, date}` and where it
/// came from.
#[derive(Debug, Serialize)]
pub struct TargetDto<'a> {
    #[serde(flatten)]
    pub target: &'a Target,
    pub source: &'static str,
    pub set_by: Option<&'a str>,
    pub set_at: Option<String>,
}

impl<'a> TargetDto<'a> {
    pub fn new(target: &'a OrganizationTarget) -> TargetDto<'a> {
        TargetDto {
            target: &target.target,
            source: target.source(),
            set_by: target.set.as_ref().map(|(email, _)| email.as_str()),
            set_at: target.set.as_ref().map(|(_, at)| timestamp(*at)),
        }
    }
}

/// `POST …/actions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewActionBody {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub status: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl From<NewActionBody> for ActionInput {
    fn from(body: NewActionBody) -> ActionInput {
        ActionInput {
            title: body.title,
            item: Some(body.item),
            owner: Some(body.owner),
            due: Some(body.due),
            status: body.status,
            notes: Some(body.notes),
        }
    }
}

/// `PATCH /api/v1/actions/{id}`: the fields sent change; `null` clears
/// the item (and with it the area), the owner, the due date or the notes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPatchBody {
    #[serde(default, deserialize_with = "present")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub item: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub due: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub notes: Option<Option<String>>,
}

impl From<ActionPatchBody> for ActionInput {
    fn from(body: ActionPatchBody) -> ActionInput {
        ActionInput {
            title: body.title,
            item: body.item,
            owner: body.owner,
            due: body.due,
            status: body.status,
            notes: body.notes,
        }
    }
}

/// An action as the API and the JSON download give it.
#[derive(Debug, Serialize)]
pub struct ActionDto {
    pub id: String,
    pub organization: String,
    pub title: String,
    pub item: Option<String>,
    pub area: Option<String>,
    /// The item's practice in the organisation's model; `null` without an
    /// item, or for an item the model no longer has.
    pub practice: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub status: ActionStatus,
    pub notes: String,
    pub overdue: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl ActionDto {
    pub fn new(action: Action, model: &Model, today: simm_core::CalendarDate) -> ActionDto {
        ActionDto {
            practice: practice_of(model, action.item.as_deref()).map(str::to_owned),
            overdue: super::overdue(&action, today),
            created_at: timestamp(action.created_at),
            updated_at: timestamp(action.updated_at),
            due: action.due.map(|due| due.to_string()),
            id: action.id,
            organization: action.organization_id,
            title: action.title,
            item: action.item,
            area: action.area,
            owner: action.owner,
            status: action.status,
            notes: action.notes,
        }
    }
}

/// One change of an action's status; the first is from `null`, when the
/// action was created.
#[derive(Debug, Serialize)]
pub struct StatusChangeDto {
    pub from: Option<ActionStatus>,
    pub to: ActionStatus,
    pub by: String,
    pub at: String,
}

impl From<StatusChange> for StatusChangeDto {
    fn from(change: StatusChange) -> StatusChangeDto {
        StatusChangeDto {
            from: change.from,
            to: change.to,
            by: change.changed_by_email,
            at: timestamp(change.changed_at),
        }
    }
}
