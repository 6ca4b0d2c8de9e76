//! The maturity model: stages, areas, respondent attributes and items.

use serde::Serialize;

use crate::domain::{
    Aggregate, AnonymityMin, AreaId, AttributeId, ItemId, ModelId, Overall, StageLevel, Threshold,
    Weight,
};
use crate::locale::Locale;
use crate::model_translations::Translation;
use crate::suggest::{did_you_mean, quote_value};

/// A validated maturity model.
///
/// The fields are private so that every `Model` value went through
/// [`Model::parse`]: ids are unique, references resolve, stages have no
/// holes, and every area has items at every stage above the first.
/// Serialising a model gives the keys of the model file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    pub(crate) id: ModelId,
    pub(crate) version: String,
    pub(crate) title: String,
    /// The languages of the model; the first is its own texts'.
    pub(crate) locales: Vec<Locale>,
    /// The language the texts of this value are in.
    pub(crate) locale: Locale,
    pub(crate) scale: Scale,
    pub(crate) scoring: Scoring,
    pub(crate) stages: Vec<Stage>,
    pub(crate) areas: Vec<Area>,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) items: Vec<Item>,
    /// Every text in each of `locales`, in order.
    #[serde(skip)]
    pub(crate) translations: Vec<Translation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub points: u8,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scoring {
    pub threshold: Threshold,
    pub aggregate: Aggregate,
    pub overall: Overall,
    pub anonymity_min: AnonymityMin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub level: StageLevel,
    pub name: String,
    pub description: String,
    pub characteristics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Area {
    pub id: AreaId,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    pub id: AttributeId,
    pub name: String,
    /// The allowed values; `None` for free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// How each value reads in the model's locale, when that is not the
    /// language the values are written in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: ItemId,
    pub area: AreaId,
    pub stage: StageLevel,
    pub text: String,
    pub practice: String,
    pub weight: Weight,
}

impl Model {
    pub fn id(&self) -> &ModelId {
        &self.id
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn scale(&self) -> &Scale {
        &self.scale
    }

    pub fn scoring(&self) -> &Scoring {
        &self.scoring
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The highest stage, N.
    pub fn top_stage(&self) -> StageLevel {
        self.stages
            .last()
            .expect("a model has at least one stage")
            .level
    }

    pub fn stage(&self, level: StageLevel) -> &Stage {
        &self.stages[usize::from(level.get() - 1)]
    }

    pub fn area(&self, id: &AreaId) -> Option<&Area> {
        self.areas.iter().find(|area| &area.id == id)
    }

    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|item| item.id.as_str() == id)
    }

    pub fn attribute(&self, id: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.id.as_str() == id)
    }

    /// The position of the attribute a breakdown names, or the one message
    /// that says which attributes there are and the nearest.
    pub fn group_by_attribute(&self, name: &str) -> Result<usize, NoSuchAttribute> {
        let ids = || {
            self.attributes
                .iter()
                .map(|attribute| attribute.id.as_str())
        };
        ids().position(|id| id == name).ok_or_else(|| {
            let known = ids().collect::<Vec<_>>().join(", ");
            let known = if known.is_empty() {
                "none".to_owned()
            } else {
                known
            };
            let hint = crate::did_you_mean(name, ids())
                .map(|id| format!("; did you mean {id:?}?"))
                .unwrap_or_default();
            NoSuchAttribute(format!(
                "the model has no attribute {} to group by (it has: {known}){hint}",
                crate::quote_value(name)
            ))
        })
    }

    /// The indices of the area's items at a stage, in model order.
    pub fn item_indices(&self, area: &AreaId, stage: StageLevel) -> impl Iterator<Item = usize> {
        self.items
            .iter()
            .enumerate()
            .filter(move |(_, item)| &item.area == area && item.stage == stage)
            .map(|(index, _)| index)
    }
}

impl Attribute {
    /// How a value reads to a respondent in the model's locale.
    pub fn label<'a>(&'a self, value: &'a str) -> &'a str {
        self.values
            .iter()
            .flatten()
            .position(|v| v == value)
            .and_then(|index| self.labels.as_ref()?.get(index))
            .map_or(value, String::as_str)
    }

    /// Finds the declared value that `text` spells, ignoring case, so that a
    /// sheet saying "Partner" counts with "partner". Free-text attributes
    /// accept any text as it is.
    pub fn canonical_value<'a>(&'a self, text: &'a str) -> Option<&'a str> {
        match &self.values {
            None => Some(text),
            Some(values) => values
                .iter()
                .find(|value| value.eq_ignore_ascii_case(text))
                .map(String::as_str),
        }
    }

    /// The value that `text` gives this attribute: its declared spelling
    /// (see [`canonical_value`](Attribute::canonical_value)), or why it is
    /// none of the declared values, naming them and the nearest one. Sheets,
    /// the API and the console's forms all check values here, so they say
    /// it in the same words.
    pub fn value<'a>(&'a self, text: &'a str) -> Result<&'a str, NotAValue> {
        if let Some(value) = self.canonical_value(text) {
            return Ok(value);
        }
        let values = self.values.as_deref().unwrap_or_default();
        let hint = did_you_mean(text, values.iter().map(String::as_str))
            .map(|value| format!("; did you mean {value:?}?"))
            .unwrap_or_default();
        Err(NotAValue(format!(
            "{} is not a value of {:?}; expected one of {}{hint}",
            quote_value(text),
            self.id.as_str(),
            values.join(", ")
        )))
    }
}

/// A text that is none of an attribute's declared values; the message
/// says what the values are, for the caller to prefix with where the text
/// came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAValue(String);

/// A breakdown by an attribute the model does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoSuchAttribute(String);

#[cfg(test)]
mod tests {
    fn check(attribute: &str, text: &str, expected: Result<&str, &str>) {
        let model = crate::builtin_model();
        let attribute = model.attribute(attribute).expect("the built-in attribute");
        assert_eq!(
            attribute.value(text).map_err(|error| error.to_string()),
            expected.map_err(str::to_owned),
            "{text:?}"
        );
    }

    #[test]
    fn a_value_is_taken_in_its_declared_spelling_or_refused_with_the_nearest() {
        check("role", "Partner", Ok("partner"));
        check("role", "manager", Ok("manager"));
        check(
            "role",
            "parnter",
            Err(
                "\"parnter\" is not a value of \"role\"; expected one of executive, manager, employee, partner; did you mean \"partner\"?",
            ),
        );
        check(
            "role",
            "boss",
            Err(
                "\"boss\" is not a value of \"role\"; expected one of executive, manager, employee, partner",
            ),
        );
        // A free-text attribute takes any text as it is.
        check("unit", "Back Office", Ok("Back Office"));
    }
}
