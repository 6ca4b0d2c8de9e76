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

if [ ! -x /usr/bin/time ]; then
    echo "bench: installing GNU time for peak-memory figures" >&2
    apt-get install -y -qq time >/dev/null
fi
python=$(bench/setup.sh)
cargo build --release -q -p simm-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
simm="$target_dir/release/simm"
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
    if "$python" bench/compare.py "$work/simm.json" "$work/pandas.json" >/dev/null; then agree=agree; else agree=DIFFER; fi
    ratio=$(awk -v a="$pandas_s" -v b="$simm_s" 'BEGIN {printf "%.1f×", a/b}')
    echo "| $n × $items | ${size_mb} MB | ${simm_s} s | ${simm_mb} MB | ${pandas_s} s | ${pandas_mb} MB | $ratio | $agree |"
done
