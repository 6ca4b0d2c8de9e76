#!/usr/bin/env bash
# Small CI check of `simm calibrate` against eRm (CML item locations, infit,
# outfit) and psych (alpha per area) on two simulated sheets, with the targets
# of bench/calibrate/compare.py --check: correlation of item locations >
# 0.999, largest location difference < 0.02 logits, infit/outfit within 0.02,
# alpha equal to psych's to 1e-10. Exits non-zero when a target is missed or
# when simm, eRm or psych fails.
#
#   1. 2,000 respondents × 20 items, dichotomous, 5 % empty cells
#      (drawn from 40 fixed missing-data patterns: eRm fits one CML
#      likelihood per pattern, in R, and takes minutes when every respondent
#      has their own pattern);
#   2. 2,000 respondents × 12 items, 4-point partial credit, complete.
#
# Usage: bench/calibrate-check.sh          (from anywhere in the workspace)
# Builds simm in the debug profile (honours CARGO_TARGET_DIR; SIMM=/path/to/simm
# uses that binary instead). Needs R with r-cran-erm and r-cran-psych
# (installed with apt when missing, as root) and the Python venv of
# bench/setup.sh (numpy). mirt is not run here.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/calibrate/lib.sh

ensure_gnu_time
ensure_r_peers
python=$(bench/setup.sh)
if [ -n "${SIMM:-}" ]; then
    simm=$SIMM  # a given binary, e.g. to check a build from elsewhere
else
    cargo build -q -p simm-cli
    simm="$(cargo_target_dir "$python")/debug/simm"
fi
if ! "$simm" calibrate --help >/dev/null 2>&1; then
    echo "calibrate-check: '$simm calibrate' does not exist (yet): nothing to check" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
check() {
    local name=$1
    shift
    "$python" bench/calibrate/simulate.py --seed 7 --out-dir "$work" --prefix "$name" "$@" 2>/dev/null
    local base="$work/$name" args=(--truth "$work/$name.truth.json" --title "calibrate-check: $name" --check)
    if timed "$base.simm" "$simm" calibrate --responses "$base.csv" --model "$base.toml" --format json --output "$base.simm.json"; then
        args+=(--simm "$base.simm.json" --time "simm=$base.simm.time")
    fi
    if timed "$base.erm" Rscript bench/calibrate/erm.R --responses "$base.csv" --model "$base.toml" --output "$base.erm.json"; then
        args+=(--erm "$base.erm.json" --time "eRm=$base.erm.time")
    fi
    if timed "$base.psych" Rscript bench/calibrate/psych.R --responses "$base.csv" --model "$base.toml" --output "$base.psych.json"; then
        args+=(--psych "$base.psych.json" --time "psych=$base.psych.time")
    fi
    "$python" bench/calibrate/compare.py "${args[@]}" || status=1
}

check dichotomous --respondents 2000 --items 20 --categories 2 --missing 0.05 --missing-patterns 40
check pcm --respondents 2000 --items 12 --categories 4
if [ "$status" -eq 0 ]; then
    echo "calibrate-check: simm calibrate agrees with eRm and psych" >&2
else
    echo "calibrate-check: FAILED (see the tables above)" >&2
fi
exit "$status"
