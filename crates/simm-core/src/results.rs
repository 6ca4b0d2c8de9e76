//! What scoring produces. Serialising a [`Results`] gives the JSON of
//! `simm score --format json`; undefined values are `null`.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::domain::{Aggregate, AreaId, AttributeId, ItemId, ModelId, StageLevel};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    pub model: ModelRef,
    pub respondents: u64,
    pub threshold: f64,
    pub aggregate: Aggregate,
    /// How the intervals and stage probabilities were computed; absent
    /// when they were not (group results, and results scored without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
    pub overall: OverallResult,
    pub common_language: Option<f64>,
    pub areas: Vec<AreaResult>,
    pub items: Vec<ItemResult>,
    /// Present only when results were broken down by an attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupResult>>,
    /// The anonymity minimum the privacy policy applied to groups and
    /// items; absent when nothing was protected (a whole sheet scored as
    /// it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymity_min: Option<u32>,
}

impl Results {
    /// The anonymity minimum that applied, or the model's.
    pub fn anonymity_min_or(&self, model_default: u32) -> u32 {
        self.anonymity_min.unwrap_or(model_default)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRef {
    pub id: ModelId,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OverallResult {
    pub stage: StageLevel,
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_interval: Option<Interval>,
}

/// A 95 % (or the level in [`Uncertainty`]) interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether the interval holds a value (ends included).
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// The method behind the intervals: `{method, replicates, level}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uncertainty {
    pub method: &'static str,
    pub replicates: u32,
    pub level: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaResult {
    pub id: AreaId,
    pub stage: StageLevel,
    pub score: f64,
    /// F(area, s) for every stage s above the first.
    pub fulfilment: StageFulfilment,
    pub consensus: Option<f64>,
    /// The way to the next stage; `None` at the top stage.
    pub gap: Option<Gap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_interval: Option<Interval>,
    /// An interval for every stage fulfilment, keyed like `fulfilment`;
    /// `null` where the fulfilment is undefined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfilment_interval: Option<ByStage<Option<Interval>>>,
    /// The probability of each stage ("1", "2", …), summing to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_probability: Option<ByStage<f64>>,
}

/// Values by stage level, serialised as a JSON object whose keys are the
/// levels in ascending order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ByStage<T>(pub Vec<(StageLevel, T)>);

impl<T: Copy> ByStage<T> {
    pub fn get(&self, level: StageLevel) -> Option<T> {
        self.0.iter().find(|(l, _)| *l == level).map(|(_, v)| *v)
    }
}

impl<T: Serialize> Serialize for ByStage<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (level, value) in &self.0 {
            map.serialize_entry(&level.get().to_string(), value)?;
        }
        map.end()
    }
}

/// Stage fulfilment by stage level, serialised as a JSON object whose keys
/// are the levels ("2", "3", …) in ascending order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StageFulfilment(pub Vec<(StageLevel, Option<f64>)>);

impl StageFulfilment {
    pub fn get(&self, level: StageLevel) -> Option<f64> {
        self.0
            .iter()
            .find(|(l, _)| *l == level)
            .and_then(|(_, f)| *f)
    }
}

impl Serialize for StageFulfilment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (level, fulfilment) in &self.0 {
            map.serialize_entry(&level.get().to_string(), fulfilment)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub next_stage: StageLevel,
    pub fulfilment: Option<f64>,
    /// The fewest items of the next stage that, fully in place, would reach
    /// the threshold; empty when nobody answered that stage's items.
    pub min_items: Vec<ItemId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    pub id: ItemId,
    pub area: AreaId,
    pub stage: StageLevel,
    pub answered: u64,
    pub fulfilment: Option<f64>,
    pub rwg: Option<f64>,
    /// True when too few answered the item to show it: its fulfilment and
    /// r_wg are then null and it counts nowhere (docs/privacy.md, rule P3).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfilment_interval: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub attribute: AttributeId,
    /// The attribute's value; `None` for respondents who gave none.
    pub value: Option<String>,
    pub respondents: u64,
    /// True when the group is too small to show, or must be hidden so that a
    /// small group cannot be recovered by subtraction.
    pub suppressed: bool,
    /// Why the privacy policy hid the group, for the renderers to say;
    /// `None` for a shown group.
    #[serde(skip)]
    pub hidden_because: Option<HiddenBecause>,
    pub overall: Option<OverallResult>,
    pub common_language: Option<f64>,
    pub areas: Option<Vec<AreaResult>>,
}

/// Why a group is hidden (docs/privacy.md, rule P4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenBecause {
    /// Fewer answering respondents than the anonymity minimum.
    TooFew,
    /// Large enough, but hidden so that smaller hidden groups together
    /// hold the minimum and none can be worked out by subtraction.
    Complementary,
}

impl Results {
    pub fn area(&self, id: &AreaId) -> Option<&AreaResult> {
        self.areas.iter().find(|area| &area.id == id)
    }
}
