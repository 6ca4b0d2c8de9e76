#!/usr/bin/env bash
# Times `simm score` against the pandas peer on the same synthetic sheets,
# in the same run, checks that both give the same results, and prints a
# Markdown table with the ratio. Peak memory comes from /usr/bin/time -v.
#
# Usage: bench/run.sh [RESPONDENTS ...]   (default: 100000 1000000)
# Environment: RUNS (timed runs per tool, default 3; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
runs=${RUNS:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. bench/measure.sh

echo "| respondents × items | sheet | simm score | simm peak | pandas | pandas peak | pandas / simm | results |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for n in "${sizes[@]}"; do
    sheet=bench/data/sheet-$n.csv
    [ -s "$sheet" ] || "$python" bench/gen.py --model "$model" --respondents "$n" --seed 1 --out "$sheet"
    size_mb=$(du -m "$sheet" | cut -f1)
    items=$(head -1 "$sheet" | tr ',' '\n' | grep -c -- '-[0-9]-')
    read -r simm_s simm_mb < <(measure "$simm" score --responses "$sheet" --group-by role --format json --output "$work/simm.json")
    read -r pandas_s pandas_mb < <(measure "$python" bench/peer_pandas.py --model "$model" --responses "$sheet" --group-by role)
    "$python" bench/peer_pandas.py --model "$model" --responses "$sheet" --group-by role > "$work/pandas.json"
    without_intervals "$work/simm.json" "$work/plain.json"
    if "$python" bench/compare.py "$work/plain.json" "$work/pandas.json" >/dev/null; then agree=agree; else agree=DIFFER; fi
    ratio=$(awk -v a="$pandas_s" -v b="$simm_s" 'BEGIN {printf "%.1f×", a/b}')
    echo "| $n × $items | ${size_mb} MB | ${simm_s} s | ${simm_mb} MB | ${pandas_s} s | ${pandas_mb} MB | $ratio | $agree |"
done
