#!/usr/bin/env bash
# Full-width CPnet training step (batch 8 × 224²) and inference (1024²) side by side: PyTorch CPU
# (Omnipose 1.0.6's CPnet and loss, 2 threads), onnxruntime-node, tfjs wasm and tfjs cpu.
# Writes every runtime's JSON, logs, load.txt (uptime before and after each part) and summary.md
# (the ratio table, bench/train/summarize.ts) into $OUT.
#
#   bench/train/run.sh                       # OUT=bench/out/train/<UTC stamp>
#   REPEATS=3 PYTHON=/path/to/python bench/train/run.sh
#   PARTS="torch onnx" bench/train/run.sh    # a subset: torch onnx wasm cpu
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench/out/train/$(date -u +%Y%m%dT%H%M%SZ)}
PY=${PYTHON:-/work/refvenv/bin/python}
REPEATS=${REPEATS:-2}
PARTS=${PARTS:-torch onnx wasm cpu}
mkdir -p "$OUT"
load() { echo "$(date -u +%T) $1: $(uptime | sed 's/.*load/load/')" >> "$OUT/load.txt"; }
has() { [[ " $PARTS " == *" $1 "* ]]; }
{ echo "node $(node --version), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"; } > "$OUT/machine.txt"
load start
if has torch; then
  OMP_NUM_THREADS=2 "$PY" bench/train/torch_bench.py --repeats "$REPEATS" > "$OUT/torch.json" 2> "$OUT/torch.log"
  load "after PyTorch"
fi
if has onnx; then
  npx tsx bench/train/onnx-infer.ts 1024 "$REPEATS" --no-tfjs --out "$OUT/onnx.json" > "$OUT/onnx.md" 2> "$OUT/onnx.log"
  load "after onnxruntime-node"
fi
if has wasm; then
  # micro-batch size chosen as the trainer does (1 at 224² for the full network: 2.7 GiB of heap);
  # TFJS_WARMUP=0 times the first step (its first micro-batch also sets up the XNNPACK operators)
  npx tsx bench/train/step.ts --backend wasm --batch 8 --side 224 --micro auto --infer-side 1024 \
    --infer-mode lean --repeats 1 --warmup "${TFJS_WARMUP:-1}" --skip loss --out "$OUT/wasm.json" 2> "$OUT/wasm.log"
  load "after tfjs wasm"
fi
if has cpu; then
  # one step of one patch, and inference at 256² (the batch of 8 and 1024² would take hours on
  # this shared 2-core machine); summarize.ts scales both (×8 patches, ×16 pixels), marked ≈
  npx tsx bench/train/step.ts --backend cpu --batch 1 --side 224 --micro 1 --infer-side "${CPU_INFER_SIDE:-256}" \
    --infer-mode lean --repeats 1 --warmup 0 --skip loss --out "$OUT/cpu.json" 2> "$OUT/cpu.log"
  load "after tfjs cpu"
fi
npx tsx bench/train/summarize.ts "$OUT" | tee "$OUT/summary.md"
