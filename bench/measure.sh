# Shared by bench/run.sh and bench/intervals.sh (sourced, not run): GNU
# time for peak memory, the bench's Python, the release build of simm,
# measure() and without_intervals(). Expects $work (a temporary folder) and $runs to be set by the
# caller before measure() is called.

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

# The results without the keys the intervals added, for bench/compare.py:
# the pandas peer computes no intervals.
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
