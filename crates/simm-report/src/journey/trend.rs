//! The trend view: every round's stages and scores with their intervals,
//! the changes and whether they are real, the charts, and the outcomes of
//! the actions done between rounds.

use simm_core::{Delta, Model, Results, Target, Trend};

use crate::format;
use crate::svg::{self, RadarOverlays, RadarSeries, TrendChange, TrendRound, TrendSeries};

/// An action marked done, for its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDone {
    pub title: String,
    pub item: Option<String>,
    /// When it was marked done, in Unix seconds, and as a date.
    pub done_at: i64,
    pub done_on: String,
}

pub struct TrendViewInput<'a> {
    /// The latest round's model, for names.
    pub model: &'a Model,
    pub trend: &'a Trend,
    /// The latest shown round's results, for the radar.
    pub latest: Option<&'a Results>,
    pub target: Option<&'a Target>,
    /// When each round closed, in Unix seconds.
    pub closings: &'a [Option<i64>],
    pub done: &'a [ActionDone],
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendView {
    pub title: String,
    pub rounds: Vec<RoundRow>,
    pub areas: Vec<AreaTrendView>,
    /// The radar of the latest round over the previous one and the target.
    pub radar: Option<String>,
    /// Which items each comparison left out.
    pub left_out: Vec<String>,
    pub outcomes: Vec<OutcomeRow>,
    pub empty: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoundRow {
    pub label: String,
    /// The day it closed, or empty for a sheet.
    pub closed: String,
    pub respondents: u64,
    pub model: String,
    /// "stage 2, 2.41 (2.30 to 2.52)", or why it is hidden.
    pub overall: String,
    pub change: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AreaTrendView {
    pub area: String,
    pub cells: Vec<TrendCell>,
    pub chart: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendCell {
    pub round: String,
    pub stage: String,
    pub score: String,
    pub change: String,
    pub real: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub action: String,
    pub item: String,
    pub done_on: String,
    /// "2025-11 to 2026-11: +12 % (4 % to 20 %), a real change".
    pub change: String,
    pub real: Option<bool>,
}

fn label(round: &simm_core::TrendRound) -> String {
    round.title.clone()
}

/// "+0.42 (0.20 to 0.64), a real change" or "…, within noise": a
/// change's interval may run from below 0 to above, so its ends are joined
/// by "to", not a dash.
pub fn change_text(delta: &Delta) -> String {
    format!(
        "{} ({} to {}), {}",
        format::signed_decimal(delta.value),
        format::decimal(delta.interval.low),
        format::decimal(delta.interval.high),
        if delta.real {
            "a real change"
        } else {
            "within noise"
        }
    )
}

fn percent_change_text(delta: &Delta) -> String {
    let points = |v: f64| format!("{} %", format::fixed(v * 100.0, 0));
    let signed = if delta.value > 0.0 && points(delta.value) != "0 %" {
        format!("+{}", points(delta.value))
    } else {
        points(delta.value)
    };
    format!(
        "{signed} ({} to {}), {}",
        points(delta.interval.low),
        points(delta.interval.high),
        if delta.real {
            "a real change"
        } else {
            "within noise"
        }
    )
}

fn area_of<'a>(
    round: &'a simm_core::TrendRound,
    area: &simm_core::AreaId,
) -> Option<&'a simm_core::TrendArea> {
    round
        .areas
        .as_ref()
        .and_then(|areas| areas.iter().find(|a| &a.id == area))
}

pub fn trend_view(input: &TrendViewInput<'_>) -> TrendView {
    let model = input.model;
    let rounds = &input.trend.rounds;
    let labels: Vec<String> = rounds.iter().map(label).collect();
    let round_rows = rounds
        .iter()
        .zip(&labels)
        .map(|(round, label)| RoundRow {
            label: label.clone(),
            closed: round
                .closed_at
                .as_deref()
                .map(|closed| closed.get(..10).unwrap_or(closed).to_owned())
                .unwrap_or_default(),
            respondents: round.respondents,
            model: format!("{} {}", round.model.id, round.model.version),
            overall: match &round.overall {
                Some(overall) => format!(
                    "stage {}, {}{}",
                    overall.stage,
                    format::score(overall.score),
                    overall
                        .score_interval
                        .map(|i| format!(" ({})", format::score_interval(Some(i))))
                        .unwrap_or_default()
                ),
                None => "hidden: too few responses were released to show results".to_owned(),
            },
            change: round
                .overall
                .and_then(|o| o.delta)
                .map(|d| change_text(&d))
                .unwrap_or_default(),
        })
        .collect();

    let top = model.top_stage().get();
    let stage_names: Vec<&str> = model.stages().iter().map(|s| s.name.as_str()).collect();
    let areas = model
        .areas()
        .iter()
        .map(|area| {
            let of_round = |round| area_of(round, &area.id);
            let cells: Vec<TrendCell> = rounds
                .iter()
                .zip(&labels)
                .map(|(round, label)| {
                    let found = of_round(round);
                    TrendCell {
                        round: label.clone(),
                        stage: found.map_or("hidden".to_owned(), |a| a.stage.to_string()),
                        score: found.map_or(String::new(), |a| {
                            format!(
                                "{}{}",
                                format::score(a.score),
                                a.score_interval
                                    .map(|i| format!(" ({})", format::score_interval(Some(i))))
                                    .unwrap_or_default()
                            )
                        }),
                        change: found
                            .and_then(|a| a.delta)
                            .map(|d| change_text(&d))
                            .unwrap_or_default(),
                        real: found.and_then(|a| a.delta).map(|d| d.real),
                    }
                })
                .collect();
            let points: Vec<TrendRound> = rounds
                .iter()
                .zip(&labels)
                .map(|(round, label)| {
                    let found = of_round(round);
                    TrendRound {
                        label,
                        score: found.map(|a| a.score),
                        interval: found
                            .and_then(|a| a.score_interval)
                            .map(|i| (i.low, i.high)),
                        change: found.and_then(|a| a.delta).map(|d| TrendChange {
                            value: d.value,
                            real: d.real,
                        }),
                    }
                })
                .collect();
            let chart = svg::trend(&TrendSeries {
                area: &area.name,
                top_stage: top,
                stage_names: &stage_names,
                target: input
                    .target
                    .and_then(|t| t.stage_of(&area.id))
                    .map(|s| s.get()),
                rounds: &points,
            });
            AreaTrendView {
                area: area.name.clone(),
                cells,
                chart,
            }
        })
        .collect();

    let last_shown = rounds.iter().rposition(|r| r.shown);
    let radar = input.latest.zip(last_shown).map(|(latest, index)| {
        let previous: Option<Vec<(&str, f64)>> = rounds[index].compared_with.map(|before| {
            rounds[before]
                .areas
                .iter()
                .flatten()
                .map(|a| (a.id.as_str(), a.score))
                .collect()
        });
        let target: Option<Vec<(&str, u8)>> = input.target.map(|t| {
            t.areas()
                .iter()
                .map(|(area, stage)| (area.as_str(), stage.get()))
                .collect()
        });
        let previous_label = rounds[index]
            .compared_with
            .map(|before| format!("Previous round: {}", labels[before]))
            .unwrap_or_default();
        let target_label = input
            .target
            .map(|t| match t.date() {
                Some(date) => format!("Target by {}", date.month()),
                None => "Target".to_owned(),
            })
            .unwrap_or_default();
        let current_label = format!("This round: {}", labels[index]);
        svg::radar_with_overlays(
            model,
            &latest.areas,
            &RadarOverlays {
                current_label: &current_label,
                previous: previous.as_ref().map(|values| RadarSeries {
                    label: &previous_label,
                    values,
                }),
                target: target.as_ref().map(|values| RadarSeries {
                    label: &target_label,
                    values,
                }),
            },
        )
    });

    let left_out = rounds
        .iter()
        .zip(&labels)
        .filter_map(|(round, label)| {
            let before = round.compared_with?;
            (!round.left_out.is_empty()).then(|| {
                let items: Vec<&str> = round.left_out.iter().map(|i| i.as_str()).collect();
                format!(
                    "{label} is compared with {} on the items both rounds share and show; left out: {}",
                    labels[before],
                    items.join(", ")
                )
            })
        })
        .collect();

    let outcomes = input
        .done
        .iter()
        .filter_map(|action| {
            let item = action.item.as_ref()?;
            let practice = model
                .item_index(item)
                .map(|i| format::one_line(&model.items()[i].practice))
                .unwrap_or_default();
            let closed = |index: usize| input.closings.get(index).copied().flatten();
            let after = rounds.iter().enumerate().find(|(index, round)| {
                round.compared_with.is_some_and(|before| {
                    // Whole seconds: work done in the second a round
                    // closed counts as after it.
                    closed(before).is_some_and(|c| c <= action.done_at)
                        && closed(*index).is_some_and(|c| c >= action.done_at)
                })
            });
            let (change, real) = match after {
                None => ("no round has closed since it was done".to_owned(), None),
                Some((index, round)) => {
                    let between = format!(
                        "{} to {}",
                        labels[round.compared_with.expect("compared")],
                        labels[index]
                    );
                    match round.item_changes.iter().find(|(id, _)| id.as_str() == item) {
                        Some((_, delta)) => {
                            (format!("{between}: {}", percent_change_text(delta)), Some(delta.real))
                        }
                        None => (
                            format!("{between}: not compared (too few answered it in a round, or the model changed it)"),
                            None,
                        ),
                    }
                }
            };
            Some(OutcomeRow {
                action: action.title.clone(),
                item: if practice.is_empty() || practice == action.title {
                    item.clone()
                } else {
                    format!("{item}: {practice}")
                },
                done_on: action.done_on.clone(),
                change,
                real,
            })
        })
        .collect();

    TrendView {
        title: "Trend over rounds".to_owned(),
        empty: rounds.is_empty().then(|| {
            "No round has closed yet: the trend starts when the first assessment closes.".to_owned()
        }),
        rounds: round_rows,
        areas,
        radar,
        left_out,
        outcomes,
    }
}

pub(super) fn markdown(view: &TrendView) -> String {
    let mut out = format!("# {}\n\n", view.title);
    if let Some(empty) = &view.empty {
        out.push_str(&format!("{empty}\n"));
        return out;
    }
    out.push_str(
        "| Round | Closed | Respondents | Model | Overall | Change |\n|---|---|---|---|---|---|\n",
    );
    for round in &view.rounds {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            format::markdown_cell(&round.label),
            round.closed,
            round.respondents,
            format::markdown_cell(&round.model),
            round.overall,
            round.change
        ));
    }
    for area in &view.areas {
        out.push_str(&format!(
            "\n## {}\n\n| Round | Stage | Score (95 % interval) | Change |\n|---|---|---|---|\n",
            area.area
        ));
        for cell in &area.cells {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                format::markdown_cell(&cell.round),
                cell.stage,
                cell.score,
                cell.change
            ));
        }
    }
    if !view.left_out.is_empty() {
        out.push_str("\n## Items left out of comparisons\n\n");
        for line in &view.left_out {
            out.push_str(&format!("- {line}\n"));
        }
    }
    if !view.outcomes.is_empty() {
        out.push_str("\n## Outcomes of actions\n\n| Action | Practice | Done | Change of the practice's fulfilment |\n|---|---|---|---|\n");
        for outcome in &view.outcomes {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                format::markdown_cell(&outcome.action),
                format::markdown_cell(&outcome.item),
                outcome.done_on,
                outcome.change
            ));
        }
    }
    out.push_str("\nA change is real when its 95 % interval leaves out 0; rounds are compared on the items they share.\n");
    out
}
