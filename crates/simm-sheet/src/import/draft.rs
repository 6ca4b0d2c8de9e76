//! `--write-mapping`: a first mapping drafted from the export and the
//! model, for the consultant to review. Headers are matched to statements
//! by text similarity and to attributes by name, answer labels to the
//! scale's labels and attribute values ignoring case; every match carries
//! its confidence, and doubtful ones a `# review` mark.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use simm_core::{Answer, Model, toml_basic_string};

use super::Source;
use super::convert::{Target, item_scores};
use super::error::ImportError;
use super::mapping::Mapping;
use super::privacy::default_drop;
use super::similarity::{same_text, similarity};
use super::table::{Column, Table};

/// Matches at least this sure are not marked for review.
const SURE: f64 = 0.9;
/// Matches below this are not proposed: the column goes to `drop`.
const LIKELY: f64 = 0.5;

/// A drafted mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The mapping file's text, TOML with comments.
    pub text: String,
    /// Entries marked `# review`.
    pub review: usize,
}

impl Mapping {
    /// Drafts a mapping for an export (see the module documentation).
    pub fn draft(source: Source, export: &[u8], model: &Model) -> Result<Draft, ImportError> {
        let table = source.read(export)?;
        Ok(draft_table(source, &table, model))
    }
}

struct Choice {
    target: Target,
    score: f64,
}

fn attribute_score(column: &Column, model: &Model, index: usize) -> f64 {
    let attribute = &model.attributes()[index];
    column
        .names()
        .map(|name| {
            if attribute.id.as_str().eq_ignore_ascii_case(name) || same_text(&attribute.name, name)
            {
                1.0
            } else {
                similarity(&attribute.name, name).max(similarity(attribute.id.as_str(), name))
            }
        })
        .fold(0.0, f64::max)
}

fn draft_table(source: Source, table: &Table, model: &Model) -> Draft {
    // Every candidate pairing, the surest first, taken greedily so that
    // each column and each item or attribute is used once.
    let mut candidates = Vec::new();
    let mut kept = Vec::new();
    for (index, column) in table.columns.iter().enumerate() {
        if default_drop(&column.header).is_some() {
            continue;
        }
        kept.push(index);
        for (item, score) in item_scores(column, model) {
            candidates.push((index, Target::Item(item), score));
        }
        for attribute in 0..model.attributes().len() {
            let score = attribute_score(column, model, attribute);
            candidates.push((index, Target::Attribute(attribute), score));
        }
    }
    candidates.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut choices: Vec<Option<Choice>> = (0..table.columns.len()).map(|_| None).collect();
    let mut taken = BTreeSet::new();
    for (index, target, score) in candidates {
        if score < LIKELY || choices[index].is_some() || taken.contains(&target_key(target)) {
            continue;
        }
        taken.insert(target_key(target));
        choices[index] = Some(Choice { target, score });
    }

    let mut review = 0;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Mapping drafted by `simm import --write-mapping` from a {source} export for model {} {}.",
        model.id().as_str(),
        model.version()
    );
    let _ = writeln!(
        text,
        "# Check every line marked `# review`; the numbers are how sure each match is (1.00: exact)."
    );
    let identifying: Vec<&str> = table
        .columns
        .iter()
        .filter(|column| default_drop(&column.header).is_some())
        .map(|column| column.header.as_str())
        .collect();
    if !identifying.is_empty() {
        let _ = writeln!(
            text,
            "# Always dropped (identifying or the tool's bookkeeping): {}.",
            identifying.join(", ")
        );
    }
    text.push('\n');

    text.push_str("drop = [\n");
    for &index in &kept {
        if choices[index].is_some() {
            continue;
        }
        let column = &table.columns[index];
        let nearest = item_scores(column, model)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(item, score)| {
                format!(
                    "nearest item {} at {score:.2}",
                    model.items()[item].id.as_str()
                )
            })
            .unwrap_or_default();
        review += 1;
        let _ = writeln!(
            text,
            "  {}, # review: matched no statement or attribute ({nearest})",
            toml_basic_string(&column.header)
        );
    }
    text.push_str("]\n\n[columns]\n");
    let mut item_columns = Vec::new();
    for &index in &kept {
        let Some(choice) = &choices[index] else {
            continue;
        };
        let column = &table.columns[index];
        let header = toml_basic_string(&column.header);
        let mark = if choice.score < SURE {
            review += 1;
            " review"
        } else {
            ""
        };
        match choice.target {
            Target::Item(item) => {
                item_columns.push(index);
                let item = &model.items()[item];
                let _ = writeln!(
                    text,
                    "{header} = {} # confidence {:.2}{mark}: {}",
                    toml_basic_string(item.id.as_str()),
                    choice.score,
                    one_line(&item.text)
                );
            }
            Target::Attribute(attribute) => {
                let (values, doubtful) = attribute_values(table, index, model, attribute);
                review += doubtful;
                let id = toml_basic_string(model.attributes()[attribute].id.as_str());
                let entry = if values.is_empty() {
                    id
                } else {
                    format!(
                        "{{ attribute = {id}, values = {{ {} }} }}",
                        values.join(", ")
                    )
                };
                let values_mark = if doubtful > 0 {
                    format!(" (review {doubtful} value(s))")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    text,
                    "{header} = {entry} # confidence {:.2}{mark}{values_mark}",
                    choice.score
                );
            }
        }
    }

    let (labels, doubtful) = answer_labels(table, &item_columns, model);
    review += doubtful;
    text.push_str("\n# Answer labels of every item column: label = scale point (\"don't know\" for none).\n[labels]\n");
    text.push_str(&labels);
    Draft { text, review }
}

fn target_key(target: Target) -> (bool, usize) {
    match target {
        Target::Item(index) => (true, index),
        Target::Attribute(index) => (false, index),
    }
}

/// The distinct non-empty cells of the columns, in first-seen order.
fn distinct_cells(table: &Table, columns: &[usize]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut cells = Vec::new();
    for row in &table.rows {
        for &index in columns {
            let cell = table.cell(row, index);
            if !cell.is_empty() && seen.insert(cell.to_lowercase()) {
                cells.push(cell.to_owned());
            }
        }
    }
    cells
}

/// `[labels]` lines for every answer text that is not already a scale
/// point, and how many of them need review.
fn answer_labels(table: &Table, columns: &[usize], model: &Model) -> (String, usize) {
    let scale = model.scale();
    let mut text = String::new();
    let mut doubtful = 0;
    for cell in distinct_cells(table, columns) {
        if Answer::parse(&cell, scale.points).is_ok() {
            continue;
        }
        let label = toml_basic_string(&cell);
        if let Some(position) = scale.labels.iter().position(|l| same_text(l, &cell)) {
            let _ = writeln!(text, "{label} = {} # confidence 1.00", position + 1);
            continue;
        }
        doubtful += 1;
        // Answer codes such as LimeSurvey's A1 … A5 end in their order.
        let digits: String = cell
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        let code = digits
            .chars()
            .rev()
            .collect::<String>()
            .parse::<u8>()
            .ok()
            .filter(|point| (1..=scale.points).contains(point));
        let nearest = scale
            .labels
            .iter()
            .enumerate()
            .map(|(index, l)| (index, similarity(l, &cell)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match (code, nearest) {
            (Some(point), _) => {
                let _ = writeln!(
                    text,
                    "{label} = {point} # review: an answer code; check that it is {:?}",
                    scale.labels[usize::from(point) - 1]
                );
            }
            (None, Some((index, score))) if score >= LIKELY => {
                let _ = writeln!(
                    text,
                    "{label} = {} # confidence {score:.2} review: {:?}",
                    index + 1,
                    scale.labels[index]
                );
            }
            _ => {
                let _ = writeln!(
                    text,
                    "# {label} = ? # review: matches no label of the scale ({})",
                    scale.labels.join(", ")
                );
            }
        }
    }
    (text, doubtful)
}

/// `values` entries for an attribute column's texts that are not already
/// the attribute's values, and how many of them need review.
fn attribute_values(
    table: &Table,
    index: usize,
    model: &Model,
    attribute: usize,
) -> (Vec<String>, usize) {
    let attribute = &model.attributes()[attribute];
    let Some(declared) = &attribute.values else {
        return (Vec::new(), 0);
    };
    let mut values = Vec::new();
    let mut doubtful = 0;
    for cell in distinct_cells(table, &[index]) {
        if attribute.canonical_value(&cell).is_some() {
            continue;
        }
        doubtful += 1;
        if let Some((value, _)) = declared
            .iter()
            .map(|value| (value, similarity(value, &cell)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
        {
            values.push(format!(
                "{} = {}",
                toml_basic_string(&cell),
                toml_basic_string(value)
            ));
        }
    }
    (values, doubtful)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
