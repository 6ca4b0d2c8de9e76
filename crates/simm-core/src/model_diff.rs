//! The differences between two versions of a model: what a steward reviews
//! before publishing a new version, and what `simm model diff` prints.
//!
//! Items, areas and attributes are matched by id and stages by level, so a
//! reworded item is one change rather than a removal and an addition. The
//! order of the entries follows the models: first every entry of the old
//! model that was removed or changed, in the old model's order, then the
//! additions in the new model's order. Reordering alone is not a change,
//! since the order of items does not affect any score.

use std::fmt::Write as _;

use serde::Serialize;

use crate::domain::{
    Aggregate, AnonymityMin, AreaId, AttributeId, ItemId, Overall, StageLevel, Threshold, Weight,
};
use crate::locale::Locale;
use crate::model::{Area, Attribute, Item, Model, Scale, Stage};
use crate::results::ModelRef;

/// A value before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<T> {
    pub old: T,
    pub new: T,
}

/// The change of a value, or `None` when it did not change.
fn change<T: PartialEq + Clone>(old: &T, new: &T) -> Option<Change<T>> {
    (old != new).then(|| Change {
        old: old.clone(),
        new: new.clone(),
    })
}

/// Everything that differs between two models.
///
/// Top-level keys are always present (`null` or empty when nothing
/// changed), so programs reading the JSON see one shape; within an entry,
/// only the fields that changed are given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelDiff {
    pub old: ModelRef,
    pub new: ModelRef,
    pub title: Option<Change<String>>,
    pub locales: Option<Change<Vec<Locale>>>,
    /// The locales, other than the first, in both models whose translated
    /// texts differ.
    pub translations_changed: Vec<Locale>,
    pub scale: Option<Change<Scale>>,
    pub scoring: ScoringDiff,
    pub stages: Vec<StageChange>,
    pub areas: Vec<AreaChange>,
    pub attributes: Vec<AttributeChange>,
    pub items: Vec<ItemChange>,
}

/// The changed scoring settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoringDiff {
    pub threshold: Option<Change<Threshold>>,
    pub aggregate: Option<Change<Aggregate>>,
    pub overall: Option<Change<Overall>>,
    pub anonymity_min: Option<Change<AnonymityMin>>,
}

impl ScoringDiff {
    pub fn is_empty(&self) -> bool {
        self.threshold.is_none()
            && self.aggregate.is_none()
            && self.overall.is_none()
            && self.anonymity_min.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum StageChange {
    Added(Stage),
    Removed(Stage),
    Changed(StageDelta),
}

/// A stage present in both models, by level, with what changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageDelta {
    pub level: StageLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Change<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Change<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub characteristics: Option<Change<Vec<String>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AreaChange {
    Added(Area),
    Removed(Area),
    Changed(AreaDelta),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaDelta {
    pub id: AreaId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Change<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Change<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AttributeChange {
    Added(Attribute),
    Removed(Attribute),
    Changed(AttributeDelta),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeDelta {
    pub id: AttributeId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Change<String>>,
    /// The allowed values; `None` inside the change stands for free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Change<Option<Vec<String>>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ItemChange {
    Added(Item),
    Removed(Item),
    Changed(ItemDelta),
}

/// An item present in both models, by id, with what changed: a new text
/// or practice (reworded), a new stage or area (moved), a new weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDelta {
    pub id: ItemId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<Change<AreaId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Change<StageLevel>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Change<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice: Option<Change<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<Change<Weight>>,
}

/// Compares two models. The model id and version are always reported in
/// `old` and `new`; every other field lists only what changed.
pub fn diff_models(old: &Model, new: &Model) -> ModelDiff {
    let scoring = ScoringDiff {
        threshold: change(&old.scoring.threshold, &new.scoring.threshold),
        aggregate: change(&old.scoring.aggregate, &new.scoring.aggregate),
        overall: change(&old.scoring.overall, &new.scoring.overall),
        anonymity_min: change(&old.scoring.anonymity_min, &new.scoring.anonymity_min),
    };
    ModelDiff {
        old: model_ref(old),
        new: model_ref(new),
        title: change(&old.title, &new.title),
        locales: change(&old.locales, &new.locales),
        translations_changed: new
            .translations
            .iter()
            .skip(1)
            .filter(|translation| {
                old.translations
                    .iter()
                    .skip(1)
                    .find(|t| t.locale == translation.locale)
                    .is_some_and(|t| t != *translation)
            })
            .map(|translation| translation.locale.clone())
            .collect(),
        scale: change(&old.scale, &new.scale),
        scoring,
        stages: diff_stages(&old.stages, &new.stages),
        areas: diff_by_key(
            &old.areas,
            &new.areas,
            |area| &area.id,
            AreaChange::Added,
            AreaChange::Removed,
            |old, new| {
                let delta = AreaDelta {
                    id: new.id.clone(),
                    name: change(&old.name, &new.name),
                    description: change(&old.description, &new.description),
                };
                (delta.name.is_some() || delta.description.is_some())
                    .then_some(AreaChange::Changed(delta))
            },
        ),
        attributes: diff_by_key(
            &old.attributes,
            &new.attributes,
            |attribute| &attribute.id,
            AttributeChange::Added,
            AttributeChange::Removed,
            |old, new| {
                let delta = AttributeDelta {
                    id: new.id.clone(),
                    name: change(&old.name, &new.name),
                    values: change(&old.values, &new.values),
                };
                (delta.name.is_some() || delta.values.is_some())
                    .then_some(AttributeChange::Changed(delta))
            },
        ),
        items: diff_by_key(
            &old.items,
            &new.items,
            |item| &item.id,
            ItemChange::Added,
            ItemChange::Removed,
            |old, new| {
                let delta = ItemDelta {
                    id: new.id.clone(),
                    area: change(&old.area, &new.area),
                    stage: change(&old.stage, &new.stage),
                    text: change(&old.text, &new.text),
                    practice: change(&old.practice, &new.practice),
                    weight: change(&old.weight, &new.weight),
                };
                let changed = delta.area.is_some()
                    || delta.stage.is_some()
                    || delta.text.is_some()
                    || delta.practice.is_some()
                    || delta.weight.is_some();
                changed.then_some(ItemChange::Changed(delta))
            },
        ),
    }
}

fn model_ref(model: &Model) -> ModelRef {
    ModelRef {
        id: model.id.clone(),
        version: model.version.clone(),
    }
}

/// Stages are matched by level, since a model's stages are numbered
/// 1, 2, 3, … without holes and the level is what items refer to.
fn diff_stages(old: &[Stage], new: &[Stage]) -> Vec<StageChange> {
    let mut changes = Vec::new();
    for index in 0..old.len().max(new.len()) {
        match (old.get(index), new.get(index)) {
            (Some(old), Some(new)) => {
                let delta = StageDelta {
                    level: new.level,
                    name: change(&old.name, &new.name),
                    description: change(&old.description, &new.description),
                    characteristics: change(&old.characteristics, &new.characteristics),
                };
                if delta.name.is_some()
                    || delta.description.is_some()
                    || delta.characteristics.is_some()
                {
                    changes.push(StageChange::Changed(delta));
                }
            }
            (Some(old), None) => changes.push(StageChange::Removed(old.clone())),
            (None, Some(new)) => changes.push(StageChange::Added(new.clone())),
            (None, None) => unreachable!("the index is below the longer length"),
        }
    }
    changes
}

/// Matches two lists by key: removed and changed entries in the old order,
/// then added entries in the new order. Models hold at most a few thousand
/// entries, so the quadratic search stays well below a millisecond.
fn diff_by_key<T: Clone, K: PartialEq, C>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> &K,
    added: impl Fn(T) -> C,
    removed: impl Fn(T) -> C,
    changed: impl Fn(&T, &T) -> Option<C>,
) -> Vec<C> {
    let mut changes = Vec::new();
    for old_entry in old {
        match new
            .iter()
            .find(|new_entry| key(new_entry) == key(old_entry))
        {
            Some(new_entry) => changes.extend(changed(old_entry, new_entry)),
            None => changes.push(removed(old_entry.clone())),
        }
    }
    for new_entry in new {
        if !old.iter().any(|old_entry| key(old_entry) == key(new_entry)) {
            changes.push(added(new_entry.clone()));
        }
    }
    changes
}

impl ModelDiff {
    /// Whether the two models are the same, apart from the order of their
    /// entries.
    pub fn is_empty(&self) -> bool {
        self.old == self.new
            && self.title.is_none()
            && self.locales.is_none()
            && self.translations_changed.is_empty()
            && self.scale.is_none()
            && self.scoring.is_empty()
            && self.stages.is_empty()
            && self.areas.is_empty()
            && self.attributes.is_empty()
            && self.items.is_empty()
    }

    /// The items that changed stage, as (item, old stage, new stage), in
    /// the order of the old model.
    pub fn stage_moves(&self) -> impl Iterator<Item = (&ItemId, StageLevel, StageLevel)> {
        self.items.iter().filter_map(|change| match change {
            ItemChange::Changed(ItemDelta {
                id,
                stage: Some(stage),
                ..
            }) => Some((id, stage.old, stage.new)),
            _ => None,
        })
    }

    /// The differences as plain text, one line per change, with the old
    /// and new wording of reworded texts on lines of their own.
    pub fn to_text(&self) -> String {
        render(self, Style::Text)
    }

    /// The differences as Markdown: a heading per part of the model and a
    /// list item per change.
    pub fn to_markdown(&self) -> String {
        render(self, Style::Markdown)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Text,
    Markdown,
}

impl Style {
    /// A model text, quoted. Markdown gets it on one line, because a line
    /// break would end the list item; plain text keeps it exact, with
    /// escapes, so that a change in white space is visible.
    fn quote(self, text: &str) -> String {
        match self {
            Style::Text => format!("{text:?}"),
            Style::Markdown => {
                format!(
                    "\"{}\"",
                    text.split_whitespace().collect::<Vec<_>>().join(" ")
                )
            }
        }
    }

    /// An identifier. Identifiers hold only letters, digits, '-', '_' and
    /// '.', so they are safe inside a Markdown code span.
    fn id(self, id: &str) -> String {
        match self {
            Style::Text => id.to_owned(),
            Style::Markdown => format!("`{id}`"),
        }
    }

    fn quote_list(self, texts: &[String]) -> String {
        let quoted: Vec<String> = texts.iter().map(|text| self.quote(text)).collect();
        format!("[{}]", quoted.join(", "))
    }
}

/// One change: a line, and details below it (old and new wordings).
struct Entry {
    line: String,
    details: Vec<Detail>,
}

/// A line below a change: an old or new wording, or a labelled value.
struct Detail {
    sign: Sign,
    label: Option<&'static str>,
    value: String,
}

#[derive(Clone, Copy)]
enum Sign {
    Old,
    New,
    Plain,
}

impl Detail {
    fn labelled(label: &'static str, value: String) -> Self {
        Self {
            sign: Sign::Plain,
            label: Some(label),
            value,
        }
    }

    fn render(&self, style: Style) -> String {
        let value = &self.value;
        let label = self.label;
        match (style, self.sign, label) {
            (Style::Text, Sign::Old, None) => format!("- {value}"),
            (Style::Text, Sign::New, None) => format!("+ {value}"),
            (Style::Text, Sign::Old, Some(label)) => format!("- {label}: {value}"),
            (Style::Text, Sign::New, Some(label)) => format!("+ {label}: {value}"),
            // A leading "-" or "+" would read as a list marker in Markdown,
            // so the sign is spelled out.
            (Style::Markdown, Sign::Old, None) => format!("old: {value}"),
            (Style::Markdown, Sign::New, None) => format!("new: {value}"),
            (Style::Markdown, Sign::Old, Some(label)) => format!("old {label}: {value}"),
            (Style::Markdown, Sign::New, Some(label)) => format!("new {label}: {value}"),
            (_, Sign::Plain, None) => value.clone(),
            (_, Sign::Plain, Some(label)) => format!("{label}: {value}"),
        }
    }
}

impl Entry {
    fn line(line: String) -> Self {
        Self {
            line,
            details: Vec::new(),
        }
    }
}

/// The changes in sections, in the order of the model file.
fn sections(diff: &ModelDiff, style: Style) -> Vec<(&'static str, Vec<Entry>)> {
    let q = |text: &str| style.quote(text);
    let mut model = Vec::new();
    if diff.old.id != diff.new.id {
        model.push(Entry::line(format!(
            "id: {} -> {}",
            style.id(diff.old.id.as_str()),
            style.id(diff.new.id.as_str())
        )));
    }
    if diff.old.version != diff.new.version {
        model.push(Entry::line(format!(
            "version: {} -> {}",
            q(&diff.old.version),
            q(&diff.new.version)
        )));
    }
    if let Some(title) = &diff.title {
        model.push(Entry::line(format!(
            "title: {} -> {}",
            q(&title.old),
            q(&title.new)
        )));
    }
    if let Some(locales) = &diff.locales {
        let list = |locales: &[Locale]| {
            locales
                .iter()
                .map(Locale::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        model.push(Entry::line(format!(
            "locales: [{}] -> [{}]",
            list(&locales.old),
            list(&locales.new)
        )));
    }
    for locale in &diff.translations_changed {
        model.push(Entry::line(format!("translations.{locale}: texts changed")));
    }

    let mut scale = Vec::new();
    if let Some(change) = &diff.scale {
        if change.old.points != change.new.points {
            scale.push(Entry::line(format!(
                "points: {} -> {}",
                change.old.points, change.new.points
            )));
        }
        if change.old.labels != change.new.labels {
            scale.push(Entry::line(format!(
                "labels: {} -> {}",
                style.quote_list(&change.old.labels),
                style.quote_list(&change.new.labels)
            )));
        }
    }

    let mut scoring = Vec::new();
    let s = &diff.scoring;
    if let Some(c) = &s.threshold {
        scoring.push(Entry::line(format!(
            "threshold: {} -> {}",
            c.old.get(),
            c.new.get()
        )));
    }
    if let Some(c) = &s.aggregate {
        scoring.push(Entry::line(format!(
            "aggregate: {} -> {}",
            aggregate_name(c.old),
            aggregate_name(c.new)
        )));
    }
    if let Some(c) = &s.overall {
        scoring.push(Entry::line(format!(
            "overall: {} -> {}",
            overall_name(c.old),
            overall_name(c.new)
        )));
    }
    if let Some(c) = &s.anonymity_min {
        scoring.push(Entry::line(format!(
            "anonymity_min: {} -> {}",
            c.old.get(),
            c.new.get()
        )));
    }

    let stages = diff
        .stages
        .iter()
        .map(|change| match change {
            StageChange::Added(stage) => {
                Entry::line(format!("stage {}: added: {}", stage.level, q(&stage.name)))
            }
            StageChange::Removed(stage) => Entry::line(format!(
                "stage {}: removed: {}",
                stage.level,
                q(&stage.name)
            )),
            StageChange::Changed(delta) => {
                let mut what = Vec::new();
                let mut details = Vec::new();
                if let Some(name) = &delta.name {
                    what.push(format!("name {} -> {}", q(&name.old), q(&name.new)));
                }
                if let Some(description) = &delta.description {
                    what.push("description changed".to_owned());
                    details.extend(old_new(None, q(&description.old), q(&description.new)));
                }
                if let Some(characteristics) = &delta.characteristics {
                    what.push("characteristics changed".to_owned());
                    details.extend(old_new(
                        None,
                        style.quote_list(&characteristics.old),
                        style.quote_list(&characteristics.new),
                    ));
                }
                Entry {
                    line: format!("stage {}: {}", delta.level, what.join("; ")),
                    details,
                }
            }
        })
        .collect();

    let areas = diff
        .areas
        .iter()
        .map(|change| match change {
            AreaChange::Added(area) => Entry::line(format!(
                "{}: added: {}",
                style.id(area.id.as_str()),
                q(&area.name)
            )),
            AreaChange::Removed(area) => Entry::line(format!(
                "{}: removed: {}",
                style.id(area.id.as_str()),
                q(&area.name)
            )),
            AreaChange::Changed(delta) => {
                let mut what = Vec::new();
                let mut details = Vec::new();
                if let Some(name) = &delta.name {
                    what.push(format!("name {} -> {}", q(&name.old), q(&name.new)));
                }
                if let Some(description) = &delta.description {
                    what.push("description changed".to_owned());
                    details.extend(old_new(None, q(&description.old), q(&description.new)));
                }
                Entry {
                    line: format!("{}: {}", style.id(delta.id.as_str()), what.join("; ")),
                    details,
                }
            }
        })
        .collect();

    let values = |values: &Option<Vec<String>>| {
        values
            .as_deref()
            .map_or_else(|| "free text".to_owned(), |v| style.quote_list(v))
    };
    let attributes = diff
        .attributes
        .iter()
        .map(|change| match change {
            AttributeChange::Added(attribute) => Entry::line(format!(
                "{}: added: {}, {}",
                style.id(attribute.id.as_str()),
                q(&attribute.name),
                values(&attribute.values)
            )),
            AttributeChange::Removed(attribute) => Entry::line(format!(
                "{}: removed: {}",
                style.id(attribute.id.as_str()),
                q(&attribute.name)
            )),
            AttributeChange::Changed(delta) => {
                let mut what = Vec::new();
                if let Some(name) = &delta.name {
                    what.push(format!("name {} -> {}", q(&name.old), q(&name.new)));
                }
                if let Some(change) = &delta.values {
                    what.push(format!(
                        "values {} -> {}",
                        values(&change.old),
                        values(&change.new)
                    ));
                }
                Entry::line(format!(
                    "{}: {}",
                    style.id(delta.id.as_str()),
                    what.join("; ")
                ))
            }
        })
        .collect();

    let items = diff
        .items
        .iter()
        .map(|change| match change {
            ItemChange::Added(item) => Entry {
                line: format!(
                    "{}: added at stage {} in area {}, weight {}",
                    style.id(item.id.as_str()),
                    item.stage,
                    style.id(item.area.as_str()),
                    item.weight.get()
                ),
                details: vec![
                    Detail::labelled("text", q(&item.text)),
                    Detail::labelled("practice", q(&item.practice)),
                ],
            },
            ItemChange::Removed(item) => Entry {
                line: format!(
                    "{}: removed from stage {} in area {}",
                    style.id(item.id.as_str()),
                    item.stage,
                    style.id(item.area.as_str())
                ),
                details: vec![Detail::labelled("text", q(&item.text))],
            },
            ItemChange::Changed(delta) => {
                let mut what = Vec::new();
                let mut details = Vec::new();
                if let Some(stage) = &delta.stage {
                    what.push(format!(
                        "moved from stage {} to stage {}",
                        stage.old, stage.new
                    ));
                }
                if let Some(area) = &delta.area {
                    what.push(format!(
                        "moved from area {} to area {}",
                        style.id(area.old.as_str()),
                        style.id(area.new.as_str())
                    ));
                }
                if let Some(text) = &delta.text {
                    what.push("reworded".to_owned());
                    details.extend(old_new(None, q(&text.old), q(&text.new)));
                }
                if let Some(practice) = &delta.practice {
                    what.push("practice changed".to_owned());
                    details.extend(old_new(
                        Some("practice"),
                        q(&practice.old),
                        q(&practice.new),
                    ));
                }
                if let Some(weight) = &delta.weight {
                    what.push(format!(
                        "weight {} -> {}",
                        weight.old.get(),
                        weight.new.get()
                    ));
                }
                Entry {
                    line: format!("{}: {}", style.id(delta.id.as_str()), what.join("; ")),
                    details,
                }
            }
        })
        .collect();

    vec![
        ("Model", model),
        ("Scale", scale),
        ("Scoring", scoring),
        ("Stages", stages),
        ("Areas", areas),
        ("Attributes", attributes),
        ("Items", items),
    ]
}

/// The old and the new wording, marked like a unified diff.
fn old_new(label: Option<&'static str>, old: String, new: String) -> [Detail; 2] {
    [
        Detail {
            sign: Sign::Old,
            label,
            value: old,
        },
        Detail {
            sign: Sign::New,
            label,
            value: new,
        },
    ]
}

fn overall_name(overall: Overall) -> &'static str {
    match overall {
        Overall::Min => "min",
    }
}

fn aggregate_name(aggregate: Aggregate) -> &'static str {
    match aggregate {
        Aggregate::Mean => "mean",
        Aggregate::Median => "median",
    }
}

fn render(diff: &ModelDiff, style: Style) -> String {
    let old = format!("{} {}", diff.old.id, diff.old.version);
    let new = format!("{} {}", diff.new.id, diff.new.version);
    let mut out = String::new();
    // Writing to a String cannot fail, so the results are ignored.
    if diff.is_empty() {
        let _ = match style {
            Style::Text => writeln!(out, "No differences between the two files ({old})."),
            Style::Markdown => writeln!(
                out,
                "# Changes to {old}\n\nNo differences between the two files."
            ),
        };
        return out;
    }
    let _ = match style {
        Style::Text => writeln!(out, "Changes from {old} to {new}:"),
        Style::Markdown => writeln!(out, "# Changes from {old} to {new}"),
    };
    for (title, entries) in sections(diff, style) {
        if entries.is_empty() {
            continue;
        }
        match style {
            Style::Text => {
                let _ = writeln!(out, "\n{title}:");
                for entry in entries {
                    let _ = writeln!(out, "  {}", entry.line);
                    for detail in entry.details {
                        let _ = writeln!(out, "    {}", detail.render(style));
                    }
                }
            }
            Style::Markdown => {
                let _ = writeln!(out, "\n## {title}\n");
                for entry in entries {
                    let _ = writeln!(out, "- {}", entry.line);
                    for detail in entry.details {
                        let _ = writeln!(out, "  - {}", detail.render(style));
                    }
                }
            }
        }
    }
    out
}
