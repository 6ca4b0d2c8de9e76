#!/usr/bin/env bash
# The web platform's benchmarks, on this machine over loopback:
#   1. autosave load: 200 concurrent respondents PUTting answers (wrk), on
#      SQLite (synchronous=FULL) and PostgreSQL, against a trivial endpoint
#      (/healthz) of the same server in the same run;
#   2. results of an assessment with 10,000 submitted respondents (API JSON
#      and the HTML results page);
#   3. resident memory idle and under load, and cold start.
# Usage: bench/web.sh   (environment: DURATION seconds per load run, default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-15}
connections=200

command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -qq wrk >/dev/null; }
eval "$(scripts/postgres)"
cargo build --release -q -p simm-cli
cargo build --release -q -p simm-web --example bench_seed
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
simm=$target/release/simm
seed=$target/release/examples/bench_seed
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$simm" template | tr ',' '\n' | grep -- '-[0-9]-' > "$work/items.txt"

rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# Starts simm on a database; sets $server (pid), $address and $ready_ms.
start() {
    "$simm" serve --bind 127.0.0.1:0 --database "$1" > "$work/serve.out" 2> "$work/serve.err" &
    server=$!
    while ! grep -q "simm is serving" "$work/serve.out" 2>/dev/null; do
        kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
        sleep 0.05
    done
    address=$(sed -n 's/^simm is serving on \([^ ]*\).*/\1/p' "$work/serve.out")
    ready_ms=$(sed -n 's/.*(ready in \([0-9]*\) ms).*/\1/p' "$work/serve.out")
}

stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

# One load run: prints "requests/s p50 p99 non2xx".
load() {
    wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" > "$work/wrk.out"
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
    p50=$(awk '$1=="50%" {print $2}' "$work/wrk.out")
    p99=$(awk '$1=="99%" {print $2}' "$work/wrk.out")
    errors=$(awk '/non-2xx:/ {print $2} /Non-2xx/ {print $4}' "$work/wrk.out" | head -1)
    echo "$rps $p50 $p99 ${errors:-0}"
}

echo "## Autosave under load ($connections connections, ${duration}s per run)"
echo
echo "| database | save answers/s | p50 | p99 | non-2xx | /healthz req/s | save / healthz | RSS idle | RSS peak | cold start |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for backend in sqlite postgres; do
    if [ "$backend" = sqlite ]; then
        database="sqlite://$work/bench.db"
    else
        name="simm_bench_$(date +%s)"
        psql "$SIMM_TEST_POSTGRES_URL" -qc "CREATE DATABASE $name" >/dev/null
        database="${SIMM_TEST_POSTGRES_URL%/*}/$name"
    fi
    read -r _ token _ _ < <("$seed" "$database" 0)
    start "$database"
    idle=$(rss_mb "$server")
    org=$(api -X POST "$address/api/v1/organizations" -d '{"name":"Load"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    assessment=$(api -X POST "$address/api/v1/organizations/$org/assessments" -d '{"title":"Load"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    api -X POST "$address/api/v1/assessments/$assessment/open" >/dev/null
    api -X POST "$address/api/v1/assessments/$assessment/invitations" -d "{\"count\":$connections}" \
        | python3 -c 'import json,sys; [print(i["token"]) for i in json.load(sys.stdin)["invitations"]]' > "$work/tokens.txt"
    read -r save_rps save_p50 save_p99 save_errors < <(SIMM_BENCH_TOKENS=$work/tokens.txt SIMM_BENCH_ITEMS=$work/items.txt load -s bench/autosave.lua "$address")
    read -r health_rps _ _ _ < <(load "$address/healthz")
    peak=$(hwm_mb "$server")
    ratio=$(python3 -c "print(f'{$save_rps / $health_rps:.2f}')")
    echo "| $backend | $save_rps | $save_p50 | $save_p99 | $save_errors | $health_rps | $ratio | ${idle} MB | ${peak} MB | ${ready_ms} ms |"
    stop
    if [ "$backend" = postgres ]; then
        psql "$SIMM_TEST_POSTGRES_URL" -qc "DROP DATABASE $name" >/dev/null
    fi
done

echo
echo "## Results of 10,000 submitted respondents (SQLite)"
echo
database="sqlite://$work/results.db"
read -r assessment token email password < <("$seed" "$database" 10000)
start "$database"
curl -s -c "$work/cookies" -o /dev/null -X POST "$address/login" --data-urlencode "email=$email" --data-urlencode "password=$password"
echo "| request | median of 20 | max |"
echo "|---|---:|---:|"
for request in "api results|$address/api/v1/assessments/$assessment/results|bearer" \
               "api results by role|$address/api/v1/assessments/$assessment/results?group_by=role|bearer" \
               "results page (HTML)|$address/assessments/$assessment/results|cookie"; do
    IFS='|' read -r label url auth <<< "$request"
    for _ in $(seq 20); do
        if [ "$auth" = bearer ]; then
            curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
        else
            curl -s -o /dev/null -w '%{time_total}\n' -b "$work/cookies" "$url"
        fi
    done | sort -g | awk -v label="$label" '{t[NR]=$1*1000} END {printf "| %s | %.1f ms | %.1f ms |\n", label, t[int((NR+1)/2)], t[NR]}'
done
stop
