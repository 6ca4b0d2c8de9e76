//! The pure core of simm: the Smartsourcing Innovation Model as data, its
//! validation, and the scoring engine.
//!
//! Nothing in this crate performs I/O or knows about HTTP, SQL or files:
//! callers hand it text and answers, and it hands back values. Its only
//! threads are the scoped ones of `parallel.rs`, as many as the caller
//! asks for, which end before the call returns.
//! Start reading at [`Model::parse`] and [`score`].

mod actions;
mod calendar;
mod calibration;
mod classical;
mod deadline;
mod distributions;
mod domain;
mod locale;
mod model;
mod model_diff;
mod model_file;
mod model_translations;
mod parallel;
mod participation;
mod privacy;
mod proposal;
mod rasch;
mod results;
mod roadmap;
mod scoring;
mod suggest;
mod target;
mod text;
mod trend;
mod uncertainty;

pub use actions::{
    ActionStatus, MAX_ACTION_NOTES_CHARS, MAX_ACTION_OWNER_CHARS, MAX_ACTION_TITLE_CHARS,
    NotAStatus, action_notes, action_owner, action_title, is_overdue,
};
pub use calendar::{CalendarDate, DateError};
pub use calibration::{
    AlphaIfDeleted, AreaCalibration, Calibration, CalibrationError, CalibrationOptions, DIF_LOGITS,
    DIF_P, Dif, FIT_RANGE, Flag, FlagKind, GroupSize, Grouping, HEAVY_OVERLAP, ITEM_TOTAL_LIMIT,
    ItemCalibration, MAP_BIN, MISSING_LIMIT, MapBin, STAGE_EVIDENCE_SE, StageBand, StageOverlap,
    Suggestion, calibrate,
};
pub use classical::{
    AnswerMatrix, ClassicalAnalysis, ClassicalSums, ItemStatistics, SetAnalysis, alpha_if_deleted,
    classical_analysis, corrected_item_total, cronbach_alpha, item_statistics,
};
pub use deadline::{Deadline, DeadlineError};
pub use distributions::two_sided_p;
pub use domain::{
    Aggregate, AnonymityMin, Answer, AnswerError, AreaId, AttributeId, IdError, ItemId, ModelId,
    Overall, StageLevel, Threshold, Weight,
};
pub use locale::{Locale, LocaleError};
pub use model::{Area, Attribute, Item, Model, NoSuchAttribute, NotAValue, Scale, Scoring, Stage};
pub use model_diff::{
    AreaChange, AreaDelta, AttributeChange, AttributeDelta, Change, ItemChange, ItemDelta,
    ModelDiff, ScoringDiff, StageChange, StageDelta, diff_models,
};
pub use model_file::{Diagnostic, MAX_MODEL_BYTES, ModelErrors, line_column};
pub use model_translations::{LANGUAGE_ATTRIBUTE, NoSuchLocale};
pub use participation::{
    LOW_RESPONSE_RATE, RateStanding, TARGET_RESPONSE_RATE, rate_standing, response_rate,
};
pub use privacy::{
    AttributeMask, Batch, COMMENT_FACTOR, Pending, Policy, Pool, PoolCandidate, PoolVerdict,
    Release,
};
pub use proposal::{
    Proposal, ProposalError, StageMove, propose_model, proposed_version, toml_basic_string,
};
pub use rasch::{
    ItemEstimate, Method, PersonSummary, Progress, RaschError, RaschFit, RaschOptions,
    calibrate_rasch,
};
pub use results::{
    AreaResult, ByStage, Gap, GroupResult, HiddenBecause, Interval, ItemResult, ModelRef,
    OverallResult, Results, StageFulfilment, Uncertainty,
};
pub use roadmap::{Lift, Phase, Roadmap, RoadmapPractice, roadmap};
pub use scoring::{
    GroupTallies, THRESHOLD_TOLERANCE, Tally, meets_threshold, score, score_grouped, score_shown,
};
pub use suggest::{did_you_mean, quote_value};
pub use target::{Target, TargetError};
pub use text::{MAX_TEXT_CHARS, attribute_value, check_text, refused_character};
pub use trend::{
    Comparison, Delta, GroupRound, GroupTrend, Round, Trend, TrendArea, TrendInput, TrendOverall,
    TrendRound, compare, group_rounds, group_trends, trend,
};
pub use uncertainty::{
    GroupResamples, LEVEL, METHOD, Replicates, ReplicatesError, Resamples, with_uncertainty,
};

/// The built-in Smartsourcing Innovation Model, as shipped in the model file.
pub const BUILTIN_MODEL_SOURCE: &str = include_str!("../models/smartsourcing.toml");

/// Parses the built-in model.
///
/// The built-in file is checked by the test suite, so a failure here is a
/// bug in the release, not bad user input.
pub fn builtin_model() -> Model {
    Model::parse(BUILTIN_MODEL_SOURCE).expect("the built-in model file is valid")
}
