#!/usr/bin/env bash
# Accuracy benchmark (docs/benchmarks-accuracy.md): the small CPnet trained from scratch on real
# images of ../shared/data with 100/50/25/10 % of the pixels annotated and on simulated strokes on
# one image, evaluated on held-out images. CPU only (TensorFlow.js wasm backend, one thread per
# worker); two workers run in parallel.
#
#   bash bench/accuracy/run.sh                    # defaults below
#   STEPS=100 bash bench/accuracy/run.sh          # a smaller budget
#   MODALITIES=fluorescence bash bench/accuracy/run.sh   # fluorescence nuclei only
#
# Then, optionally, the original plugin on the frugal case: bash bench/original/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-bench/out/accuracy}"
STEPS="${STEPS:-800}"
PATCH="${PATCH:-64}"
BATCH="${BATCH:-4}"
LR="${LR:-0.05}"
COMMON=(--steps "$STEPS" --patch "$PATCH" --batch "$BATCH" --lr "$LR" --out "$OUT")
# WEIGHTS=euler=0.1,... overrides loss weights (default: the engine's default weights)
if [ -n "${WEIGHTS:-}" ]; then COMMON+=(--weights "$WEIGHTS"); fi
# MODALITIES=fluorescence restricts the fraction runs to one modality (default: all three)
if [ -n "${MODALITIES:-}" ]; then COMMON+=(--modalities "$MODALITIES"); fi
start=$(date +%s)
mkdir -p "$OUT"
npx tsx bench/accuracy/run.ts "${COMMON[@]}" --prepare --runs ''
pids=()
for run in fraction_100 fraction_50 fraction_25 fraction_10 frugal; do
  npx tsx bench/accuracy/run.ts "${COMMON[@]}" --runs "$run" > "$OUT/$run.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
npx tsx bench/accuracy/run.ts --out "$OUT" --report
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); node $(node --version)"
echo "wall time: $(($(date +%s) - start)) s"
