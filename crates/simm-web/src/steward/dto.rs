//! The bodies of the steward's API: queries refuse unknown fields, and
//! answers are built from store records and the core's values.

use serde::{Deserialize, Serialize};
use simm_store::ModelVersionUsage;

use super::{AreaComparison, Comparison, Standing};

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CalibrationQuery {
    #[serde(default)]
    pub group_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RescoreQuery {
    /// The other version's model; the assessment's own model when absent.
    #[serde(default)]
    pub model: Option<String>,
    pub version: String,
}

/// A stored model version and how much it is used.
#[derive(Debug, Serialize)]
pub struct ModelVersionUsageDto {
    pub id: String,
    pub model_id: String,
    pub version: String,
    pub content_hash: String,
    pub title: String,
    /// Assessments that use the version, in every organisation.
    pub assessments: i64,
    /// Responses submitted to those assessments; a calibration pools those
    /// of the assessments that reached their own anonymity minimum.
    pub submitted_responses: i64,
    /// The fewest pooled responses a calibration runs on.
    pub anonymity_min: u32,
}

impl ModelVersionUsageDto {
    pub fn new(usage: ModelVersionUsage, anonymity_min: u32) -> ModelVersionUsageDto {
        ModelVersionUsageDto {
            id: usage.version.id,
            model_id: usage.version.model_id,
            version: usage.version.version,
            content_hash: usage.version.content_hash,
            title: usage.version.title,
            assessments: usage.assessments,
            submitted_responses: usage.submitted_responses,
            anonymity_min,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ModelRefDto {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct StandingDto {
    pub stage: u8,
    pub score: f64,
}

impl From<Standing> for StandingDto {
    fn from(standing: Standing) -> StandingDto {
        StandingDto {
            stage: standing.stage,
            score: standing.score,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct OverallChangeDto {
    pub current: StandingDto,
    pub other: StandingDto,
    /// The stage under the other version minus the stage under the
    /// assessment's own.
    pub change: i16,
}

#[derive(Debug, Serialize)]
pub struct AreaChangeDto {
    pub id: String,
    pub name: String,
    /// `null` for an area the assessment's version does not have.
    pub current: Option<StandingDto>,
    /// `null` for an area the other version does not have.
    pub other: Option<StandingDto>,
    /// `null` unless both versions have the area.
    pub change: Option<i16>,
}

impl From<AreaComparison> for AreaChangeDto {
    fn from(area: AreaComparison) -> AreaChangeDto {
        AreaChangeDto {
            change: area.change(),
            id: area.id.to_string(),
            name: area.name,
            current: area.current.map(Into::into),
            other: area.other.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ItemMatchDto {
    /// Items of the other version answered in this assessment (same id).
    pub matched: usize,
    /// Items of the other version.
    pub of_other: usize,
    /// Items of the other version that this assessment's version lacks:
    /// unanswered in the re-score.
    pub unanswered: Vec<String>,
    /// Items of this assessment's version that the other version lacks:
    /// not counted in the re-score.
    pub not_in_other: Vec<String>,
}

/// An assessment's stages under its own model version and under another.
#[derive(Debug, Serialize)]
pub struct RescoreDto {
    pub respondents: u64,
    pub current_model: ModelRefDto,
    pub other_model: ModelRefDto,
    pub items: ItemMatchDto,
    pub overall: OverallChangeDto,
    pub areas: Vec<AreaChangeDto>,
}

impl From<&Comparison> for RescoreDto {
    fn from(comparison: &Comparison) -> RescoreDto {
        let model_ref = |results: &simm_core::Results| ModelRefDto {
            id: results.model.id.to_string(),
            version: results.model.version.clone(),
        };
        RescoreDto {
            respondents: comparison.current.respondents,
            current_model: model_ref(&comparison.current),
            other_model: model_ref(&comparison.other),
            items: ItemMatchDto {
                matched: comparison.matched,
                of_other: comparison.other_model.items().len(),
                unanswered: comparison
                    .unanswered
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                not_in_other: comparison
                    .not_in_other
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            },
            overall: OverallChangeDto {
                current: Standing::from(&comparison.current.overall).into(),
                other: Standing::from(&comparison.other.overall).into(),
                change: comparison.overall_change(),
            },
            areas: comparison.areas().into_iter().map(Into::into).collect(),
        }
    }
}

/// The answer below the anonymity threshold: the number of respondents
/// and nothing else, as with the results.
#[derive(Debug, Serialize)]
pub struct SuppressedDto {
    pub respondents: u64,
    pub suppressed: bool,
    pub anonymity_min: u32,
}
