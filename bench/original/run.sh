#!/usr/bin/env bash
# The original Sketchpose plugin (napari-sketchpose 0.1.8) on bench/accuracy's frugal case: same
# image, same simulated strokes, same number of patches (epochs × batch of PATCH²), trained headless
# on the CPU, then scored by this project's metric code. Run after bench/accuracy/run.sh (it needs
# OUT/data and OUT/runs/frugal.json).
#
#   python3.10 -m venv /work/napvenv
#   /work/napvenv/bin/pip install -r bench/original/requirements.txt
#   bash bench/original/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${ORIGINAL_PYTHON:-/work/napvenv/bin/python}"
OUT="${OUT:-bench/out/accuracy}"
EPOCHS="${STEPS:-150}"
BATCH="${BATCH:-4}"
PATCH="${PATCH:-64}"
LR="${ORIGINAL_LR:-0.1}"
QT_QPA_PLATFORM=offscreen "$PY" bench/original/train_original.py "$OUT" "$EPOCHS" "$BATCH" "$PATCH" "$LR" \
  2>&1 | grep -v '^flow:' > "$OUT/original.log"
tail -5 "$OUT/original.log"
npx tsx bench/original/evaluate.ts "$OUT"
# the same numbers through the command line
npx sketchpose evaluate --pred "$OUT/masks/original_frugal/fluorescence_nuclei" \
  --gt "$OUT/gt/fluorescence_nuclei" --taus 0.5,0.75,0.9
npx tsx bench/accuracy/run.ts --out "$OUT" --report
