//! How sure the scores are: intervals and stage probabilities by the
//! Poisson bootstrap (docs/scoring.md, "How sure a stage is").
//!
//! Each respondent carries, for each of B replicates, a weight drawn from
//! Poisson(1); a replicate is the tally of the weighted answers, scored by
//! the same rules as the real one. The weights come from a generator seeded
//! by a hash of the respondent's id, so the intervals do not depend on row
//! order or on how a sheet was split, and the memory is B tallies however
//! many respondents there are.

use std::collections::HashMap;
use std::fmt;

use crate::distributions::{normal_cdf, t_975};
use crate::domain::Answer;
use crate::model::Model;
use crate::results::{AreaResult, ItemResult};
use crate::results::{ByStage, Interval, Results, Uncertainty};
use crate::scoring::{Evaluation, Tally, evaluate};

/// The method named in results.
pub const METHOD: &str = "poisson bootstrap";

/// The coverage of every interval.
pub const LEVEL: f64 = 0.95;

/// How many bootstrap replicates to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replicates(u32);

impl Replicates {
    /// Enough for stable 95 % percentile intervals (the 2.5 % tail then
    /// holds 5 replicates) at a cost that a million respondents can pay.
    pub const DEFAULT: Self = Self(200);
    pub const MIN: u32 = 20;
    pub const MAX: u32 = 20_000;

    pub fn new(replicates: u32) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&replicates)
            .then_some(Self(replicates))
    }

    pub fn parse(text: &str) -> Result<Self, ReplicatesError> {
        text.trim()
            .parse::<u32>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| ReplicatesError(text.to_owned()))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Replicates {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A number of replicates out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is not a number of bootstrap replicates: give a whole number from {} to {}",
    crate::quote_value(.0),
    Replicates::MIN,
    Replicates::MAX
)]
pub struct ReplicatesError(String);

/// The weighted tallies of B bootstrap replicates of one set of
/// respondents.
#[derive(Clone)]
pub struct Resamples {
    points: usize,
    items: usize,
    replicates: usize,
    /// Keeps the replicates of different sets (two rounds whose sheets
    /// both have an "r1") independent.
    salt: u64,
    /// `counts[(item * points + answer - 1) * replicates + b]`: the weight
    /// of the respondents who gave `answer`, in replicate `b`. Replicates
    /// are innermost, so that adding a respondent's weights to a cell is
    /// one run over contiguous memory.
    counts: Vec<u32>,
    poisson: [u32; POISSON_TABLE],
    weights: Vec<u32>,
}

impl fmt::Debug for Resamples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resamples")
            .field("replicates", &self.replicates)
            .field("salt", &self.salt)
            .finish_non_exhaustive()
    }
}

const POISSON_TABLE: usize = 16;

impl Resamples {
    /// Replicates for one set of respondents; `salt` tells sets apart
    /// whose respondent ids may coincide (0 for a set on its own).
    pub fn new(model: &Model, replicates: Replicates, salt: u64) -> Self {
        let points = usize::from(model.scale().points);
        let items = model.items().len();
        let replicates = replicates.get() as usize;
        Self {
            points,
            items,
            replicates,
            salt,
            counts: vec![0; points * items * replicates],
            poisson: poisson_thresholds(),
            weights: vec![0; replicates],
        }
    }

    /// A salt from a text that names the set (an assessment id, a file
    /// name).
    pub fn salt_of(name: &str) -> u64 {
        mix(fnv1a(name.as_bytes(), 0))
    }

    pub fn replicates(&self) -> Replicates {
        Replicates(self.replicates as u32)
    }

    /// Adds one respondent: `answers` holds one entry per model item, in
    /// model order, as for [`Tally::add`].
    #[inline]
    pub fn add(&mut self, respondent: &str, answers: &[Option<Answer>]) {
        assert_eq!(answers.len(), self.items, "one answer slot per model item");
        self.draw_weights(respondent);
        let (points, replicates) = (self.points, self.replicates);
        for (item, answer) in answers.iter().enumerate() {
            if let Some(answer) = answer {
                let start = (item * points + usize::from(answer.get()) - 1) * replicates;
                let cell = &mut self.counts[start..start + replicates];
                for (count, weight) in cell.iter_mut().zip(&self.weights) {
                    *count += weight;
                }
            }
        }
    }

    /// Adds the replicates of another part of the same set.
    pub fn merge(&mut self, other: &Resamples) {
        assert_eq!(
            (self.points, self.items, self.replicates, self.salt),
            (other.points, other.items, other.replicates, other.salt),
            "replicates of one set"
        );
        for (count, more) in self.counts.iter_mut().zip(&other.counts) {
            *count += more;
        }
    }

    fn draw_weights(&mut self, respondent: &str) {
        let mut generator = SplitMix(mix(fnv1a(respondent.as_bytes(), self.salt)));
        let poisson = &self.poisson;
        let draw = |uniform: u32| poisson.iter().take_while(|t| uniform >= **t).count() as u32;
        for pair in self.weights.chunks_mut(2) {
            let bits = generator.next();
            pair[0] = draw((bits >> 32) as u32);
            if let Some(second) = pair.get_mut(1) {
                *second = draw(bits as u32);
            }
        }
    }

    /// Replicate `b` as a tally, with the items not kept left out.
    pub(crate) fn replicate(&self, b: usize, keep: &[bool]) -> Tally {
        let cells = self.points * self.items;
        let counts = (0..cells)
            .map(|cell| {
                if keep[cell / self.points] {
                    u64::from(self.counts[cell * self.replicates + b])
                } else {
                    0
                }
            })
            .collect();
        Tally::from_counts(self.points, self.items, counts)
    }

    pub(crate) fn count(&self) -> usize {
        self.replicates
    }
}

/// Replicates of the groups of a breakdown, next to its
/// [`crate::GroupTallies`]: each group resampled on its own, for the
/// trends of groups.
#[derive(Debug, Clone)]
pub struct GroupResamples {
    empty: Resamples,
    by_value: HashMap<Option<String>, Resamples, foldhash::fast::RandomState>,
}

impl GroupResamples {
    pub fn new(model: &Model, replicates: Replicates, salt: u64) -> Self {
        Self {
            empty: Resamples::new(model, replicates, salt),
            by_value: HashMap::default(),
        }
    }

    /// Adds a respondent with their value of the attribute.
    pub fn add(&mut self, value: Option<&str>, respondent: &str, answers: &[Option<Answer>]) {
        let key = value.map(str::to_owned);
        let resamples = match self.by_value.get_mut(&key) {
            Some(resamples) => resamples,
            None => self
                .by_value
                .entry(key)
                .or_insert_with(|| self.empty.clone()),
        };
        resamples.add(respondent, answers);
    }

    /// The group's replicates; a group nobody is in has empty ones.
    pub fn of(&self, value: Option<&str>) -> &Resamples {
        self.by_value
            .get(&value.map(str::to_owned))
            .unwrap_or(&self.empty)
    }
}

/// The results with intervals and stage probabilities added, from the
/// replicates of the same respondents. Items the results left out
/// (suppressed under the privacy policy) are left out of every replicate
/// too.
pub fn with_uncertainty(model: &Model, mut results: Results, resamples: &Resamples) -> Results {
    let keep: Vec<bool> = results.items.iter().map(|item| !item.suppressed).collect();
    let replicates: Vec<_> = (0..resamples.count())
        .map(|b| evaluate(model, &resamples.replicate(b, &keep), None))
        .collect();
    results.uncertainty = Some(Uncertainty {
        method: METHOD,
        replicates: resamples.replicates().get(),
        level: LEVEL,
    });
    let everything = |_: &ItemResult| true;
    let overall: Vec<&Evaluation> = complete(&replicates, &results.items, everything);
    results.overall.score_interval = expanded_interval(
        &mut overall.iter().map(|r| Some(r.overall.score)),
        typical_answers(results.items.iter()),
    );
    for (index, item) in results.items.iter_mut().enumerate() {
        if item.fulfilment.is_some() {
            item.fulfilment_interval = expanded_interval(
                &mut replicates.iter().map(|r| r.items[index].fulfilment),
                item.answered,
            );
        }
    }
    let items = &results.items;
    for (index, area) in results.areas.iter_mut().enumerate() {
        let in_area = |item: &ItemResult| item.area == area.id;
        let of_area: Vec<&AreaResult> = complete(&replicates, items, in_area)
            .into_iter()
            .map(|r| &r.areas[index])
            .collect();
        area.score_interval = expanded_interval(
            &mut of_area.iter().map(|a| Some(a.score)),
            typical_answers(items.iter().filter(|item| in_area(item))),
        );
        area.fulfilment_interval = Some(ByStage(
            area.fulfilment
                .0
                .iter()
                .map(|(level, fulfilment)| {
                    let at_stage = |item: &ItemResult| in_area(item) && item.stage == *level;
                    let spread = fulfilment.and_then(|_| {
                        expanded_interval(
                            &mut complete(&replicates, items, at_stage)
                                .iter()
                                .map(|r| r.areas[index].fulfilment.get(*level)),
                            typical_answers(items.iter().filter(|item| at_stage(item))),
                        )
                    });
                    (*level, spread)
                })
                .collect(),
        ));
        let b = of_area.len().max(1) as f64;
        area.stage_probability = Some(ByStage(
            model
                .stages()
                .iter()
                .map(|stage| {
                    let reached = of_area.iter().filter(|a| a.stage == stage.level).count();
                    (stage.level, reached as f64 / b)
                })
                .collect(),
        ));
    }
    results
}

/// The replicates in which every item a value rests on (those `of` picks
/// that the data answered) has answers. In a small set a replicate can
/// draw weight 0 for everyone who answered an item; scoring it as if the
/// item were unanswered would put values in the interval that no sample
/// of these people could give, so such a replicate does not count for
/// that value.
pub(crate) fn complete<'a>(
    replicates: &'a [Evaluation],
    data: &[ItemResult],
    of: impl Fn(&ItemResult) -> bool,
) -> Vec<&'a Evaluation> {
    let answered = answered_items(data, of);
    replicates
        .iter()
        .filter(|r| answers_all(r, &answered))
        .collect()
}

/// The positions of the items `of` picks that the data answered.
pub(crate) fn answered_items(data: &[ItemResult], of: impl Fn(&ItemResult) -> bool) -> Vec<usize> {
    data.iter()
        .enumerate()
        .filter(|(_, item)| of(item) && item.fulfilment.is_some())
        .map(|(index, _)| index)
        .collect()
}

/// Whether a replicate has answers to every one of these items.
pub(crate) fn answers_all(replicate: &Evaluation, items: &[usize]) -> bool {
    items
        .iter()
        .all(|index| replicate.items[*index].fulfilment.is_some())
}

/// The sample size of a value computed from some items: the mean number
/// of answers of those that count (answered, and not left out).
pub(crate) fn typical_answers<'a>(items: impl Iterator<Item = &'a ItemResult>) -> u64 {
    let (answers, counted) = items
        .filter(|item| !item.suppressed && item.answered > 0)
        .fold((0, 0), |(answers, counted), item| {
            (answers + item.answered, counted + 1)
        });
    answers.checked_div(counted).unwrap_or(0)
}

/// The central interval of the defined replicate values at [`LEVEL`],
/// widened for a small sample: the expanded percentile interval
/// (Hesterberg 2015), whose tails are Φ(−√(n/(n−1)) · t₀.₉₇₅,ₙ₋₁) instead
/// of 2.5 %, because a plain percentile interval of n = 20 covers about
/// 90 %. `n` is the typical number of answers behind the value; from a
/// few hundred on, the tails are 2.5 %.
pub(crate) fn expanded_interval(
    values: &mut dyn Iterator<Item = Option<f64>>,
    n: u64,
) -> Option<Interval> {
    let tail = if n >= 2 {
        let n = n as f64;
        normal_cdf(-(n / (n - 1.0)).sqrt() * t_975(n as u64 - 1))
    } else {
        0.0
    };
    interval_with_tails(values, tail)
}

/// The interval between the `tail` and `1 − tail` quantiles of the defined
/// values, by linear interpolation between order statistics (the type 7
/// quantile of R and NumPy); `None` when no value is defined.
fn interval_with_tails(
    values: &mut dyn Iterator<Item = Option<f64>>,
    tail: f64,
) -> Option<Interval> {
    let mut values: Vec<f64> = values.flatten().collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(Interval {
        low: quantile(&values, tail),
        high: quantile(&values, 1.0 - tail),
    })
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}

/// `t[k]`: 2³² × P(X ≤ k) for X ~ Poisson(1); a uniform 32-bit number u
/// draws k = how many thresholds are at or below u.
fn poisson_thresholds() -> [u32; POISSON_TABLE] {
    let mut thresholds = [u32::MAX; POISSON_TABLE];
    let (mut probability, mut cumulative) = ((-1.0f64).exp(), 0.0);
    for (k, threshold) in thresholds.iter_mut().enumerate().take(POISSON_TABLE - 1) {
        if k > 0 {
            probability /= k as f64;
        }
        cumulative += probability;
        *threshold = (cumulative * 4_294_967_296.0).min(u32::MAX as f64) as u32;
    }
    thresholds
}

/// FNV-1a: a stable hash of the respondent id that every platform and
/// version computes alike, which the standard library's hashers do not
/// promise.
fn fnv1a(bytes: &[u8], salt: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ salt;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// SplitMix64's finaliser: spreads ids that differ in one character over
/// unrelated streams.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast and good enough
/// for resampling weights.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_weights_have_the_moments_of_poisson_one() {
        let model = crate::builtin_model();
        let mut resamples = Resamples::new(&model, Replicates::new(1000).unwrap(), 0);
        let (mut sum, mut squares, mut zeros, mut n) = (0.0, 0.0, 0, 0.0);
        for respondent in 0..200 {
            resamples.draw_weights(&format!("r{respondent}"));
            for w in &resamples.weights {
                let w = f64::from(*w);
                sum += w;
                squares += w * w;
                zeros += usize::from(w == 0.0);
                n += 1.0;
            }
        }
        let mean = sum / n;
        let variance = squares / n - mean * mean;
        // 200,000 draws: the standard error of the mean is 0.0022.
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
        let zero_share = zeros as f64 / n;
        assert!(
            (zero_share - (-1.0f64).exp()).abs() < 0.005,
            "P(0) {zero_share}"
        );
    }

    #[test]
    fn weights_depend_on_the_id_and_the_salt_only() {
        let model = crate::builtin_model();
        let replicates = Replicates::new(64).unwrap();
        let weights = |id: &str, salt: u64| {
            let mut resamples = Resamples::new(&model, replicates, salt);
            resamples.draw_weights(id);
            resamples.weights.clone()
        };
        assert_eq!(weights("r1", 0), weights("r1", 0));
        assert_ne!(weights("r1", 0), weights("r2", 0));
        assert_ne!(
            weights("r1", 0),
            weights("r1", Resamples::salt_of("2026.csv"))
        );
    }

    #[test]
    fn quantiles_interpolate_like_type_7() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.025, 0.975]) = [1.1, 9.4]
        let mut values = [4.0, 1.0, 10.0, 3.0, 2.0].map(Some).into_iter();
        let spread = interval_with_tails(&mut values, 0.025).unwrap();
        assert!((spread.low - 1.1).abs() < 1e-12, "{spread:?}");
        assert!((spread.high - 9.4).abs() < 1e-12, "{spread:?}");
        assert_eq!(
            interval_with_tails(&mut [None, None].into_iter(), 0.025),
            None
        );
    }

    #[test]
    fn small_samples_widen_the_tails() {
        // n = 20: Φ(−√(20/19) · 2.093) = Φ(−2.1474) ≈ 0.0159; n = 2000:
        // close to 0.025.
        let tail_of = |n: u64| {
            let values: Vec<Option<f64>> = (0..=10_000)
                .map(|v| Some(f64::from(v) / 10_000.0))
                .collect();
            expanded_interval(&mut values.into_iter(), n).unwrap().low
        };
        assert!((tail_of(20) - 0.0159).abs() < 2e-4, "{}", tail_of(20));
        assert!((tail_of(2_000) - 0.025).abs() < 2e-4, "{}", tail_of(2_000));
        assert_eq!(tail_of(1), 0.0);
    }

    #[test]
    fn replicate_counts_out_of_range_are_refused_with_the_range() {
        assert_eq!(Replicates::parse("200"), Ok(Replicates(200)));
        assert_eq!(
            Replicates::parse("5").unwrap_err().to_string(),
            "\"5\" is not a number of bootstrap replicates: give a whole number from 20 to 20000"
        );
        assert!(Replicates::parse("many").is_err());
    }
}
