#!/usr/bin/env bash
# The deliverables of issue 11: times `simm score --format pdf|slides|xlsx`
# on a synthetic assessment against the peer a consultant would otherwise
# use for a PDF, Chromium printing simm's own HTML report
# (`--print-to-pdf`), in the same run, and reports the ratio. simm's times
# are end to end (reading the sheet, scoring with intervals, the roadmap,
# rendering); Chromium's is the printing of an HTML report simm already
# wrote. Peak memory comes from /usr/bin/time -v.
#
# Usage: bench/render.sh [RESPONDENTS ...]   (default: 10000)
# Environment: RUNS (timed runs per tool, default 3; the median is reported),
#              CHROMIUM (default: chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)
runs=${RUNS:-3}
chromium=${CHROMIUM:-chromium}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. bench/measure.sh
command -v pdfinfo >/dev/null || scripts/poppler >&2

pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }

echo "| respondents | simm pdf report | pages | peak | simm slides | pages | simm xlsx | Chromium print of the HTML report | pages | peak | Chromium / simm pdf |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    sheet=bench/data/sheet-$n.csv
    [ -s "$sheet" ] || "$python" bench/gen.py --model "$model" --respondents "$n" --seed 1 --out "$sheet"
    score=("$simm" score --responses "$sheet" --group-by role --target vision=3,management=3,organization=3,technology=3)
    read -r pdf_s pdf_mb < <(measure "${score[@]}" --format pdf --output "$work/report.pdf")
    read -r slides_s _ < <(measure "${score[@]}" --format slides --output "$work/slides.pdf")
    read -r xlsx_s _ < <(measure "${score[@]}" --format xlsx --output "$work/results.xlsx")
    "${score[@]}" --format html --output "$work/report.html"
    read -r chrome_s chrome_mb < <(measure "$chromium" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --no-first-run \
        --no-pdf-header-footer --print-to-pdf="$work/chromium.pdf" "file://$work/report.html")
    ratio=$(awk -v a="$chrome_s" -v b="$pdf_s" 'BEGIN {printf "%.1f×", a/b}')
    echo "| $n | ${pdf_s} s | $(pages "$work/report.pdf") | ${pdf_mb} MB | ${slides_s} s | $(pages "$work/slides.pdf") | ${xlsx_s} s | ${chrome_s} s | $(pages "$work/chromium.pdf") | ${chrome_mb} MB | $ratio |"
done
