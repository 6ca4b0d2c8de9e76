//! How long the intervals take on the built-in model: B replicates over n
//! respondents (bench/README.md, "Intervals"). Run with
//! `cargo run --release -p simm-core --example resample_speed -- N B`.

use std::time::Instant;

use simm_core::{Answer, Replicates, Resamples, Tally, builtin_model, score, with_uncertainty};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(10_000, |a| a.parse().expect("a count"));
    let b: u32 = args.next().map_or(200, |a| a.parse().expect("a count"));
    let model = builtin_model();
    let items = model.items().len();
    // A fixed pseudo-random answer pattern per respondent, with 10 % blanks.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let rows: Vec<Vec<Option<Answer>>> = (0..n)
        .map(|_| {
            (0..items)
                .map(|_| {
                    let r = next() % 50;
                    (r >= 5).then(|| Answer::new(1 + (r % 5) as u8, 5).expect("1..5"))
                })
                .collect()
        })
        .collect();
    let ids: Vec<String> = (0..n).map(|i| format!("respondent-{i}")).collect();
    let started = Instant::now();
    let mut tally = Tally::new(&model);
    for row in &rows {
        tally.add(row);
    }
    let plain = started.elapsed();
    let started = Instant::now();
    let mut resamples = Resamples::new(&model, Replicates::new(b).expect("a count"), 0);
    for (id, row) in ids.iter().zip(&rows) {
        resamples.add(id, row);
    }
    let added = started.elapsed();
    let results = with_uncertainty(&model, score(&model, &tally), &resamples);
    let total = started.elapsed();
    println!(
        "n={n} B={b}: tally {:.1} ms, resampling {:.1} ms, scoring replicates {:.1} ms, intervals total {:.1} ms (overall {:?})",
        plain.as_secs_f64() * 1e3,
        added.as_secs_f64() * 1e3,
        (total - added).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        results.overall.score_interval
    );
}
