#!/usr/bin/env bash
# Calibration benchmark: times `simm calibrate` against its peers on the same
# simulated sheets, in the same run, and prints Markdown tables (time and peak
# memory from /usr/bin/time -v, agreement with eRm, psychotools and psych,
# accuracy against the true parameters). Peers: eRm (CML Rasch/PCM, item fit,
# separation reliability), psychotools (CML Rasch item locations, for the
# missing scenario, where eRm is too slow), psych (alpha per area), mirt from
# PyPI (MML Rasch/PCM).
#
# Usage: bench/calibrate.sh [RESPONDENTS ...]   (default: 10000 100000 1000000)
# Scenarios per size (60 items, simulated by bench/calibrate/simulate.py):
#   rasch      dichotomous Rasch, complete
#   missing    dichotomous, 10 % empty cells, 2 misfitting items, 2 misplaced
#              stages, DIF on 2 items for role=partner
#   pcm        5-point partial credit, complete
# Environment:
#   RUNS              timed runs per tool (default 1; the median is reported)
#   SCENARIOS         which scenarios (default "rasch missing pcm")
#   ITEMS             items per sheet (default 60)
#   ERM_MAX           largest sheet eRm gets with complete data (default 100000)
#   ERM_MAX_PCM       largest 5-point sheet eRm gets (default 10000: its PCM
#                     took 466 s at 10,000 x 60, most of it person parameters)
#   ERM_MAX_MISSING   largest sheet eRm gets with missing answers (default 2000):
#                     eRm's CML fits one likelihood per missing-data pattern in
#                     R, and with random gaps nearly every respondent has their
#                     own pattern (2,000 x 20 with 5 % gaps takes a minute)
#   PSYCHOTOOLS_MAX   largest sheet psychotools gets (default 10000); it is run
#                     for the missing scenario only, as the CML peer above
#                     ERM_MAX_MISSING (item locations only: it has no item fit;
#                     63 s at 2,000 x 60 and 143 s at 5,000 x 60 with 10 % gaps)
#   MIRT_MAX          largest sheet mirt gets (default 1000000)
#   MIRT_MAX_PCM      largest 5-point sheet mirt gets (default 100000: its PCM
#                     EM took 146 s at 100,000 x 60)
#   SIMM              a simm binary to use instead of building the release one
# Needs R with r-cran-erm, r-cran-psych and, for the missing scenario,
# r-cran-psychotools (installed with apt when missing)
# and the Python venv of bench/setup.sh. Data go to bench/data/calibrate/.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/calibrate/lib.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
runs=${RUNS:-1}
scenarios=${SCENARIOS:-rasch missing pcm}
n_items=${ITEMS:-60}
erm_max=${ERM_MAX:-100000}
erm_max_missing=${ERM_MAX_MISSING:-2000}
erm_max_pcm=${ERM_MAX_PCM:-10000}
ptools_max=${PSYCHOTOOLS_MAX:-10000}
mirt_max=${MIRT_MAX:-1000000}
mirt_max_pcm=${MIRT_MAX_PCM:-100000}
for n in "${sizes[@]}"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "calibrate.sh: respondents must be positive integers, not '$n'" >&2; exit 1; }
done

ensure_gnu_time
ensure_r_peers
have_ptools=0
if [[ " $scenarios " == *" missing "* ]]; then
    if ensure_r_peers psychotools; then
        have_ptools=1
    else
        echo "calibrate.sh: psychotools is not available: the missing scenario goes without it" >&2
    fi
fi
python=$(bench/setup.sh)
if [ -n "${SIMM:-}" ]; then
    simm=$SIMM  # a given binary, e.g. to check a build from elsewhere
else
    cargo build --release -q -p simm-cli
    simm="$(cargo_target_dir "$python")/release/simm"
fi
have_simm=1
if ! "$simm" calibrate --help >/dev/null 2>&1; then
    have_simm=0
    echo "calibrate.sh: '$simm calibrate' does not exist yet: comparing the peers with each other and the truth only" >&2
fi
group_by=()
if [ "$have_simm" -eq 1 ] && "$simm" calibrate --help 2>/dev/null | grep -q -- '--group-by'; then
    group_by=(--group-by role)
fi

data=bench/data/calibrate
mkdir -p "$data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME CMD...: runs CMD RUNS times; keeps the last run's outputs in
# $work/NAME.*; sets REPLY to "SECONDS:MB" (median wall, largest peak RSS).
measure() {
    local name=$1
    shift
    local times=() peak=0 wall rss
    for _ in $(seq "$runs"); do
        timed "$work/$name" "$@" || return 1
        read -r wall rss < <(wall_rss "$work/$name.time")
        times+=("$wall")
        [ "$rss" -gt "$peak" ] && peak=$rss
    done
    REPLY=$(printf '%s\n' "${times[@]}" | sort -g | awk -v peak="$peak" '{a[NR]=$1} END {printf "%s:%d", a[int((NR+1)/2)], peak}')
}

echo "## simm calibrate against eRm, psychotools, psych and mirt ($(date -u +%F), $(nproc) cores, RUNS=$runs)"
echo
for n in "${sizes[@]}"; do
    for sc in $scenarios; do
        case $sc in
            rasch) sim_args=(--categories 2) ;;
            missing) sim_args=(--categories 2 --missing 0.1 --misfit 2 --misplaced 2 --dif 2) ;;
            pcm) sim_args=(--categories 5) ;;
            *) echo "calibrate.sh: unknown scenario '$sc' (rasch, missing, pcm)" >&2; exit 1 ;;
        esac
        name="$sc-$n-$n_items"
        base="$data/$name"
        if [ ! -s "$base.csv" ] || [ ! -s "$base.truth.json" ]; then
            "$python" bench/calibrate/simulate.py --respondents "$n" --items "$n_items" --seed 1 \
                "${sim_args[@]}" --out-dir "$data" --prefix "$name" 2>/dev/null
        fi
        sheet="$base.csv" model="$base.toml"
        size_mb=$(du -m "$sheet" | cut -f1)
        cmp_args=(--truth "$base.truth.json" --title "$sc: $n respondents × $n_items items (${size_mb} MB)")

        if [ "$have_simm" -eq 1 ]; then
            if measure simm "$simm" calibrate --responses "$sheet" --model "$model" --format json --output "$work/simm.json"; then
                simm_json="$work/simm.json"
                if [ ${#group_by[@]} -gt 0 ] && [ "$sc" = missing ]; then
                    # an untimed second run, for the DIF of the planted items
                    if "$simm" calibrate --responses "$sheet" --model "$model" "${group_by[@]}" --format json \
                        --output "$work/simm-dif.json"; then
                        simm_json="$work/simm-dif.json"
                    fi
                fi
                cmp_args+=(--simm "$simm_json" --time "simm=$REPLY")
            else
                cmp_args+=(--skipped "simm=failed, see above")
            fi
        fi

        case $sc in
            missing) limit=$erm_max_missing limit_name=ERM_MAX_MISSING ;;
            pcm) limit=$erm_max_pcm limit_name=ERM_MAX_PCM ;;
            *) limit=$erm_max limit_name=ERM_MAX ;;
        esac
        if [ "$n" -le "$limit" ]; then
            if measure eRm Rscript bench/calibrate/erm.R --responses "$sheet" --model "$model" --output "$work/erm.json"; then
                cmp_args+=(--erm "$work/erm.json" --time "eRm=$REPLY")
            else
                cmp_args+=(--skipped "eRm=failed (out of memory or error, see above)")
            fi
        elif [ "$sc" = missing ]; then
            cmp_args+=(--skipped "eRm=above ERM_MAX_MISSING=$erm_max_missing respondents (one CML likelihood per missing-data pattern, in R: hours)")
        else
            cmp_args+=(--skipped "eRm=above $limit_name=$limit respondents (too slow / too much memory)")
        fi

        if [ "$sc" = missing ]; then
            if [ "$have_ptools" -eq 0 ]; then
                cmp_args+=(--skipped "psychotools=not installed (r-cran-psychotools)")
            elif [ "$n" -le "$ptools_max" ]; then
                if measure psychotools Rscript bench/calibrate/psychotools.R --responses "$sheet" --model "$model" --output "$work/psychotools.json"; then
                    cmp_args+=(--psychotools "$work/psychotools.json" --time "psychotools=$REPLY")
                else
                    cmp_args+=(--skipped "psychotools=failed, see above")
                fi
            else
                cmp_args+=(--skipped "psychotools=above PSYCHOTOOLS_MAX=$ptools_max respondents")
            fi
        fi

        if measure psych Rscript bench/calibrate/psych.R --responses "$sheet" --model "$model" --output "$work/psych.json"; then
            cmp_args+=(--psych "$work/psych.json" --time "psych=$REPLY")
        else
            cmp_args+=(--skipped "psych=failed, see above")
        fi

        mirt_limit=$mirt_max
        [ "$sc" = pcm ] && mirt_limit=$mirt_max_pcm
        if [ "$n" -le "$mirt_limit" ]; then
            if measure mirt "$python" bench/calibrate/peer_mirt.py --responses "$sheet" --model "$model" --output "$work/mirt.json"; then
                cmp_args+=(--mirt "$work/mirt.json" --time "mirt=$REPLY")
            else
                cmp_args+=(--skipped "mirt=failed, see above")
            fi
        else
            cmp_args+=(--skipped "mirt=above $mirt_limit respondents for this scenario (MIRT_MAX, MIRT_MAX_PCM)")
        fi

        "$python" bench/calibrate/compare.py "${cmp_args[@]}"
        # keep the JSON of this run next to the data, for a closer look
        for t in simm simm-dif erm psychotools psych mirt; do
            if [ -s "$work/$t.json" ]; then mv "$work/$t.json" "$base.$t.json"; fi
        done
        rm -f "$work"/*.json
    done
done
