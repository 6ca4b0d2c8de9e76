//! Changes between two rounds (docs/scoring.md, "Changes between
//! rounds").
//!
//! Two rounds are compared on the items they share: the same id, in the
//! same area at the same stage, shown in both (an item that too few
//! answered in either round is left out, as it is of each round's own
//! results). Each round is resampled on its own, with its own weights, so
//! the spread of a change is the spread of the difference of two
//! independent estimates; a change is real when its interval leaves out 0.

use serde::Serialize;

use crate::domain::{AreaId, AttributeId, ItemId, StageLevel};
use crate::model::Model;
use crate::privacy::Policy;
use crate::results::{Interval, ItemResult, ModelRef, Results};
use crate::scoring::{Evaluation, GroupTallies, Tally, evaluate, score_shown};
use crate::uncertainty::{
    GroupResamples, Resamples, answered_items, answers_all, expanded_interval, typical_answers,
    with_uncertainty,
};

/// One round as the comparison needs it: its model, its respondents'
/// tally and replicates, and the privacy policy its results were shown
/// under (`None` for a sheet scored as it is).
#[derive(Clone, Copy)]
pub struct Round<'a> {
    pub model: &'a Model,
    pub tally: &'a Tally,
    pub resamples: &'a Resamples,
    pub policy: Option<Policy>,
}

/// A change from one round to the next with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Delta {
    pub value: f64,
    pub interval: Interval,
    /// True when the interval leaves out 0: the change is larger than the
    /// two rounds' sampling error.
    pub real: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// The items compared, in the later round's model order.
    pub shared: Vec<ItemId>,
    /// Items of either round left out of the comparison, in the later
    /// round's model order and then the earlier one's.
    pub left_out: Vec<ItemId>,
    pub overall: Option<Delta>,
    /// For each area of the later round: `None` when the earlier round has
    /// no such area or no shared item of it was answered in both.
    pub areas: Vec<(AreaId, Option<Delta>)>,
    /// For each shared item answered in both rounds: the change of its
    /// fulfilment.
    pub items: Vec<(ItemId, Delta)>,
}

impl Comparison {
    pub fn area(&self, id: &AreaId) -> Option<Delta> {
        self.areas
            .iter()
            .find(|(area, _)| area == id)
            .and_then(|(_, delta)| *delta)
    }

    pub fn item(&self, id: &ItemId) -> Option<Delta> {
        self.items
            .iter()
            .find(|(item, _)| item == id)
            .map(|(_, delta)| *delta)
    }
}

/// Compares a later round with an earlier one.
pub fn compare(earlier: Round<'_>, later: Round<'_>) -> Comparison {
    let shown_earlier = shown(earlier);
    let shown_later = shown(later);
    let mut keep_earlier = vec![false; earlier.model.items().len()];
    let mut keep_later = vec![false; later.model.items().len()];
    let mut shared = Vec::new();
    let mut left_out = Vec::new();
    for (i, item) in later.model.items().iter().enumerate() {
        let twin = earlier
            .model
            .item_index(item.id.as_str())
            .filter(|j| {
                let other = &earlier.model.items()[*j];
                other.area == item.area && other.stage == item.stage
            })
            .filter(|j| shown_earlier[*j] && shown_later[i]);
        match twin {
            Some(j) => {
                keep_earlier[j] = true;
                keep_later[i] = true;
                shared.push(item.id.clone());
            }
            None => left_out.push(item.id.clone()),
        }
    }
    for (j, item) in earlier.model.items().iter().enumerate() {
        if !keep_earlier[j] && later.model.item_index(item.id.as_str()).is_none() {
            left_out.push(item.id.clone());
        }
    }

    let point_earlier = evaluate(earlier.model, &earlier.tally.keeping(&keep_earlier), None);
    let point_later = evaluate(later.model, &later.tally.keeping(&keep_later), None);
    let replicates = earlier.resamples.count().min(later.resamples.count());
    let pairs: Vec<(Evaluation, Evaluation)> = (0..replicates)
        .map(|b| {
            (
                evaluate(
                    earlier.model,
                    &earlier.resamples.replicate(b, &keep_earlier),
                    None,
                ),
                evaluate(
                    later.model,
                    &later.resamples.replicate(b, &keep_later),
                    None,
                ),
            )
        })
        .collect();

    let answered_in_both = |area: Option<&AreaId>| -> u64 {
        let of = |items: &[ItemResult]| {
            typical_answers(
                items
                    .iter()
                    .filter(|item| area.is_none_or(|area| &item.area == area))
                    .filter(|item| shared.contains(&item.id)),
            )
        };
        of(&point_earlier.items).min(of(&point_later.items))
    };
    let delta = |value: f64, n: u64, changes: &mut dyn Iterator<Item = Option<f64>>| {
        expanded_interval(changes, n).map(|interval| Delta {
            value,
            interval,
            real: interval.low > 0.0 || interval.high < 0.0,
        })
    };

    let areas = later
        .model
        .areas()
        .iter()
        .enumerate()
        .map(|(index, area)| {
            let position = earlier.model.areas().iter().position(|a| a.id == area.id);
            let n = answered_in_both(Some(&area.id));
            let in_area = |item: &ItemResult| item.area == area.id;
            let (before, after) = (
                answered_items(&point_earlier.items, in_area),
                answered_items(&point_later.items, in_area),
            );
            let change = position.filter(|_| n > 0).and_then(|position| {
                delta(
                    point_later.areas[index].score - point_earlier.areas[position].score,
                    n,
                    &mut pairs
                        .iter()
                        .filter(|(e, l)| answers_all(e, &before) && answers_all(l, &after))
                        .map(|(e, l)| Some(l.areas[index].score - e.areas[position].score)),
                )
            });
            (area.id.clone(), change)
        })
        .collect();

    let n = answered_in_both(None);
    let (before, after) = (
        answered_items(&point_earlier.items, |_| true),
        answered_items(&point_later.items, |_| true),
    );
    let overall = (n > 0)
        .then(|| {
            delta(
                point_later.overall.score - point_earlier.overall.score,
                n,
                &mut pairs
                    .iter()
                    .filter(|(e, l)| answers_all(e, &before) && answers_all(l, &after))
                    .map(|(e, l)| Some(l.overall.score - e.overall.score)),
            )
        })
        .flatten();

    let items = later
        .model
        .items()
        .iter()
        .enumerate()
        .filter(|(i, _)| keep_later[*i])
        .filter_map(|(i, item)| {
            let j = earlier.model.item_index(item.id.as_str())?;
            let before = point_earlier.items[j].fulfilment?;
            let after = point_later.items[i].fulfilment?;
            let n = point_earlier.items[j]
                .answered
                .min(point_later.items[i].answered);
            let change = delta(
                after - before,
                n,
                &mut pairs
                    .iter()
                    .map(|(e, l)| Some(l.items[i].fulfilment? - e.items[j].fulfilment?)),
            )?;
            Some((item.id.clone(), change))
        })
        .collect();

    Comparison {
        shared,
        left_out,
        overall,
        areas,
        items,
    }
}

/// Which items of a round its results show: all, or those the policy's
/// item rule (docs/privacy.md, rule P3) lets through.
fn shown(round: Round<'_>) -> Vec<bool> {
    let items = evaluate(round.model, round.tally, round.policy).items;
    items.iter().map(|item| !item.suppressed).collect()
}

/// One round of a trend as its readers see it: what it is, and its own
/// results with intervals, or only its size when they are hidden.
pub struct TrendInput<'a> {
    pub assessment: String,
    pub title: String,
    /// When it closed, as the adapter writes dates; `None` for a sheet.
    pub closed_at: Option<String>,
    pub round: Round<'a>,
    /// Its results under its own privacy rules (with intervals), or `None`
    /// when too few were released to show any.
    pub results: Option<&'a Results>,
}

/// The rounds of an organisation, each with its change from the round
/// shown before it: the JSON of the trend API and of `simm trend`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub rounds: Vec<TrendRound>,
    /// With a breakdown: each group's own trend, its rounds those in which
    /// it had respondents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupTrend>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTrend {
    pub attribute: AttributeId,
    pub value: Option<String>,
    pub rounds: Vec<TrendRound>,
}

/// One group of one round's breakdown, as a round of its own.
pub struct GroupRound<'a> {
    pub value: Option<String>,
    pub round: Round<'a>,
    /// The group's results with intervals, or `None` when the privacy
    /// policy hides the group in this round (rule P4 with its
    /// complementary rule, as the round's own results decide).
    pub results: Option<Results>,
}

/// The groups of a round's breakdown, each with its results when the
/// policy shows it.
pub fn group_rounds<'a>(
    model: &'a Model,
    groups: &'a GroupTallies,
    resamples: &'a GroupResamples,
    policy: Policy,
) -> Vec<GroupRound<'a>> {
    groups
        .ordered(model)
        .into_iter()
        .zip(groups.hidden(model, policy))
        .map(|((value, tally), hidden)| {
            let resamples = resamples.of(value);
            GroupRound {
                value: value.map(str::to_owned),
                round: Round {
                    model,
                    tally,
                    resamples,
                    policy: Some(policy),
                },
                results: hidden
                    .is_none()
                    .then(|| with_uncertainty(model, score_shown(model, tally, policy), resamples)),
            }
        })
        .collect()
}

/// The trends of the groups of a breakdown: `rounds[i]` are round i's
/// groups (from [`group_rounds`]), `meta[i]` what round i is.
pub fn group_trends(
    attribute: &AttributeId,
    meta: &[TrendInput<'_>],
    rounds: &[Vec<GroupRound<'_>>],
) -> Vec<GroupTrend> {
    let mut values: Vec<Option<String>> = Vec::new();
    for groups in rounds {
        for group in groups {
            if !values.contains(&group.value) {
                values.push(group.value.clone());
            }
        }
    }
    values
        .into_iter()
        .map(|value| {
            let inputs: Vec<TrendInput<'_>> = meta
                .iter()
                .zip(rounds)
                .filter_map(|(meta, groups)| {
                    let group = groups.iter().find(|g| g.value == value)?;
                    Some(TrendInput {
                        assessment: meta.assessment.clone(),
                        title: meta.title.clone(),
                        closed_at: meta.closed_at.clone(),
                        round: group.round,
                        results: group.results.as_ref(),
                    })
                })
                .collect();
            GroupTrend {
                attribute: attribute.clone(),
                value,
                rounds: trend(&inputs).rounds,
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendRound {
    pub assessment: String,
    pub title: String,
    pub closed_at: Option<String>,
    pub respondents: u64,
    pub model: ModelRef,
    /// False when the round's results are hidden: `overall` and `areas`
    /// are then null and the next round is compared with the one before.
    pub shown: bool,
    pub overall: Option<TrendOverall>,
    pub areas: Option<Vec<TrendArea>>,
    /// Items of this round or the one it is compared with that the
    /// comparison left out.
    pub left_out: Vec<ItemId>,
    /// Changes of each shared item's fulfilment; the outcomes of actions
    /// are read from here.
    #[serde(skip)]
    pub item_changes: Vec<(ItemId, Delta)>,
    /// The round this one is compared with (its index in the trend), for
    /// the charts' overlay of the previous round.
    #[serde(skip)]
    pub compared_with: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendOverall {
    pub stage: StageLevel,
    pub score: f64,
    pub score_interval: Option<Interval>,
    pub delta: Option<Delta>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendArea {
    pub id: AreaId,
    pub stage: StageLevel,
    pub score: f64,
    pub score_interval: Option<Interval>,
    pub delta: Option<Delta>,
}

/// The trend over rounds in order.
pub fn trend(rounds: &[TrendInput<'_>]) -> Trend {
    let mut previous: Option<usize> = None;
    let rounds = rounds
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let comparison = input
                .results
                .and(previous)
                .map(|before| compare(rounds[before].round, input.round));
            let compared_with = input.results.and(previous);
            let shown = input.results.map(|results| {
                let overall = TrendOverall {
                    stage: results.overall.stage,
                    score: results.overall.score,
                    score_interval: results.overall.score_interval,
                    delta: comparison.as_ref().and_then(|c| c.overall),
                };
                let areas = results
                    .areas
                    .iter()
                    .map(|area| TrendArea {
                        id: area.id.clone(),
                        stage: area.stage,
                        score: area.score,
                        score_interval: area.score_interval,
                        delta: comparison.as_ref().and_then(|c| c.area(&area.id)),
                    })
                    .collect();
                (overall, areas)
            });
            if input.results.is_some() {
                previous = Some(index);
            }
            let model = input.round.model;
            let (overall, areas) = shown.unzip();
            let comparison = comparison.unwrap_or_default();
            TrendRound {
                assessment: input.assessment.clone(),
                title: input.title.clone(),
                closed_at: input.closed_at.clone(),
                respondents: input
                    .results
                    .map_or(input.round.tally.answering(), |r| r.respondents),
                model: ModelRef {
                    id: model.id().clone(),
                    version: model.version().to_owned(),
                },
                shown: input.results.is_some(),
                overall,
                areas,
                left_out: comparison.left_out,
                item_changes: comparison.items,
                compared_with,
            }
        })
        .collect();
    Trend {
        rounds,
        groups: None,
    }
}
