#!/usr/bin/env bash
# The larger run of the coverage and calibration simulation of the
# uncertainty intervals (crates/simm-core/tests/uncertainty.rs runs a
# smaller one in the suite): prints the Markdown tables of bench/README.md,
# "Intervals (issue 10)".
#
# Usage: bench/coverage.sh [SAMPLES [POPULATIONS]]   (default: 5000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q --locked -p simm-core --example coverage -- "${1:-5000}" "${2:-10000}"
