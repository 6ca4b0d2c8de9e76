//! From an export's table to simm's response sheet: which column is
//! which, what each label means, and what was left out.

use simm_core::{Answer, Model, did_you_mean, quote_value};

use super::Source;
use super::error::{ColumnRef, ImportError, ImportProblem, MAX_PROBLEMS};
use super::mapping::{ColumnRule, LabelValue, Mapping, RuleTarget};
use super::privacy::{DropReason, default_drop};
use super::similarity::{same_text, similarity};
use super::table::{Column, Table};
use crate::questionnaire::survey_code;
use crate::{SheetRow, write_sheet};

/// What a kept column of the export became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The model's item at this index.
    Item(usize),
    /// The model's attribute at this index.
    Attribute(usize),
}

/// A column of the export that became an item or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedColumn {
    pub column: ColumnRef,
    pub target: Target,
}

/// A column of the export that never reached simm, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedColumn {
    pub column: ColumnRef,
    pub reason: DropReason,
}

/// An export turned into simm's response sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// simm's own response sheet (CSV), ready for
    /// [`read_sheet`](crate::read_sheet); its respondents are `row-1`,
    /// `row-2`, … in the export's order, never the export's ids.
    pub sheet: String,
    /// The columns left out, in the export's order.
    pub dropped: Vec<DroppedColumn>,
    /// The columns kept, in the export's order.
    pub mapped: Vec<MappedColumn>,
    /// Responses converted.
    pub rows: usize,
}

impl Converted {
    /// The dropped-columns report, one line per column, for the consultant
    /// to see what never reached simm.
    pub fn dropped_report(&self) -> Vec<String> {
        self.dropped
            .iter()
            .map(|dropped| {
                let note = if dropped.reason.identifies() {
                    " (identifies people; never reached simm)"
                } else {
                    ""
                };
                format!("dropped {}: {}{note}", dropped.column, dropped.reason)
            })
            .collect()
    }
}

/// What a column is, once the mapping, the privacy rules and the model
/// have had their say.
pub(crate) enum Role<'m> {
    Keep(Target, Option<&'m ColumnRule>),
    Drop(DropReason),
    /// Neither mapped nor dropped: nothing is scored until it is one.
    Unmapped,
}

/// Turns an export into simm's response sheet. Every problem is listed
/// (up to a limit) and nothing is returned unless there is none.
pub fn convert(
    source: Source,
    export: &[u8],
    mapping: Option<&Mapping>,
    model: &Model,
) -> Result<Converted, ImportError> {
    let table = source.read(export)?;
    let mut problems = Vec::new();
    let roles = column_roles(&table, mapping, model, &mut problems);
    if !problems.is_empty() {
        return Err(refuse(problems));
    }
    let column_ref = |index: usize| ColumnRef {
        header: table.columns[index].header.clone(),
        number: index + 1,
    };
    let mut dropped = Vec::new();
    let mut mapped = Vec::new();
    for (index, role) in roles.iter().enumerate() {
        match role {
            Role::Drop(reason) => dropped.push(DroppedColumn {
                column: column_ref(index),
                reason: *reason,
            }),
            Role::Keep(target, _) => mapped.push(MappedColumn {
                column: column_ref(index),
                target: *target,
            }),
            Role::Unmapped => unreachable!("unmapped columns are refused above"),
        }
    }

    let shared = mapping.map_or(&[][..], |mapping| &mapping.labels[..]);
    let ids: Vec<String> = (1..=table.rows.len()).map(|n| format!("row-{n}")).collect();
    let mut rows = Vec::with_capacity(table.rows.len());
    'rows: for (row, id) in table.rows.iter().zip(&ids) {
        let mut attributes = vec![None; model.attributes().len()];
        let mut answers = vec![None; model.items().len()];
        for (index, role) in roles.iter().enumerate() {
            let Role::Keep(target, rule) = role else {
                continue;
            };
            let cell = table.cell(row, index);
            let problem = |value: &str, message: String| ImportProblem {
                row: Some(row.number),
                column: Some(column_ref(index)),
                value: Some(value.to_owned()),
                message,
            };
            match target {
                Target::Item(item) => match answer(cell, *rule, shared, model) {
                    Ok(answer) => answers[*item] = answer,
                    Err(message) => problems.push(problem(cell, message)),
                },
                Target::Attribute(attribute) => {
                    if cell.is_empty() {
                        continue;
                    }
                    let declared = &model.attributes()[*attribute];
                    let text = rule
                        .and_then(|rule| {
                            rule.values
                                .iter()
                                .find(|(text, _, _)| text.eq_ignore_ascii_case(cell))
                        })
                        .map_or(cell, |(_, value, _)| value.as_str());
                    match declared.value(text) {
                        Ok(value) => attributes[*attribute] = Some(value),
                        Err(error) => problems.push(problem(cell, error.to_string())),
                    }
                }
            }
            if problems.len() >= MAX_PROBLEMS {
                break 'rows;
            }
        }
        rows.push(SheetRow {
            respondent: id,
            attributes,
            answers,
        });
    }
    if !problems.is_empty() {
        return Err(refuse(problems));
    }
    let count = rows.len();
    Ok(Converted {
        sheet: write_sheet(model, rows),
        dropped,
        mapped,
        rows: count,
    })
}

fn refuse(mut problems: Vec<ImportProblem>) -> ImportError {
    let stopped_early = problems.len() >= MAX_PROBLEMS;
    problems.truncate(MAX_PROBLEMS);
    ImportError::Invalid {
        problems,
        stopped_early,
    }
}

/// The answer a cell gives: the column's own labels first, then the
/// mapping's shared labels, then the scale's labels, then a scale point
/// or "don't know" as simm's own sheet writes them; all ignoring case.
fn answer(
    cell: &str,
    rule: Option<&ColumnRule>,
    shared: &[super::mapping::Label],
    model: &Model,
) -> Result<Option<Answer>, String> {
    let points = model.scale().points;
    let own = rule.map_or(&[][..], |rule| &rule.labels[..]);
    if let Some(label) = own
        .iter()
        .chain(shared)
        .find(|label| label.text.eq_ignore_ascii_case(cell))
    {
        return Ok(match label.value {
            LabelValue::DontKnow => None,
            LabelValue::Point(point) => Answer::new(point, points),
        });
    }
    let labels = &model.scale().labels;
    if let Some(position) = labels.iter().position(|label| same_text(label, cell)) {
        return Ok(Answer::new(position as u8 + 1, points));
    }
    Answer::parse(cell, points).map_err(|_| {
        let candidates = own
            .iter()
            .chain(shared)
            .map(|label| label.text.as_str())
            .chain(labels.iter().map(String::as_str));
        let hint = did_you_mean(cell, candidates)
            .map(|label| format!("; did you mean {label:?}?"))
            .unwrap_or_default();
        format!(
            "is not an answer label of the scale ({}), a point from 1 to {points}, or \"don't know\"; add it to the mapping's [labels]{hint}",
            labels.join(", ")
        )
    })
}

/// Decides every column's role, and checks that the mapping fits the
/// export and the model: every mapped header exists, every id is the
/// model's, no item or attribute gets two columns, no column is left
/// unmapped.
pub(crate) fn column_roles<'m>(
    table: &Table,
    mapping: Option<&'m Mapping>,
    model: &Model,
    problems: &mut Vec<ImportProblem>,
) -> Vec<Role<'m>> {
    let note = |message: String| ImportProblem {
        row: None,
        column: None,
        value: None,
        message,
    };
    if let Some(mapping) = mapping {
        check_mapping_fits(table, mapping, model, problems);
    }
    let names_column = |header: &str, column: &Column| {
        column.names().any(|name| name.eq_ignore_ascii_case(header))
    };
    let mut roles = Vec::with_capacity(table.columns.len());
    for column in &table.columns {
        let rules: Vec<&ColumnRule> = mapping
            .map(|mapping| {
                mapping
                    .columns
                    .iter()
                    .filter(|rule| names_column(&rule.header, column))
                    .collect()
            })
            .unwrap_or_default();
        if let (Some(mapping), [first, second, ..]) = (mapping, rules.as_slice()) {
            problems.push(note(format!(
                "{}: column {} is mapped twice, also at {}; keep one",
                mapping.place(second.at),
                quote_value(&column.header),
                mapping.place(first.at)
            )));
        }
        let dropped = mapping.is_some_and(|mapping| {
            mapping
                .drop
                .iter()
                .any(|(header, _)| names_column(header, column))
        });
        let role = if dropped {
            Role::Drop(DropReason::Mapping)
        } else if let Some(rule) = rules.first() {
            match resolve(&rule.target, model) {
                Some(target) => Role::Keep(target, Some(rule)),
                // Reported by check_mapping_fits.
                None => Role::Drop(DropReason::Mapping),
            }
        } else if let Some(reason) = default_drop(&column.header) {
            Role::Drop(reason)
        } else if let Some(target) = automatic(column, model) {
            Role::Keep(target, None)
        } else {
            Role::Unmapped
        };
        roles.push(role);
    }
    // Two columns for one item or attribute: the second would silently
    // overwrite the first.
    for (index, role) in roles.iter().enumerate() {
        let Role::Keep(target, _) = role else {
            continue;
        };
        if let Some(first) = roles[..index]
            .iter()
            .position(|other| matches!(other, Role::Keep(t, _) if t == target))
        {
            problems.push(ImportProblem {
                row: None,
                column: Some(ColumnRef {
                    header: table.columns[index].header.clone(),
                    number: index + 1,
                }),
                value: None,
                message: format!(
                    "is mapped to {}, as column {} ({}) {} already is; map or drop one of them",
                    target_name(*target, model),
                    ColumnRef {
                        header: String::new(),
                        number: first + 1
                    }
                    .letters(),
                    first + 1,
                    quote_value(&table.columns[first].header)
                ),
            });
        }
    }
    for (index, role) in roles.iter().enumerate() {
        if !matches!(role, Role::Unmapped) {
            continue;
        }
        let column = &table.columns[index];
        let hint = nearest_item(column, model)
            .map(|item| {
                format!(
                    "; did you mean item {} ({})?",
                    model.items()[item].id.as_str(),
                    quote_value(&model.items()[item].text)
                )
            })
            .unwrap_or_default();
        problems.push(ImportProblem {
            row: None,
            column: Some(ColumnRef {
                header: column.header.clone(),
                number: index + 1,
            }),
            value: None,
            message: format!(
                "is neither mapped to an item or attribute nor dropped; name it in the mapping's [columns] or its drop list (`--write-mapping` drafts one){hint}"
            ),
        });
    }
    roles
}

/// Every header the mapping names is a column of the export, and every id
/// it names is the model's.
fn check_mapping_fits(
    table: &Table,
    mapping: &Mapping,
    model: &Model,
    problems: &mut Vec<ImportProblem>,
) {
    let headers = || table.columns.iter().flat_map(Column::names);
    let mut absent = |header: &str, at| {
        if table
            .columns
            .iter()
            .any(|column| column.names().any(|name| name.eq_ignore_ascii_case(header)))
        {
            return;
        }
        let hint = did_you_mean(header, headers())
            .map(|name| format!("; did you mean {name:?}?"))
            .unwrap_or_default();
        problems.push(ImportProblem {
            row: None,
            column: None,
            value: None,
            message: format!(
                "{}: the export has no column {}{hint}",
                mapping.place(at),
                quote_value(header)
            ),
        });
    };
    for rule in &mapping.columns {
        absent(&rule.header, rule.at);
    }
    for (header, at) in &mapping.drop {
        absent(header, *at);
    }
    let points = model.scale().points;
    for rule in &mapping.columns {
        let (id, what): (&str, &str) = match &rule.target {
            RuleTarget::Id(id) => (id, "an item or attribute"),
            RuleTarget::Item(id) => (id, "an item"),
            RuleTarget::Attribute(id) => (id, "an attribute"),
        };
        if resolve(&rule.target, model).is_none() {
            let candidates: Vec<&str> = match &rule.target {
                RuleTarget::Item(_) => model.items().iter().map(|i| i.id.as_str()).collect(),
                RuleTarget::Attribute(_) => {
                    model.attributes().iter().map(|a| a.id.as_str()).collect()
                }
                RuleTarget::Id(_) => model
                    .items()
                    .iter()
                    .map(|i| i.id.as_str())
                    .chain(model.attributes().iter().map(|a| a.id.as_str()))
                    .collect(),
            };
            let hint = did_you_mean(id, candidates)
                .map(|id| format!("; did you mean {id:?}?"))
                .unwrap_or_default();
            problems.push(ImportProblem {
                row: None,
                column: None,
                value: None,
                message: format!(
                    "{}: column {}: {} is not {what} of model {}{hint}",
                    mapping.place(rule.at),
                    quote_value(&rule.header),
                    quote_value(id),
                    model.id().as_str()
                ),
            });
        }
    }
    for label in mapping
        .labels
        .iter()
        .chain(mapping.columns.iter().flat_map(|rule| &rule.labels))
    {
        if let LabelValue::Point(point) = label.value
            && point > points
        {
            problems.push(ImportProblem {
                row: None,
                column: None,
                value: None,
                message: format!(
                    "{}: label {} is {point}, but the scale has {points} points",
                    mapping.place(label.at),
                    quote_value(&label.text)
                ),
            });
        }
    }
}

fn resolve(target: &RuleTarget, model: &Model) -> Option<Target> {
    let item = |id: &str| model.item_index(id).map(Target::Item);
    let attribute = |id: &str| {
        model
            .attributes()
            .iter()
            .position(|a| a.id.as_str() == id)
            .map(Target::Attribute)
    };
    match target {
        RuleTarget::Id(id) => item(id).or_else(|| attribute(id)),
        RuleTarget::Item(id) => item(id),
        RuleTarget::Attribute(id) => attribute(id),
    }
}

/// A column that needs no mapping: its header (or an alias) is an item's
/// id, question code (as `simm template` writes it for LimeSurvey and
/// Qualtrics) or exact statement, or an attribute's id, code or name.
fn automatic(column: &Column, model: &Model) -> Option<Target> {
    for name in column.names() {
        if let Some(index) = model.items().iter().position(|item| {
            item.id.as_str().eq_ignore_ascii_case(name)
                || survey_code(item.id.as_str()).eq_ignore_ascii_case(name)
                || same_text(&item.text, name)
        }) {
            return Some(Target::Item(index));
        }
        if let Some(index) = model.attributes().iter().position(|attribute| {
            attribute.id.as_str().eq_ignore_ascii_case(name)
                || survey_code(attribute.id.as_str()).eq_ignore_ascii_case(name)
                || same_text(&attribute.name, name)
        }) {
            return Some(Target::Attribute(index));
        }
    }
    None
}

/// The item whose statement is most like the column's names, if any is
/// like it at all.
pub(crate) fn nearest_item(column: &Column, model: &Model) -> Option<usize> {
    item_scores(column, model)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, score)| *score >= 0.4)
        .map(|(index, _)| index)
}

/// How like each item's statement (or id) the column's names are.
pub(crate) fn item_scores<'a>(
    column: &'a Column,
    model: &'a Model,
) -> impl Iterator<Item = (usize, f64)> + 'a {
    model.items().iter().enumerate().map(move |(index, item)| {
        let score = column
            .names()
            .map(|name| {
                if item.id.as_str().eq_ignore_ascii_case(name) {
                    1.0
                } else {
                    similarity(&item.text, name)
                }
            })
            .fold(0.0, f64::max);
        (index, score)
    })
}

pub(crate) fn target_name(target: Target, model: &Model) -> String {
    match target {
        Target::Item(index) => format!("item {}", model.items()[index].id.as_str()),
        Target::Attribute(index) => {
            format!("attribute {}", model.attributes()[index].id.as_str())
        }
    }
}
