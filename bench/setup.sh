#!/usr/bin/env bash
# Creates (idempotently) the Python virtualenv for the scoring and calibration
# benchmarks at bench/.venv and installs the pinned packages of
# bench/requirements.txt (pandas, numpy; mirt and scipy for bench/calibrate/)
# when they are missing or at other versions.
# Prints the path of the venv's python on stdout (progress goes to stderr), so:
#   PY=$(bash bench/setup.sh)
# Set PYTHON to choose the base interpreter (default: python3, >= 3.11 for tomllib).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
base="${PYTHON:-python3}"
py="$venv/bin/python"

if [ ! -x "$py" ] || ! "$py" -c 'import sys' >/dev/null 2>&1; then
    "$base" -c 'import sys, tomllib; assert sys.version_info >= (3, 11)' \
        || { echo "setup.sh: $base must be Python >= 3.11" >&2; exit 1; }
    echo "setup.sh: creating $venv" >&2
    rm -rf "$venv"
    "$base" -m venv "$venv" >&2
fi

# Installed already at the pinned versions? Then do nothing (no network needed).
if ! "$py" - "$req" >/dev/null 2>&1 <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        if want and version(name.strip()) != want.strip():
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
import numpy, pandas  # noqa: E401,F401  (importable, not only installed)
import importlib.util  # mirt takes seconds to import: only check that it is there
assert importlib.util.find_spec("mirt") and importlib.util.find_spec("scipy")
PYEOF
then
    echo "setup.sh: installing $(grep -v '^#' "$req" | grep -c .) pinned packages" >&2
    "$py" -m pip install --disable-pip-version-check -q -r "$req" >&2
fi

echo "$py"
