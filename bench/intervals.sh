#!/usr/bin/env bash
# The cost of the uncertainty intervals (issue 10): times `simm score` with
# intervals (the default B replicates) against the pandas peer, which
# computes no intervals, on the same sheets in the same run; checks that
# the two agree on every score once the interval keys are set aside; and
# prints the breakdown of examples/resample_speed.rs (tally, resampling,
# scoring the replicates), whose last two parts are the added cost of the
# intervals. Peak memory comes from /usr/bin/time -v.
#
# Usage: bench/intervals.sh [RESPONDENTS ...]   (default: 10000 1000000)
# Environment: RUNS (timed runs per tool, default 3; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 1000000)
runs=${RUNS:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. bench/measure.sh
cargo build --release -q -p simm-core --example resample_speed
speed="$target_dir/release/examples/resample_speed"

echo "| respondents × items | sheet | simm score, B = 200 | simm peak | simm score, B = 20 | pandas (no intervals) | pandas peak | pandas / simm | results |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for n in "${sizes[@]}"; do
    sheet=bench/data/sheet-$n.csv
    [ -s "$sheet" ] || "$python" bench/gen.py --model "$model" --respondents "$n" --seed 1 --out "$sheet"
    size_mb=$(du -m "$sheet" | cut -f1)
    items=$(head -1 "$sheet" | tr ',' '\n' | grep -c -- '-[0-9]-')
    read -r simm_s simm_mb < <(measure "$simm" score --responses "$sheet" --format json --output "$work/simm.json")
    read -r few_s _ < <(measure "$simm" score --responses "$sheet" --format json --replicates 20 --output "$work/few.json")
    read -r pandas_s pandas_mb < <(measure "$python" bench/peer_pandas.py --model "$model" --responses "$sheet")
    "$python" bench/peer_pandas.py --model "$model" --responses "$sheet" > "$work/pandas.json"
    without_intervals "$work/simm.json" "$work/plain.json"
    if "$python" bench/compare.py "$work/plain.json" "$work/pandas.json" >/dev/null; then agree=agree; else agree=DIFFER; fi
    ratio=$(awk -v a="$pandas_s" -v b="$simm_s" 'BEGIN {printf "%.1f×", a/b}')
    echo "| $n × $items | ${size_mb} MB | ${simm_s} s | ${simm_mb} MB | ${few_s} s | ${pandas_s} s | ${pandas_mb} MB | $ratio | $agree |"
done

echo
echo "In-process breakdown (examples/resample_speed.rs, one thread, the built-in model, 10 % blanks):"
echo
for n in "${sizes[@]}"; do
    "$speed" "$n" 200
done
