//! LimeSurvey's tab-separated survey structure, as its manual describes it
//! ("Tab Separated Value survey structure"): a header row, then one row per
//! survey setting (class S), language setting (SL), group (G), question
//! (Q), subquestion (SQ) and answer (A); rows belong to the group or
//! question above them.
//!
//! Each area is a group with one Array question (type `F`) whose
//! subquestions are the area's statements and whose answers are the
//! scale's points, coded `1` to N, and "Don't know", coded `DK`: exported
//! back with answer codes, those are the cells simm's own sheet holds.
//! Attributes come first, in a group of their own: a list (type `L`,
//! answers coded `A1`, `A2`, …) where the model lists values, else a short
//! text (type `S`). The survey is anonymized and records neither IP
//! addresses nor dates.

use simm_core::Model;

use super::{area_question, html, one_line, survey_code};

const COLUMNS: [&str; 14] = [
    "id",
    "related_id",
    "class",
    "type/scale",
    "name",
    "relevance",
    "text",
    "help",
    "language",
    "validation",
    "mandatory",
    "other",
    "default",
    "same_default",
];

const LANGUAGE: &str = "en";

#[derive(Default)]
struct Row<'a> {
    id: String,
    class: &'a str,
    kind: String,
    name: String,
    relevance: &'a str,
    text: String,
    language: &'a str,
    mandatory: &'a str,
}

/// The code of the n-th (1-based) value of a listed attribute: answer
/// codes are at most 5 characters, which most values are not.
fn value_code(position: usize) -> String {
    format!("A{position}")
}

pub(super) fn structure(model: &Model) -> String {
    let mut rows = Vec::new();
    for (name, value) in [
        ("language", LANGUAGE),
        ("format", "G"),
        ("anonymized", "Y"),
        ("datestamp", "N"),
        ("ipaddr", "N"),
        ("refurl", "N"),
    ] {
        rows.push(Row {
            class: "S",
            name: name.to_owned(),
            text: value.to_owned(),
            ..Row::default()
        });
    }
    for (name, value) in [
        ("surveyls_title", one_line(model.title())),
        ("surveyls_language", LANGUAGE.to_owned()),
    ] {
        rows.push(Row {
            class: "SL",
            name: name.to_owned(),
            text: value,
            language: LANGUAGE,
            ..Row::default()
        });
    }
    let mut ids = 0usize;
    let mut next_id = || {
        ids += 1;
        ids.to_string()
    };
    let group = |rows: &mut Vec<Row>, order: usize, name: &str, text: &str, id: String| {
        rows.push(Row {
            id,
            class: "G",
            kind: order.to_string(),
            name: one_line(name),
            relevance: "1",
            text: html(text),
            language: LANGUAGE,
            ..Row::default()
        });
    };
    let mut order = 0;
    if super::asked_attributes(model).next().is_some() {
        group(&mut rows, order, "About you", "", next_id());
        order += 1;
        for attribute in super::asked_attributes(model) {
            let question = next_id();
            rows.push(Row {
                id: question.clone(),
                class: "Q",
                kind: if attribute.values.is_some() { "L" } else { "S" }.to_owned(),
                name: survey_code(attribute.id.as_str()),
                relevance: "1",
                text: html(&attribute.name),
                language: LANGUAGE,
                mandatory: "N",
            });
            for (position, value) in attribute.values.iter().flatten().enumerate() {
                rows.push(answer(&question, value_code(position + 1), value));
            }
        }
    }
    for area in model.areas() {
        group(&mut rows, order, &area.name, &area.description, next_id());
        order += 1;
        let question = next_id();
        rows.push(Row {
            id: question.clone(),
            class: "Q",
            kind: "F".to_owned(),
            name: survey_code(area.id.as_str()),
            relevance: "1",
            text: html(&area_question(&area.name)),
            language: LANGUAGE,
            mandatory: "N",
        });
        for item in model.items().iter().filter(|item| item.area == area.id) {
            rows.push(Row {
                id: next_id(),
                class: "SQ",
                kind: "0".to_owned(),
                name: survey_code(item.id.as_str()),
                relevance: "1",
                text: html(&item.text),
                language: LANGUAGE,
                ..Row::default()
            });
        }
        for (point, label) in model.scale().labels.iter().enumerate() {
            rows.push(answer(&question, (point + 1).to_string(), label));
        }
        rows.push(answer(&question, "DK".to_owned(), "Don't know"));
    }

    let mut writer = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .from_writer(Vec::new());
    writer
        .write_record(COLUMNS)
        .expect("writing to memory cannot fail");
    for row in rows {
        writer
            .write_record([
                row.id.as_str(),
                "",
                row.class,
                &row.kind,
                &row.name,
                row.relevance,
                &row.text,
                "",
                row.language,
                "",
                row.mandatory,
                "",
                "",
                "",
            ])
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
        .expect("the model's texts are UTF-8")
}

fn answer<'a>(question: &str, code: String, text: &str) -> Row<'a> {
    Row {
        id: question.to_owned(),
        class: "A",
        kind: "0".to_owned(),
        name: code,
        text: html(text),
        language: LANGUAGE,
        ..Row::default()
    }
}
