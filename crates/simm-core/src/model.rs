//! The maturity model: stages, areas, respondent attributes and items.

use serde::Serialize;

use crate::domain::{
    Aggregate, AnonymityMin, AreaId, AttributeId, ItemId, ModelId, Overall, StageLevel, Threshold,
    Weight,
};

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
    pub(crate) scale: Scale,
    pub(crate) scoring: Scoring,
    pub(crate) stages: Vec<Stage>,
    pub(crate) areas: Vec<Area>,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) items: Vec<Item>,
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
}
