//! The coverage simulation of the uncertainty intervals
//! (docs/scoring.md, "How sure a stage is"), shared by the suite's run
//! (tests/uncertainty.rs) and the larger run of bench/ (examples/coverage.rs).
//!
//! A population is a finite set of respondents drawn once from a model of
//! correlated answers: a common factor for every item, a factor per area,
//! and missing answers. Samples are drawn from it with replacement, so its
//! own scores are exactly the values the sample estimates.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use simm_core::{
    Answer, Model, Replicates, Resamples, Results, StageLevel, Tally, score, with_uncertainty,
};

/// The tiny model of the scoring tests, with the aggregate asked for.
pub fn tiny(aggregate: &str) -> Model {
    let source = include_str!("../fixtures/tiny.toml");
    let mean = "aggregate = \"mean\"";
    assert_eq!(source.matches(mean).count(), 1);
    Model::parse(&source.replace(mean, &format!("aggregate = \"{aggregate}\"")))
        .expect("the tiny model is valid")
}

/// A standard normal draw (Box–Muller): the one distribution the
/// simulation needs, without another crate.
fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A population: rows of answers, one per model item (0 = no answer).
pub struct Population {
    pub rows: Vec<Vec<u8>>,
}

impl Population {
    /// `level[i]` shifts item i's answers up (in standard deviations); a
    /// respondent's answer is the latent value cut at −1.5, −0.5, 0.5 and
    /// 1.5 into 1..5, and each answer is missing with probability
    /// `missing`.
    pub fn draw(model: &Model, level: &[f64], missing: f64, size: usize, rng: &mut StdRng) -> Self {
        let areas: Vec<usize> = model
            .items()
            .iter()
            .map(|item| {
                model
                    .areas()
                    .iter()
                    .position(|area| area.id == item.area)
                    .expect("an item's area is in the model")
            })
            .collect();
        let rows = (0..size)
            .map(|_| {
                let common = normal(rng);
                let by_area: Vec<f64> = model.areas().iter().map(|_| normal(rng)).collect();
                areas
                    .iter()
                    .zip(level)
                    .map(|(area, level)| {
                        if rng.random::<f64>() < missing {
                            return 0;
                        }
                        let latent = level
                            + 0.5 * common
                            + 0.4 * by_area[*area]
                            + (1.0f64 - 0.25 - 0.16).sqrt() * normal(rng);
                        1 + [-1.5, -0.5, 0.5, 1.5]
                            .iter()
                            .filter(|cut| latent > **cut)
                            .count() as u8
                    })
                    .collect()
            })
            .collect();
        Self { rows }
    }

    pub fn score(&self, model: &Model) -> Results {
        let mut tally = Tally::new(model);
        for row in &self.rows {
            tally.add(&answers(model, row));
        }
        score(model, &tally)
    }

    /// A sample of `n` respondents drawn with replacement, scored with
    /// intervals; each draw gets an id of its own, as a sheet's rows do.
    pub fn sample(
        &self,
        model: &Model,
        n: usize,
        replicates: Replicates,
        rng: &mut StdRng,
    ) -> Results {
        let mut tally = Tally::new(model);
        let mut resamples = Resamples::new(model, replicates, rng.random());
        for respondent in 0..n {
            let row = &self.rows[rng.random_range(0..self.rows.len())];
            let answers = answers(model, row);
            tally.add(&answers);
            resamples.add(&format!("r{respondent}"), &answers);
        }
        with_uncertainty(model, score(model, &tally), &resamples)
    }
}

fn answers(model: &Model, row: &[u8]) -> Vec<Option<Answer>> {
    row.iter()
        .map(|a| Answer::new(*a, model.scale().points))
        .collect()
}

pub fn stage(level: u8) -> StageLevel {
    StageLevel::new(level).expect("a stage")
}

/// How often the intervals held the population's values.
#[derive(Debug, Default, Clone, Copy)]
pub struct Coverage {
    pub samples: usize,
    /// Area a's stage-2 and stage-3 fulfilment, area b's stage-2.
    pub fulfilment: [usize; 3],
    /// Area a's and b's score.
    pub score: [usize; 2],
    /// The same with every interval narrowed to half its width around its
    /// middle: the negative control that shows the check can fail.
    pub narrowed: usize,
}

impl Coverage {
    pub fn share(count: usize, samples: usize) -> f64 {
        count as f64 / samples as f64
    }
}

/// The population of the coverage check: area a reached stage 2 clearly
/// (F ≈ 0.88) and is half-way to stage 3; area b is at stage 1 (F ≈ 0.55).
/// Every value is away from the threshold of 0.75.
pub const LEVELS: [f64; 8] = [1.7, 1.9, 0.0, 0.2, 0.1, 0.2, 0.3, -0.6];

/// Draws `samples` samples of `n` and counts how often the intervals hold
/// the population values.
pub fn coverage(
    model: &Model,
    n: usize,
    samples: usize,
    replicates: Replicates,
    seed: u64,
) -> Coverage {
    let mut rng = StdRng::seed_from_u64(seed);
    let population = Population::draw(model, &LEVELS, 0.15, 20_000, &mut rng);
    let truth = population.score(model);
    let a = &truth.areas[0];
    let b = &truth.areas[1];
    let true_fulfilment = [
        a.fulfilment.get(stage(2)).expect("defined"),
        a.fulfilment.get(stage(3)).expect("defined"),
        b.fulfilment.get(stage(2)).expect("defined"),
    ];
    eprintln!(
        "population: F(a, 2), F(a, 3), F(b, 2) = {true_fulfilment:?}, scores {} {}",
        a.score, b.score
    );
    for value in true_fulfilment {
        assert!((value - 0.75).abs() > 0.1, "{value} is near the threshold");
    }
    let mut coverage = Coverage {
        samples,
        ..Coverage::default()
    };
    for _ in 0..samples {
        let results = population.sample(model, n, replicates, &mut rng);
        let intervals = [
            (&results.areas[0], 2, 0),
            (&results.areas[0], 3, 1),
            (&results.areas[1], 2, 2),
        ];
        for (area, level, index) in intervals {
            let interval = area
                .fulfilment_interval
                .as_ref()
                .and_then(|by_stage| by_stage.get(stage(level)))
                .flatten()
                .expect("an interval for a defined fulfilment");
            if interval.contains(true_fulfilment[index]) {
                coverage.fulfilment[index] += 1;
            }
            if index == 0 {
                let middle = (interval.low + interval.high) / 2.0;
                let half = (interval.high - interval.low) / 4.0;
                if (true_fulfilment[index] - middle).abs() <= half {
                    coverage.narrowed += 1;
                }
            }
        }
        for (index, (area, truth)) in results.areas.iter().zip([a, b]).enumerate() {
            let interval = area.score_interval.expect("a score interval");
            if interval.contains(truth.score) {
                coverage.score[index] += 1;
            }
        }
    }
    coverage
}

/// The calibration of stage probabilities: populations whose true stage-2
/// fulfilment of area b is spread evenly around the threshold, one sample
/// of `n` each. Returns (the probability given to stage 2 or above,
/// whether the population reaches it).
pub fn calibration(
    model: &Model,
    n: usize,
    populations: usize,
    replicates: Replicates,
    seed: u64,
) -> Vec<(f64, bool)> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..populations)
        .map(|_| {
            let mut levels = LEVELS;
            // Area b's stage-2 items move together: F from about 0.70 to 0.80,
            // a few standard errors either side of the threshold at n = 50.
            let shift = rng.random_range(0.9..1.5);
            levels[5] = shift;
            levels[6] = shift;
            let population = Population::draw(model, &levels, 0.15, 2_000, &mut rng);
            let truth = population.score(model);
            let results = population.sample(model, n, replicates, &mut rng);
            let probability = results.areas[1]
                .stage_probability
                .as_ref()
                .expect("stage probabilities");
            let at_least_two: f64 = probability
                .0
                .iter()
                .filter(|(level, _)| level.get() >= 2)
                .map(|(_, p)| p)
                .sum();
            (at_least_two, truth.areas[1].stage >= stage(2))
        })
        .collect()
}

/// Calibration bins of width 0.2: (mean probability given, share that
/// reached the stage, members).
pub fn calibration_bins(outcomes: &[(f64, bool)]) -> Vec<(f64, f64, usize)> {
    (0..5)
        .map(|bin| {
            let low = f64::from(bin) * 0.2;
            let members: Vec<&(f64, bool)> = outcomes
                .iter()
                .filter(|(p, _)| *p >= low && (*p < low + 0.2 || bin == 4))
                .collect();
            let count = members.len().max(1) as f64;
            let given = members.iter().map(|(p, _)| p).sum::<f64>() / count;
            let reached = members.iter().filter(|(_, r)| *r).count() as f64 / count;
            (given, reached, members.len())
        })
        .collect()
}
