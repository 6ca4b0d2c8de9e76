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

if [ ! -x /usr/bin/time ]; then
    echo "bench: installing GNU time for peak-memory figures" >&2
    apt-get install -y -qq time >/dev/null
fi
python=$(bench/setup.sh)
cargo build --release -q -p simm-cli
cargo build --release -q -p simm-core --example resample_speed
target_dir=$(cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
simm="$target_dir/release/simm"
speed="$target_dir/release/examples/resample_speed"
model=crates/simm-core/models/smartsourcing.toml
mkdir -p bench/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command RUNS times under /usr/bin/time -v; prints the median
# wall-clock seconds and the largest peak resident set in MB.
measure() {
    local times=() peak=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -v -o "$work/time" "$@" >/dev/null
        local wall rss
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time")
        rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$work/time")
        times+=("$wall")
        [ "$rss" -gt "$peak" ] && peak=$rss
    done
    printf '%s\n' "${times[@]}" | sort -g | awk -v peak="$peak" '{a[NR]=$1} END {printf "%.2f %d\n", a[int((NR+1)/2)], peak}'
}

# The results without the keys the intervals added, for bench/compare.py.
without_intervals() {
    "$python" -c '
import json, sys
results = json.load(open(sys.argv[1]))
results.pop("uncertainty")
results["overall"].pop("score_interval")
for area in results["areas"]:
    for key in ("score_interval", "fulfilment_interval", "stage_probability"):
        area.pop(key)
for item in results["items"]:
    item.pop("fulfilment_interval", None)
json.dump(results, open(sys.argv[2], "w"))
' "$1" "$2"
}

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
