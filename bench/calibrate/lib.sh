# Shared helpers for bench/calibrate.sh and bench/calibrate-check.sh (sourced,
# not run): installing the R peers, finding the simm binary, timing a command
# under /usr/bin/time -v.

# ensure_r_peers [EXTRA ...]: makes sure R with eRm and psych is there, and
# with the EXTRA R packages too (only "psychotools" is known: apt package
# r-cran-psychotools; bench/calibrate-check.sh asks for none). A root apt
# install may already be running in the background (its log is
# /tmp/r-install.log): wait for it rather than starting a second apt.
ensure_r_peers() {
    local r_pkgs=(eRm psych) apt_pkgs=(r-cran-erm r-cran-psych) extra
    for extra in "$@"; do
        case $extra in
            psychotools) r_pkgs+=(psychotools) apt_pkgs+=(r-cran-psychotools) ;;
            *) echo "calibrate: ensure_r_peers: unknown R peer '$extra'" >&2; return 1 ;;
        esac
    done
    local load="suppressPackageStartupMessages({$(printf 'library(%s); ' "${r_pkgs[@]}")})"
    local names="${r_pkgs[*]}" apts="${apt_pkgs[*]}"
    if command -v Rscript >/dev/null 2>&1 && Rscript -e "$load" >/dev/null 2>&1; then
        return 0
    fi
    local waited=0
    while pgrep -x apt-get >/dev/null 2>&1 || pgrep -x apt >/dev/null 2>&1 || pgrep -x dpkg >/dev/null 2>&1; do
        [ "$waited" -eq 0 ] && echo "calibrate: an apt/dpkg run is in progress (see /tmp/r-install.log); waiting for it" >&2
        sleep 5
        waited=$((waited + 5))
        if [ "$waited" -ge 1800 ]; then
            echo "calibrate: still waiting for apt after 30 minutes; giving up" >&2
            return 1
        fi
    done
    if ! Rscript -e "$load" >/dev/null 2>&1; then
        echo "calibrate: installing R and the R packages $names (apt-get install $apts)" >&2
        if [ "$(id -u)" -ne 0 ]; then
            echo "calibrate: need root to install $apts (there is no sudo here)" >&2
            return 1
        fi
        # A fresh machine may have no package lists yet.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >&2 \
            || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >&2; } \
            || { echo "calibrate: apt-get install $apts failed" >&2; return 1; }
    fi
    Rscript -e "$load" >/dev/null 2>&1 \
        || { echo "calibrate: R packages $names still do not load" >&2; return 1; }
}

ensure_gnu_time() {
    if [ ! -x /usr/bin/time ]; then
        echo "calibrate: installing GNU time for peak-memory figures" >&2
        apt-get install -y -qq time >/dev/null
    fi
}

# Prints the cargo target directory (honours CARGO_TARGET_DIR and config).
cargo_target_dir() {
    cargo metadata --format-version 1 --no-deps | "$1" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

# timed OUT_PREFIX CMD...: runs CMD once under /usr/bin/time -v (output to
# OUT_PREFIX.time, stdout to OUT_PREFIX.out, stderr to OUT_PREFIX.err); on
# failure prints the tail of stderr and returns the command's status.
timed() {
    local prefix=$1
    shift
    local rc=0
    /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "calibrate: failed ($rc): $*" >&2
        tail -n 15 "$prefix.err" >&2
    fi
    return "$rc"
}

# wall_rss FILE: "SECONDS MB" from a /usr/bin/time -v output.
wall_rss() {
    awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; w=s}
                /Maximum resident set size/ {r=int($2/1024)}
                END {printf "%.2f %d\n", w, r}' "$1"
}
