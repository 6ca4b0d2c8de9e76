//! The rules of a new or changed action, which the API and the console's
//! forms share: each field is checked by the core's rules
//! (`simm_core::action_title` and its kin), an item must be one of the
//! organisation's model and brings its area, and a viewer may change only
//! the status and the notes. Messages name the field as the API's JSON
//! does (`due: …`).

use simm_core::{
    ActionStatus, CalendarDate, Model, action_notes, action_owner, action_title, did_you_mean,
    quote_value,
};
use simm_store::{ActionChanges, NewAction};

use crate::AppError;

/// The fields a request sends, as text, before they are checked. `None`
/// is a field left out; `Some(None)` clears a field that may be empty.
#[derive(Debug, Default)]
pub(crate) struct ActionInput {
    pub title: Option<String>,
    pub item: Option<Option<String>>,
    pub owner: Option<Option<String>>,
    pub due: Option<Option<String>>,
    pub status: Option<String>,
    pub notes: Option<Option<String>>,
}

fn invalid(field: &str, message: impl std::fmt::Display) -> AppError {
    AppError::bad_request(format!("{field}: {message}"))
}

/// The model's item `id` with its area, or a 400 naming the nearest id.
fn item_of(model: &Model, id: &str) -> Result<(String, String), AppError> {
    let Some(index) = model.item_index(id) else {
        let ids = model.items().iter().map(|item| item.id.as_str());
        let hint = did_you_mean(id, ids)
            .map(|suggestion| format!("; did you mean {suggestion:?}?"))
            .unwrap_or_default();
        return Err(invalid(
            "item",
            format!(
                "the model {} {} has no item {}{hint}",
                model.id(),
                model.version(),
                quote_value(id)
            ),
        ));
    };
    let item = &model.items()[index];
    Ok((item.id.as_str().to_owned(), item.area.as_str().to_owned()))
}

fn owner(text: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = text else { return Ok(None) };
    action_owner(text)
        .map(|owner| owner.map(str::to_owned))
        .map_err(|problem| invalid("owner", problem))
}

fn due(text: Option<&str>) -> Result<Option<CalendarDate>, AppError> {
    text.map(CalendarDate::parse)
        .transpose()
        .map_err(|error| invalid("due", error))
}

fn status(text: &str) -> Result<ActionStatus, AppError> {
    ActionStatus::parse(text).map_err(|error| invalid("status", error))
}

fn notes(text: Option<&str>) -> Result<String, AppError> {
    action_notes(text.unwrap_or_default())
        .map(str::to_owned)
        .map_err(|problem| invalid("notes", problem))
}

impl ActionInput {
    /// A new action. Without a title, an action for an item takes the
    /// item's practice as its title: adopting a practice of the roadmap
    /// is one click. The status defaults to planned.
    pub fn into_new(self, model: &Model) -> Result<NewAction, AppError> {
        let item = self
            .item
            .flatten()
            .map(|id| item_of(model, &id))
            .transpose()?;
        let given = self.title.filter(|title| !title.trim().is_empty());
        let title = match (given, &item) {
            (Some(title), _) => action_title(&title)
                .map_err(|problem| invalid("title", problem))?
                .to_owned(),
            (None, Some((id, _))) => {
                let practice = super::practice_of(model, Some(id)).unwrap_or_default();
                action_title(practice)
                    .map_err(|problem| {
                        invalid(
                            "title",
                            format!(
                                "the practice of {id} cannot be the title ({problem}); give one"
                            ),
                        )
                    })?
                    .to_owned()
            }
            (None, None) => {
                return Err(invalid(
                    "title",
                    "must not be empty; give a title, or an item whose practice becomes the title",
                ));
            }
        };
        let (item, area) = item.unzip();
        Ok(NewAction {
            title,
            item,
            area,
            owner: owner(self.owner.flatten().as_deref())?,
            due: due(self.due.flatten().as_deref())?,
            status: self
                .status
                .as_deref()
                .map(status)
                .transpose()?
                .unwrap_or(ActionStatus::Planned),
            notes: notes(self.notes.flatten().as_deref())?,
        })
    }

    /// The changes to an action. A changed item brings its area; clearing
    /// the item clears the area.
    pub fn into_changes(self, model: &Model) -> Result<ActionChanges, AppError> {
        let title = self
            .title
            .map(|title| {
                action_title(&title)
                    .map(str::to_owned)
                    .map_err(|problem| invalid("title", problem))
            })
            .transpose()?;
        let (item, area) = match self.item {
            None => (None, None),
            Some(None) => (Some(None), Some(None)),
            Some(Some(id)) => {
                let (item, area) = item_of(model, &id)?;
                (Some(Some(item)), Some(Some(area)))
            }
        };
        Ok(ActionChanges {
            title,
            item,
            area,
            owner: self.owner.map(|text| owner(text.as_deref())).transpose()?,
            due: self.due.map(|text| due(text.as_deref())).transpose()?,
            status: self.status.as_deref().map(status).transpose()?,
            notes: self.notes.map(|text| notes(text.as_deref())).transpose()?,
        })
    }
}

/// What a viewer may change: an action's status and notes. The client's
/// executives report progress; what the work is, who owns it and when it
/// is due stays the consultant's.
pub struct ViewerChange;

impl ViewerChange {
    /// The fields a viewer may change, as the refusal names them.
    pub const FIELDS: &'static str = "status and notes";

    /// Refuses a viewer's change of any other field with a 403 that names
    /// the fields sent and those a viewer may change.
    pub(crate) fn check(input: &ActionInput) -> Result<(), AppError> {
        let sent: Vec<&str> = [
            ("title", input.title.is_some()),
            ("item", input.item.is_some()),
            ("owner", input.owner.is_some()),
            ("due", input.due.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, sent)| sent.then_some(field))
        .collect();
        if sent.is_empty() {
            return Ok(());
        }
        Err(AppError::Forbidden(format!(
            "viewers may change only an action's {}; this change also sets {}",
            Self::FIELDS,
            sent.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(input: ActionInput) -> Result<NewAction, String> {
        input
            .into_new(&simm_core::builtin_model())
            .map_err(|error| error.message())
    }

    #[test]
    fn a_new_action_is_checked_field_by_field() {
        let model = simm_core::builtin_model();
        let item = &model.items()[0];
        let adopted = new(ActionInput {
            item: Some(Some(item.id.to_string())),
            ..ActionInput::default()
        })
        .unwrap();
        assert_eq!(adopted.title, item.practice);
        assert_eq!(adopted.area.as_deref(), Some(item.area.as_str()));
        assert_eq!(adopted.status, ActionStatus::Planned);
        let cases = [
            (
                ActionInput::default(),
                "title: must not be empty; give a title, or an item whose practice becomes the title",
            ),
            (
                ActionInput {
                    title: Some("T".into()),
                    item: Some(Some("VS-2-1".into())),
                    ..ActionInput::default()
                },
                "item: the model smartsourcing 1.1.0 has no item \"VS-2-1\"; did you mean \"VS-2-01\"?",
            ),
            (
                ActionInput {
                    title: Some("T".into()),
                    due: Some(Some("2027-02-30".into())),
                    ..ActionInput::default()
                },
                "due: \"2027-02-30\" is not a date: February 2027 has 28 days",
            ),
            (
                ActionInput {
                    title: Some("T".into()),
                    status: Some("don".into()),
                    ..ActionInput::default()
                },
                "status: \"don\" is not a status; expected one of planned, in_progress, done, dropped; did you mean \"done\"?",
            ),
            (
                ActionInput {
                    title: Some("T".into()),
                    owner: Some(Some("o".repeat(121))),
                    ..ActionInput::default()
                },
                "owner: must be at most 120 characters, not 121",
            ),
            (
                ActionInput {
                    title: Some("x".repeat(201)),
                    ..ActionInput::default()
                },
                "title: must be at most 200 characters, not 201",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(new(input).unwrap_err(), expected);
        }
    }

    #[test]
    fn viewers_may_send_only_status_and_notes() {
        let allowed = ActionInput {
            status: Some("done".into()),
            notes: Some(None),
            ..ActionInput::default()
        };
        assert!(ViewerChange::check(&allowed).is_ok());
        let refused = ActionInput {
            title: Some("T".into()),
            due: Some(None),
            status: Some("done".into()),
            ..ActionInput::default()
        };
        assert_eq!(
            ViewerChange::check(&refused).unwrap_err().message(),
            "viewers may change only an action's status and notes; this change also sets title, due"
        );
    }
}
