#!/usr/bin/env bash
# The Qwen2 model's part of the GPU check, called by scripts/gpu-check.sh once Node is on PATH and
# the addon is built against the machine's PyTorch:
#   bash scripts/gpu/model-check.sh DEVICE PYTHON OUT
# 1. bench/model/gpu.js (first: its figures are what the GPU run is for): a Qwen2.5-0.5B-shaped
#    random model in bf16 — training tokens/s and peak memory (plain and activation-checkpointed), greedy generation tokens/s (batch 1 and 8) —
#    beside transformers' Qwen2ForCausalLM on the same machine in the same run;
# 2. the model and generation tests on DEVICE (forward vs a float64 transcription, selective
#    logits, padding, KV cache, checkpointed backward, batched == one-at-a-time, sampling,
#    continuous batching).
# On a CPU (DEVICE=cpu, to test this script) the benchmark runs a tiny shape with small sizes.
# Exits non-zero when a part failed; logs and JSON go to OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
device=${1:-cuda}
py=${2:-python3}
out=${3:-.device/out}
mkdir -p "$out"
failed=()
step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

step "bench/model on $device: Qwen2.5-0.5B shape, clinsum vs transformers (same run)"
if [[ $device == cpu ]]; then
  sizes=(--shape tiny --train-batch 1 --train-seq 64 --steps 2 --gen-batch 1,2 --prompt 16 --new-tokens 8 --gen-rounds 2)
else
  sizes=(--shape qwen2.5-0.5b --train-batch 4 --train-seq 1024 --steps 4 --gen-batch 1,8 --prompt 512 --new-tokens 128 --gen-rounds 2)
fi
node dist/bench/model/gpu.js --device "$device" --python "$py" "${sizes[@]}" --json "$out/bench-model-$device.json" || failed+=("model bench")

step "model tests on $device"
if CLINSUM_TEST_DEVICE=$device node scripts/run-tests.mjs src/models/qwen2/model src/models/generation/ >"$out/tests-model-$device.log" 2>&1; then
  grep -E '^ℹ (tests|pass|fail|duration)' "$out/tests-model-$device.log"
else
  failed+=("model tests")
  grep -E '^✖|^ℹ (tests|pass|fail)' "$out/tests-model-$device.log" | head -n 40
  grep -A 12 '^✖' "$out/tests-model-$device.log" | head -n 80
fi

if ((${#failed[@]})); then
  echo "model-check: FAILED: ${failed[*]}"
  exit 1
fi
echo "model-check: all passed"
