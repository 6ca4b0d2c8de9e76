//! The report view model as the typst value the layouts read. Every field
//! is copied from the view; nothing is computed here, so the PDF says what
//! the HTML report says.

use simm_report::{ActionRow, Branding, ResultsView, RoadmapView, TrendView};

use crate::Document;
use crate::value::Value;

/// The file name a logo is given in the document's world.
pub(crate) fn logo_file(branding: &Branding) -> Option<String> {
    branding
        .logo
        .as_ref()
        .map(|logo| format!("logo.{}", logo.format().extension()))
}

pub(crate) fn document(document: &Document<'_>) -> Value {
    let view = document.view;
    Value::Dict(vec![
        ("title", Value::str(&view.title)),
        (
            "organisation",
            document
                .organisation
                .map_or(Value::None, Value::text_or_none),
        ),
        ("date", Value::str(document.date.to_string())),
        ("brand", brand(document.branding)),
        ("respondents", Value::Int(view.respondents as i64)),
        ("threshold", Value::str(&view.threshold)),
        (
            "threshold_percent",
            Value::Int(i64::from(view.threshold_percent)),
        ),
        ("threshold_sentence", Value::str(&view.threshold_sentence)),
        (
            "uncertainty_sentence",
            Value::text_or_none(&view.uncertainty_sentence),
        ),
        (
            "overall",
            Value::Dict(vec![
                ("stage", Value::Int(i64::from(view.overall.stage))),
                ("stage_name", Value::str(&view.overall.stage_name)),
                ("score", Value::str(&view.overall.score)),
                (
                    "score_interval",
                    Value::text_or_none(&view.overall.score_interval),
                ),
                ("set_by", Value::str(&view.overall.set_by)),
            ]),
        ),
        (
            "weakest",
            Value::Array(
                view.overall
                    .weakest
                    .iter()
                    .filter_map(|&index| view.areas.get(index))
                    .map(|area| {
                        Value::Dict(vec![
                            ("name", Value::str(&area.name)),
                            ("reason", Value::str(&area.reason)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "targets",
            Value::strings(
                view.areas
                    .iter()
                    .map(|area| &area.target)
                    .filter(|target| !target.is_empty()),
            ),
        ),
        ("common_language", Value::str(&view.common_language)),
        (
            "common_language_sentence",
            Value::str(&view.common_language_sentence),
        ),
        ("areas", areas(view)),
        ("roadmap_intro", Value::str(&view.roadmap_intro)),
        ("roadmap", roadmap(view)),
        ("at_top_stage", Value::strings(&view.at_top_stage)),
        ("consensus_intro", Value::str(&view.consensus_intro)),
        (
            "consensus",
            Value::Array(
                view.consensus
                    .iter()
                    .map(|area| {
                        Value::Dict(vec![
                            ("name", Value::str(&area.name)),
                            ("consensus", Value::str(&area.consensus)),
                            ("weak", Value::Bool(area.weak)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "weak_consensus_sentence",
            Value::str(&view.weak_consensus_sentence),
        ),
        (
            "weak_items",
            Value::Array(
                view.weak_items
                    .iter()
                    .map(|item| {
                        Value::Dict(vec![
                            ("id", Value::str(&item.id)),
                            ("area", Value::str(&item.area)),
                            ("statement", Value::str(&item.statement)),
                            ("rwg", Value::str(&item.rwg)),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("groups", groups(view, document.charts.heat_map.is_some())),
        ("journey", document.roadmap.map_or(Value::None, journey)),
        ("actions", document.actions.map_or(Value::None, actions)),
        ("trend", document.trend.map_or(Value::None, trend)),
        (
            "items",
            Value::Array(
                view.items
                    .iter()
                    .map(|item| {
                        Value::Dict(vec![
                            ("id", Value::str(&item.id)),
                            ("area", Value::str(&item.area)),
                            ("stage", Value::Int(i64::from(item.stage))),
                            ("statement", Value::str(&item.statement)),
                            ("answered", Value::Int(item.answered as i64)),
                            ("fulfilment", Value::str(&item.fulfilment)),
                            ("rwg", Value::str(&item.rwg)),
                            ("weak", Value::Bool(item.weak)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

fn brand(branding: &Branding) -> Value {
    Value::Dict(vec![
        ("name", Value::text_or_none(&branding.name)),
        ("logo", logo_file(branding).map_or(Value::None, Value::Str)),
        ("accent", Value::str(branding.accent.to_string())),
    ])
}

fn areas(view: &ResultsView) -> Value {
    Value::Array(
        view.areas
            .iter()
            .map(|area| {
                Value::Dict(vec![
                    ("name", Value::str(&area.name)),
                    ("stage", Value::Int(i64::from(area.stage))),
                    ("stage_name", Value::str(&area.stage_name)),
                    ("score", Value::str(&area.score)),
                    ("score_interval", Value::text_or_none(&area.score_interval)),
                    ("reason", Value::str(&area.reason)),
                    ("confidence", Value::text_or_none(&area.confidence)),
                    ("stage_probability", Value::str(&area.stage_probability)),
                    ("target", Value::text_or_none(&area.target)),
                    (
                        "fulfilment",
                        Value::Array(
                            area.fulfilment
                                .iter()
                                .map(|row| {
                                    Value::Dict(vec![
                                        ("level", Value::Int(i64::from(row.level))),
                                        ("name", Value::str(&row.name)),
                                        ("in_place", Value::str(&row.in_place)),
                                        ("interval", Value::text_or_none(&row.interval)),
                                        ("bar", Value::Int(i64::from(row.bar_percent))),
                                        ("status", Value::str(row.status)),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                ])
            })
            .collect(),
    )
}

fn roadmap(view: &ResultsView) -> Value {
    let practices = |list: &[simm_report::Practice]| {
        Value::Array(
            list.iter()
                .map(|practice| {
                    Value::Dict(vec![
                        ("id", Value::str(&practice.id)),
                        ("statement", Value::str(&practice.statement)),
                        ("practice", Value::str(&practice.practice)),
                        ("in_place", Value::str(&practice.in_place)),
                    ])
                })
                .collect(),
        )
    };
    Value::Array(
        view.roadmap
            .iter()
            .map(|step| {
                Value::Dict(vec![
                    ("heading", Value::str(&step.heading)),
                    ("situation", Value::str(&step.situation)),
                    ("recommended_intro", Value::str(&step.recommended_intro)),
                    ("recommended", practices(&step.recommended)),
                    ("further_intro", Value::str(&step.further_intro)),
                    ("further", practices(&step.further)),
                ])
            })
            .collect(),
    )
}

fn groups(view: &ResultsView, heat: bool) -> Value {
    let Some(groups) = &view.groups else {
        return Value::None;
    };
    Value::Dict(vec![
        ("heading", Value::str(&groups.heading)),
        ("note", Value::str(&groups.note)),
        ("columns", Value::strings(&groups.columns)),
        ("heat", Value::Bool(heat)),
        (
            "rows",
            Value::Array(
                groups
                    .rows
                    .iter()
                    .map(|row| {
                        Value::Dict(vec![
                            ("label", Value::str(&row.label)),
                            ("respondents", Value::Int(row.respondents as i64)),
                            (
                                "hidden",
                                row.hidden.as_deref().map_or(Value::None, Value::str),
                            ),
                            (
                                "cells",
                                Value::Array(
                                    row.cells
                                        .iter()
                                        .map(|cell| {
                                            Value::Dict(vec![
                                                ("score", Value::str(&cell.score)),
                                                ("background", Value::str(&cell.background)),
                                                ("foreground", Value::str(&cell.foreground)),
                                            ])
                                        })
                                        .collect(),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

fn journey(roadmap: &RoadmapView) -> Value {
    Value::Dict(vec![
        ("title", Value::str(&roadmap.title)),
        (
            "targets",
            Value::strings(roadmap.targets.iter().map(|row| &row.sentence)),
        ),
        (
            "done",
            roadmap.done.as_deref().map_or(Value::None, Value::str),
        ),
        (
            "phases",
            Value::Array(
                roadmap
                    .phases
                    .iter()
                    .map(|phase| {
                        Value::Dict(vec![
                            ("heading", Value::str(&phase.heading)),
                            ("lifts", Value::strings(&phase.lifts)),
                            (
                                "practices",
                                Value::Array(
                                    phase
                                        .practices
                                        .iter()
                                        .map(|p| {
                                            Value::Dict(vec![
                                                ("item", Value::str(&p.item)),
                                                ("practice", Value::str(&p.practice)),
                                                ("area", Value::str(&p.area)),
                                                ("stage", Value::Int(i64::from(p.stage))),
                                                ("fulfilment", Value::str(&p.fulfilment)),
                                                ("consensus", Value::str(&p.consensus)),
                                                ("projected", Value::str(&p.projected)),
                                            ])
                                        })
                                        .collect(),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

fn actions(rows: &[ActionRow]) -> Value {
    let optional = |text: &Option<String>| text.as_deref().map_or(Value::None, Value::text_or_none);
    Value::Array(
        rows.iter()
            .map(|row| {
                Value::Dict(vec![
                    ("title", Value::str(&row.title)),
                    ("item", optional(&row.item)),
                    ("area", optional(&row.area)),
                    ("owner", optional(&row.owner)),
                    ("due", optional(&row.due)),
                    ("status", Value::str(&row.status)),
                    ("overdue", Value::Bool(row.overdue)),
                ])
            })
            .collect(),
    )
}

fn trend(view: &TrendView) -> Value {
    let real = |real: Option<bool>| real.map_or(Value::None, Value::Bool);
    Value::Dict(vec![
        ("title", Value::str(&view.title)),
        (
            "empty",
            view.empty
                .as_deref()
                .map_or(Value::None, Value::text_or_none),
        ),
        (
            "rounds",
            Value::Array(
                view.rounds
                    .iter()
                    .map(|round| {
                        Value::Dict(vec![
                            ("label", Value::str(&round.label)),
                            ("closed", Value::str(&round.closed)),
                            ("respondents", Value::Int(round.respondents as i64)),
                            ("overall", Value::str(&round.overall)),
                            ("change", Value::str(&round.change)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "areas",
            Value::Array(
                view.areas
                    .iter()
                    .map(|area| {
                        Value::Dict(vec![
                            ("area", Value::str(&area.area)),
                            (
                                "cells",
                                Value::Array(
                                    area.cells
                                        .iter()
                                        .map(|cell| {
                                            Value::Dict(vec![
                                                ("round", Value::str(&cell.round)),
                                                ("stage", Value::str(&cell.stage)),
                                                ("score", Value::str(&cell.score)),
                                                ("change", Value::str(&cell.change)),
                                                ("real", real(cell.real)),
                                            ])
                                        })
                                        .collect(),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("left_out", Value::strings(&view.left_out)),
        (
            "outcomes",
            Value::Array(
                view.outcomes
                    .iter()
                    .map(|outcome| {
                        Value::Dict(vec![
                            ("action", Value::str(&outcome.action)),
                            ("item", Value::str(&outcome.item)),
                            ("done_on", Value::str(&outcome.done_on)),
                            ("change", Value::str(&outcome.change)),
                            ("real", real(outcome.real)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}
