#!/usr/bin/env bash
# Side-by-side target benchmark: Python references (scipy, edt, the original plugin's recipe) and
# this project's TypeScript engine on the same arrays, in one run.
#   REF_PYTHON=/path/to/venv/bin/python bash bench/targets/run.sh
# The reference venv needs bench/requirements-reference.txt (numpy, scipy, edt, scikit-image).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${REF_PYTHON:-/work/refvenv/bin/python}"
OUT=bench/out
mkdir -p "$OUT"
"$PY" bench/targets/reference_bench.py "$OUT/inputs" --make > "$OUT/reference.json"
npx tsx bench/targets/run.ts "$OUT/inputs" "$OUT/reference.json"
