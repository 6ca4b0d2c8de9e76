//! The model file: TOML text in, a validated [`Model`] or precise
//! diagnostics out.
//!
//! The file is first read into raw structs that keep the source span of
//! every value, then each raw value is parsed into its domain type. All
//! problems are collected, so a steward fixes a file in one round.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::domain::{
    Aggregate, AnonymityMin, AreaId, AttributeId, ItemId, ModelId, Overall, StageLevel, Threshold,
    Weight,
};
use crate::locale::Locale;
use crate::model::{Area, Attribute, Item, Model, Scale, Scoring, Stage};
use crate::model_translations::RawTranslation;
use crate::suggest::did_you_mean;

/// Model files larger than this are refused before parsing, so a hostile
/// upload cannot make the parser work through gigabytes.
pub const MAX_MODEL_BYTES: usize = 1 << 20;
const MAX_ITEMS: usize = 5_000;
const MAX_SCALE_POINTS: u8 = 11;

/// One problem in a model file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every problem found in a model file, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ModelErrors(pub Vec<Diagnostic>);

impl ModelErrors {
    /// Renders the problems as `file:line:column: message` lines.
    pub fn render(&self, file: &str) -> String {
        self.0
            .iter()
            .map(|d| format!("{file}:{}:{}: {}", d.line, d.column, d.message))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("model"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    id: Spanned<String>,
    version: Spanned<String>,
    title: Spanned<String>,
    scale: Option<Spanned<RawScale>>,
    scoring: Option<RawScoring>,
    #[serde(default)]
    stages: Vec<Spanned<RawStage>>,
    #[serde(default)]
    areas: Vec<Spanned<RawArea>>,
    #[serde(default)]
    attributes: Vec<Spanned<RawAttribute>>,
    #[serde(default)]
    items: Vec<Spanned<RawItem>>,
    locales: Option<Spanned<Vec<Spanned<String>>>>,
    translations: Option<Spanned<BTreeMap<String, Spanned<RawTranslation>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    points: Option<Spanned<i64>>,
    labels: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    threshold: Option<Spanned<f64>>,
    aggregate: Option<Spanned<String>>,
    overall: Option<Spanned<String>>,
    anonymity_min: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    level: Spanned<i64>,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    characteristics: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    id: Spanned<String>,
    name: Spanned<String>,
    values: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    area: Spanned<String>,
    stage: Spanned<i64>,
    text: Spanned<String>,
    practice: Spanned<String>,
    weight: Option<Spanned<f64>>,
}

/// Collects diagnostics against the source text.
pub(crate) struct Report<'a> {
    source: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl Report<'_> {
    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_column(self.source, span.start);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message: message.into(),
        });
    }

    fn non_empty(&mut self, value: &Spanned<String>, what: &str) -> String {
        if value.get_ref().trim().is_empty() {
            self.error(value.span(), format!("{what} cannot be empty"));
        }
        value.get_ref().clone()
    }
}

/// Converts a byte offset into a 1-based line and a 1-based column counted
/// in characters, as editors show them.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|c| format!("; did you mean {c:?}?"))
        .unwrap_or_default()
}

impl Model {
    /// Parses and validates a model file.
    pub fn parse(source: &str) -> Result<Model, ModelErrors> {
        let mut report = Report {
            source,
            diagnostics: Vec::new(),
        };
        if source.len() > MAX_MODEL_BYTES {
            report.error(
                0..0,
                format!(
                    "the model file is {} bytes long; at most {MAX_MODEL_BYTES} are accepted",
                    source.len()
                ),
            );
            return Err(ModelErrors(report.diagnostics));
        }
        let raw: RawModel = match toml::from_str(source) {
            Ok(raw) => raw,
            Err(error) => {
                report.error(
                    error.span().unwrap_or(0..0),
                    error.message().trim().to_owned(),
                );
                return Err(ModelErrors(report.diagnostics));
            }
        };
        let model = build(raw, &mut report);
        if report.diagnostics.is_empty() {
            Ok(model)
        } else {
            report.diagnostics.sort_by_key(|d| (d.line, d.column));
            Err(ModelErrors(report.diagnostics))
        }
    }
}

fn build(raw: RawModel, report: &mut Report<'_>) -> Model {
    // Ids as written, valid or not, so that a translation of an entry the
    // model refused for another reason is not reported again as extra.
    let declared = crate::model_translations::Declared {
        areas: raw
            .areas
            .iter()
            .map(|a| a.get_ref().id.get_ref().clone())
            .collect(),
        attributes: raw
            .attributes
            .iter()
            .map(|a| a.get_ref().id.get_ref().clone())
            .collect(),
        items: raw
            .items
            .iter()
            .map(|i| i.get_ref().id.get_ref().clone())
            .collect(),
    };
    let id = parse_id(report, &raw.id, "the model id", ModelId::parse)
        .unwrap_or_else(|| ModelId::parse("invalid").expect("a valid placeholder id"));
    let version = report.non_empty(&raw.version, "the model version");
    let title = report.non_empty(&raw.title, "the model title");
    let scale = build_scale(raw.scale, report);
    let scoring = build_scoring(raw.scoring, report);
    let stages = build_stages(&raw.stages, report);
    let areas = build_areas(&raw.areas, report);
    let attributes = build_attributes(&raw.attributes, report);
    let items = build_items(&raw.items, &stages, &areas, &attributes, report);

    // Every area needs something to measure at each stage above the
    // baseline, or the stage could never be reached.
    for (raw_area, area) in raw.areas.iter().zip(&areas) {
        for stage in stages.iter().skip(1) {
            if !items
                .iter()
                .any(|item| item.area == area.id && item.stage == stage.level)
            {
                report.error(
                    raw_area.span(),
                    format!(
                        "area {:?} has no items at stage {}; every area needs items at every stage above 1",
                        area.id.as_str(),
                        stage.level
                    ),
                );
            }
        }
    }
    let english = Locale::parse("en").expect("a valid tag");
    let mut model = Model {
        id,
        version,
        title,
        scale,
        scoring,
        stages,
        areas,
        attributes,
        items,
        locales: vec![english.clone()],
        locale: english,
        translations: Vec::new(),
    };
    crate::model_translations::build(raw.locales, raw.translations, &declared, &mut model, report);
    model
}

fn parse_id<T, E: fmt::Display>(
    report: &mut Report<'_>,
    raw: &Spanned<String>,
    what: &str,
    parse: fn(&str) -> Result<T, E>,
) -> Option<T> {
    parse(raw.get_ref())
        .map_err(|error| {
            report.error(
                raw.span(),
                format!("{what} {:?} is invalid: {error}", raw.get_ref()),
            )
        })
        .ok()
}

fn build_scale(raw: Option<Spanned<RawScale>>, report: &mut Report<'_>) -> Scale {
    let default_labels = || {
        [
            "Strongly disagree",
            "Disagree",
            "Neither agree nor disagree",
            "Agree",
            "Strongly agree",
        ]
        .map(String::from)
        .to_vec()
    };
    let Some(raw) = raw else {
        return Scale {
            points: 5,
            labels: default_labels(),
        };
    };
    let span = raw.span();
    let raw = raw.into_inner();
    let points = match &raw.points {
        None => 5,
        Some(points) => match u8::try_from(*points.get_ref()) {
            Ok(p) if (2..=MAX_SCALE_POINTS).contains(&p) => p,
            _ => {
                report.error(
                    points.span(),
                    format!(
                        "scale points must be a whole number from 2 to {MAX_SCALE_POINTS}; found {}",
                        points.get_ref()
                    ),
                );
                5
            }
        },
    };
    let labels = match raw.labels {
        None if points == 5 => default_labels(),
        None => {
            report.error(
                span,
                format!("the scale has {points} points, so it needs `labels` with {points} labels"),
            );
            Vec::new()
        }
        Some(labels) => {
            let labels_span = labels.span();
            let labels = labels.into_inner();
            if labels.len() != usize::from(points) {
                report.error(
                    labels_span,
                    format!(
                        "the scale has {points} points but {} labels; give one label per point",
                        labels.len()
                    ),
                );
            }
            let mut seen = HashMap::new();
            for label in &labels {
                report.non_empty(label, "a scale label");
                if let Some(first) = seen.insert(label.get_ref().to_lowercase(), label.span()) {
                    let (line, _) = line_column(report.source, first.start);
                    report.error(
                        label.span(),
                        format!(
                            "the scale label {:?} is given twice (first on line {line})",
                            label.get_ref()
                        ),
                    );
                }
            }
            labels.into_iter().map(Spanned::into_inner).collect()
        }
    };
    Scale { points, labels }
}

fn build_scoring(raw: Option<RawScoring>, report: &mut Report<'_>) -> Scoring {
    let Some(raw) = raw else {
        return Scoring {
            threshold: Threshold::default(),
            aggregate: Aggregate::default(),
            overall: Overall::default(),
            anonymity_min: AnonymityMin::default(),
        };
    };
    let threshold = raw.threshold.map_or_else(Threshold::default, |value| {
        Threshold::new(*value.get_ref()).unwrap_or_else(|| {
            report.error(
                value.span(),
                format!(
                    "the threshold must be above 0 and at most 1; found {}",
                    value.get_ref()
                ),
            );
            Threshold::default()
        })
    });
    let aggregate = raw.aggregate.map_or_else(Aggregate::default, |value| {
        Aggregate::parse(value.get_ref()).unwrap_or_else(|| {
            let hint = suggestion(value.get_ref(), ["mean", "median"]);
            report.error(
                value.span(),
                format!(
                    "aggregate must be \"mean\" or \"median\"; found {:?}{hint}",
                    value.get_ref()
                ),
            );
            Aggregate::default()
        })
    });
    let overall = raw.overall.map_or_else(Overall::default, |value| {
        Overall::parse(value.get_ref()).unwrap_or_else(|| {
            report.error(
                value.span(),
                format!(
                    "overall must be \"min\" (the weakest area sets the overall stage); found {:?}",
                    value.get_ref()
                ),
            );
            Overall::default()
        })
    });
    let anonymity_min = raw
        .anonymity_min
        .map_or_else(AnonymityMin::default, |value| {
            u32::try_from(*value.get_ref())
                .ok()
                .and_then(AnonymityMin::new)
                .unwrap_or_else(|| {
                    report.error(
                        value.span(),
                        format!(
                            "anonymity_min must be a whole number of at least {}; found {}",
                            AnonymityMin::FLOOR,
                            value.get_ref()
                        ),
                    );
                    AnonymityMin::default()
                })
        });
    Scoring {
        threshold,
        aggregate,
        overall,
        anonymity_min,
    }
}

fn build_stages(raw: &[Spanned<RawStage>], report: &mut Report<'_>) -> Vec<Stage> {
    if raw.is_empty() {
        report.error(
            0..0,
            "the model declares no stages; add [[stages]] tables numbered 1, 2, 3, …",
        );
    }
    if raw.len() > usize::from(StageLevel::MAX) {
        report.error(
            raw[0].span(),
            format!(
                "a model may have at most {} stages; this one has {}",
                StageLevel::MAX,
                raw.len()
            ),
        );
        return Vec::new();
    }
    let mut stages = Vec::new();
    for (position, stage) in raw.iter().enumerate() {
        let stage = stage.get_ref();
        let expected = position + 1;
        let level = *stage.level.get_ref();
        if level != expected as i64 {
            report.error(
                stage.level.span(),
                format!(
                    "stages must be numbered 1, 2, 3, … in order without holes; expected level {expected} here, found {level}"
                ),
            );
        }
        let name = report.non_empty(&stage.name, "a stage name");
        stages.push(Stage {
            level: StageLevel::new(expected as u8).expect("the count is bounded above"),
            name,
            description: stage.description.clone(),
            characteristics: stage.characteristics.clone(),
        });
    }
    stages
}

/// Reports an id seen before, with the line where it was first given.
fn check_unique(
    report: &mut Report<'_>,
    seen: &mut HashMap<String, Range<usize>>,
    id: &Spanned<String>,
    what: &str,
) {
    if let Some(first) = seen.get(id.get_ref()) {
        let (line, _) = line_column(report.source, first.start);
        report.error(
            id.span(),
            format!(
                "{what} {:?} is declared twice (first on line {line})",
                id.get_ref()
            ),
        );
    } else {
        seen.insert(id.get_ref().clone(), id.span());
    }
}

fn build_areas(raw: &[Spanned<RawArea>], report: &mut Report<'_>) -> Vec<Area> {
    if raw.is_empty() {
        report.error(
            0..0,
            "the model declares no areas; add at least one [[areas]] table",
        );
    }
    let mut seen = HashMap::new();
    let mut areas = Vec::new();
    for area in raw {
        let area = area.get_ref();
        check_unique(report, &mut seen, &area.id, "the area id");
        let name = report.non_empty(&area.name, "an area name");
        if let Some(id) = parse_id(report, &area.id, "the area id", AreaId::parse) {
            areas.push(Area {
                id,
                name,
                description: area.description.clone(),
            });
        }
    }
    areas
}

/// The column that names the respondent in a response sheet; no attribute
/// or item may take it.
pub(crate) const RESPONDENT_COLUMN: &str = "respondent";

fn build_attributes(raw: &[Spanned<RawAttribute>], report: &mut Report<'_>) -> Vec<Attribute> {
    let mut seen = HashMap::new();
    let mut attributes = Vec::new();
    for attribute in raw {
        let attribute = attribute.get_ref();
        check_unique(report, &mut seen, &attribute.id, "the attribute id");
        if attribute.id.get_ref() == RESPONDENT_COLUMN {
            report.error(
                attribute.id.span(),
                "\"respondent\" is the response sheet's id column and cannot be an attribute id",
            );
        }
        let name = report.non_empty(&attribute.name, "an attribute name");
        let values = attribute.values.as_ref().map(|values| {
            if values.is_empty() {
                report.error(attribute.id.span(), format!("attribute {:?} has an empty list of values; leave `values` out for free text", attribute.id.get_ref()));
            }
            let mut seen_values: HashMap<String, Range<usize>> = HashMap::new();
            for value in values {
                report.non_empty(value, "an attribute value");
                let key = value.get_ref().to_lowercase();
                if let Some(first) = seen_values.get(&key) {
                    let (line, _) = line_column(report.source, first.start);
                    report.error(value.span(), format!("the value {:?} of attribute {:?} is given twice (first on line {line}); values are compared without regard to case", value.get_ref(), attribute.id.get_ref()));
                } else {
                    seen_values.insert(key, value.span());
                }
            }
            values.iter().map(|v| v.get_ref().clone()).collect()
        });
        if let Some(id) = parse_id(
            report,
            &attribute.id,
            "the attribute id",
            AttributeId::parse,
        ) {
            attributes.push(Attribute {
                id,
                name,
                values,
                labels: None,
            });
        }
    }
    attributes
}

fn build_items(
    raw: &[Spanned<RawItem>],
    stages: &[Stage],
    areas: &[Area],
    attributes: &[Attribute],
    report: &mut Report<'_>,
) -> Vec<Item> {
    if raw.len() > MAX_ITEMS {
        report.error(
            raw[MAX_ITEMS].span(),
            format!(
                "a model may have at most {MAX_ITEMS} items; this one has {}",
                raw.len()
            ),
        );
        return Vec::new();
    }
    let mut seen = HashMap::new();
    let mut items = Vec::new();
    for item in raw {
        let item = item.get_ref();
        check_unique(report, &mut seen, &item.id, "the item id");
        let id_text = item.id.get_ref();
        if id_text == RESPONDENT_COLUMN || attributes.iter().any(|a| a.id.as_str() == id_text) {
            report.error(item.id.span(), format!("the item id {id_text:?} is already a column of the response sheet (\"respondent\" or an attribute)"));
        }
        let id = parse_id(report, &item.id, "the item id", ItemId::parse);
        let area = areas
            .iter()
            .find(|area| area.id.as_str() == item.area.get_ref());
        if area.is_none() {
            let hint = suggestion(item.area.get_ref(), areas.iter().map(|a| a.id.as_str()));
            report.error(
                item.area.span(),
                format!(
                    "item {id_text:?} names the area {:?}, which the model does not declare{hint}",
                    item.area.get_ref()
                ),
            );
        }
        let stage = stages
            .iter()
            .find(|stage| i64::from(stage.level.get()) == *item.stage.get_ref());
        if stage.is_none() {
            report.error(
                item.stage.span(),
                format!("item {id_text:?} is at stage {}, which the model does not declare (stages run from 1 to {})", item.stage.get_ref(), stages.len()),
            );
        }
        if stage.is_some_and(|stage| stage.level.get() == 1) {
            report.error(
                item.stage.span(),
                format!("item {id_text:?} is at stage 1, the baseline every organisation has; items describe practices of stage 2 and above"),
            );
        }
        let text = report.non_empty(&item.text, "an item's text");
        let practice = report.non_empty(&item.practice, "an item's practice");
        let weight = match &item.weight {
            None => Weight::default(),
            Some(weight) => Weight::new(*weight.get_ref()).unwrap_or_else(|| {
                report.error(
                    weight.span(),
                    format!(
                        "item {id_text:?} has weight {}; weights must be above 0",
                        weight.get_ref()
                    ),
                );
                Weight::default()
            }),
        };
        // An item with a bad id or weight is kept under a stand-in value, so
        // that it still counts towards its area's coverage and the steward
        // is not shown knock-on errors; the model is refused all the same.
        if let (Some(area), Some(stage)) = (area, stage) {
            let id = id.unwrap_or_else(|| ItemId::parse("invalid").expect("a valid stand-in id"));
            items.push(Item {
                id,
                area: area.id.clone(),
                stage: stage.level,
                text,
                practice,
                weight,
            });
        }
    }
    items
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid model: 3 stages, 2 areas, 2 items per area and stage,
    /// shared with tests/model_diff.rs.
    pub(crate) const SMALL: &str = include_str!("../tests/fixtures/small.toml");

    /// Replaces the first occurrence of `from` in the small model, parses
    /// it, and compares the diagnostics as `line:column: message` lines.
    fn check(from: &str, to: &str, expected: &[&str]) {
        check_all(&[(from, to)], expected);
    }

    fn check_all(replacements: &[(&str, &str)], expected: &[&str]) {
        check_edited(SMALL, replacements, expected);
    }

    /// Replaces the first occurrence of each `from` in `source`, parses
    /// it, and compares the diagnostics as `line:column: message` lines.
    pub(crate) fn check_edited(source: &str, replacements: &[(&str, &str)], expected: &[&str]) {
        let mut source = source.to_owned();
        for (from, to) in replacements {
            assert!(source.contains(from), "{from:?} is not in the model");
            source = source.replacen(from, to, 1);
        }
        let actual = match Model::parse(&source) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .0
                .iter()
                .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
                .collect(),
        };
        assert_eq!(actual, expected, "after replacing {replacements:?}");
    }

    #[test]
    fn the_small_model_is_valid() {
        check("", "", &[]);
        let model = Model::parse(SMALL).unwrap();
        assert_eq!(model.items().len(), 8);
        assert_eq!(model.items()[4].weight.get(), 2.0);
        assert_eq!(model.items()[0].weight.get(), 1.0);
    }

    #[test]
    fn defaults_apply_when_tables_are_left_out() {
        let source = SMALL.replace(
            "[scale]\npoints = 5\nlabels = [\"1\", \"2\", \"3\", \"4\", \"5\"]\n",
            "",
        );
        let source = source.replace("[scoring]\nthreshold = 0.75\naggregate = \"mean\"\noverall = \"min\"\nanonymity_min = 3\n", "");
        let model = Model::parse(&source).unwrap();
        assert_eq!(model.scale().points, 5);
        assert_eq!(model.scale().labels[0], "Strongly disagree");
        assert_eq!(model.scoring().threshold.get(), 0.75);
        assert_eq!(model.scoring().aggregate, Aggregate::Mean);
        assert_eq!(model.scoring().anonymity_min.get(), 5);
    }

    #[test]
    fn reference_errors_name_the_place_and_suggest() {
        check_all(
            &[
                ("id = \"b\"", "id = \"beta\""),
                ("area = \"b\"\nstage = 3", "area = \"btea\"\nstage = 3"),
            ],
            &[
                "33:1: area \"beta\" has no items at stage 2; every area needs items at every stage above 1",
                "33:1: area \"beta\" has no items at stage 3; every area needs items at every stage above 1",
                "74:8: item \"B-2-1\" names the area \"b\", which the model does not declare",
                "81:8: item \"B-2-2\" names the area \"b\", which the model does not declare",
                "88:8: item \"B-3-1\" names the area \"btea\", which the model does not declare; did you mean \"beta\"?",
                "95:8: item \"B-3-2\" names the area \"b\", which the model does not declare",
            ],
        );
        check_all(
            &[
                ("stage\t=\t3", "stage = 2"),
                ("stage = 3\ntext", "stage = 5\ntext"),
            ],
            &[
                "29:1: area \"a\" has no items at stage 3; every area needs items at every stage above 1",
                "67:9: item \"A-3-2\" is at stage 5, which the model does not declare (stages run from 1 to 3)",
            ],
        );
        check(
            "id = \"A-3-1\"",
            "id = \"A-2-1\"",
            &["58:6: the item id \"A-2-1\" is declared twice (first on line 44)"],
        );
    }

    #[test]
    fn areas_need_items_at_every_stage_above_one() {
        // Both of area b's items at stage 3 move to area a.
        let moved = ("area = \"b\"\nstage = 3", "area = \"a\"\nstage = 3");
        check_all(
            &[moved, moved],
            &[
                "33:1: area \"b\" has no items at stage 3; every area needs items at every stage above 1",
            ],
        );
    }

    #[test]
    fn stages_run_without_holes() {
        check(
            "level = 2",
            "level = 4",
            &[
                "21:9: stages must be numbered 1, 2, 3, … in order without holes; expected level 2 here, found 4",
            ],
        );
    }

    #[test]
    fn numbers_are_checked() {
        check(
            "threshold = 0.75",
            "threshold = 0",
            &["11:13: the threshold must be above 0 and at most 1; found 0"],
        );
        check(
            "threshold = 0.75",
            "threshold = 1.5",
            &["11:13: the threshold must be above 0 and at most 1; found 1.5"],
        );
        check(
            "weight = 2.0",
            "weight = 0.0",
            &["77:10: item \"B-2-1\" has weight 0; weights must be above 0"],
        );
        check(
            "weight = 2.0",
            "weight = -1.0",
            &["77:10: item \"B-2-1\" has weight -1; weights must be above 0"],
        );
        check(
            "points = 5",
            "points = 12",
            &["7:10: scale points must be a whole number from 2 to 11; found 12"],
        );
        check(
            "points = 5",
            "points = 4",
            &["8:10: the scale has 4 points but 5 labels; give one label per point"],
        );
        check(
            "anonymity_min = 3",
            "anonymity_min = 2",
            &["14:17: anonymity_min must be a whole number of at least 3; found 2"],
        );
        check(
            "aggregate = \"mean\"",
            "aggregate = \"medain\"",
            &[
                "12:13: aggregate must be \"mean\" or \"median\"; found \"medain\"; did you mean \"median\"?",
            ],
        );
    }

    #[test]
    fn attribute_values_are_unique() {
        check(
            "values = [\"employee\", \"partner\"]",
            "values = [\"employee\", \"Employee\"]",
            &[
                "40:23: the value \"Employee\" of attribute \"role\" is given twice (first on line 40); values are compared without regard to case",
            ],
        );
    }

    #[test]
    fn unknown_keys_and_types_are_reported_by_the_parser() {
        check(
            "practice = \"Do A two two.\"",
            "practise = \"Do A two two.\"",
            &[
                "55:1: unknown field `practise`, expected one of `id`, `area`, `stage`, `text`, `practice`, `weight`",
            ],
        );
        check(
            "points = 5",
            "points = \"five\"",
            &["7:10: invalid type: string \"five\", expected i64"],
        );
        check(
            "title = \"Small model\"",
            "title = \"Small model",
            &["4:21: invalid basic string, expected `\"`"],
        );
    }

    #[test]
    fn identifiers_are_checked() {
        check(
            "id = \"a\"",
            "id = \"a a\"",
            &[
                "30:6: the area id \"a a\" is invalid: an identifier may only hold letters, digits, '-', '_' and '.'; ' ' is not allowed",
                "45:8: item \"A-2-1\" names the area \"a\", which the model does not declare",
                "52:8: item \"A-2-2\" names the area \"a\", which the model does not declare",
                "59:8: item \"A-3-1\" names the area \"a\", which the model does not declare",
                "66:8: item \"A-3-2\" names the area \"a\", which the model does not declare",
            ],
        );
    }

    #[test]
    fn oversized_files_are_refused_before_parsing() {
        let huge = format!("{SMALL}\n#{}", "x".repeat(MAX_MODEL_BYTES));
        let errors = Model::parse(&huge).unwrap_err();
        assert!(errors.0[0].message.contains("at most 1048576"), "{errors}");
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
