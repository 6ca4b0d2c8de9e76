//! The larger run of the coverage and calibration simulation of
//! tests/uncertainty.rs (bench/README.md, "Intervals (issue 10)"): 5,000
//! samples each of n = 20, 50 and 200 respondents with the `mean` and the
//! `median` aggregate, and the calibration of stage probabilities over
//! 10,000 populations. Run with `bench/coverage.sh`, or
//! `cargo run --release -p simm-core --example coverage -- SAMPLES POPULATIONS`.

#[path = "../tests/support/coverage.rs"]
mod coverage;

use coverage::{Coverage, calibration, calibration_bins, tiny};
use simm_core::Replicates;

fn main() {
    let mut args = std::env::args().skip(1);
    let samples: usize = args.next().map_or(5_000, |a| a.parse().expect("a count"));
    let populations: usize = args.next().map_or(10_000, |a| a.parse().expect("a count"));
    let replicates = Replicates::DEFAULT;
    println!(
        "Coverage of 95 % intervals, {samples} samples each, B = {}:\n",
        replicates.get()
    );
    println!(
        "| aggregate | n | F(a, 2) | F(a, 3) | F(b, 2) | score a | score b | half-width control |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (aggregate, seeds) in [("mean", [101, 102, 103]), ("median", [201, 202, 203])] {
        let model = tiny(aggregate);
        for (n, seed) in [20, 50, 200].into_iter().zip(seeds) {
            let result = coverage::coverage(&model, n, samples, replicates, seed);
            let share = |count| format!("{:.1} %", 100.0 * Coverage::share(count, result.samples));
            let cells: Vec<String> = result
                .fulfilment
                .iter()
                .chain(&result.score)
                .map(|count| share(*count))
                .collect();
            println!(
                "| {aggregate} | {n} | {} | {} |",
                cells.join(" | "),
                share(result.narrowed)
            );
        }
    }
    println!(
        "\nCalibration of stage probabilities, {populations} populations, n = 50, B = {}:\n",
        replicates.get()
    );
    println!("| probability given (bin) | mean given | share that reached the stage | areas |");
    println!("|---|---:|---:|---:|");
    let outcomes = calibration(&tiny("mean"), 50, populations, replicates, 301);
    for (bin, (given, reached, members)) in calibration_bins(&outcomes).into_iter().enumerate() {
        let low = bin as f64 * 0.2;
        println!(
            "| {low:.1}–{:.1} | {given:.3} | {reached:.3} | {members} |",
            low + 0.2
        );
    }
}
