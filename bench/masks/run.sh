#!/usr/bin/env bash
# Mask reconstruction benchmark: omnipose 1.0.6 compute_masks (CPU) and this project's
# computeMasks on the same 1024² inputs, in one run.
#   REF_PYTHON=/path/to/venv/bin/python bash bench/masks/run.sh
# The reference venv needs bench/requirements-reference.txt (omnipose 1.0.6, torch, numpy).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${REF_PYTHON:-/work/refvenv/bin/python}"
OUT=bench/out/masks
mkdir -p "$OUT"
npx tsx bench/masks/inputs.ts "$OUT"
"$PY" bench/masks/reference_bench.py "$OUT" > "$OUT/reference.json"
npx tsx bench/masks/run.ts "$OUT" "$OUT/reference.json"
