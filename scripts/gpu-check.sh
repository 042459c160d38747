#!/usr/bin/env bash
# The engine's GPU check, run on the device machine (H100/H200, Python PyTorch with CUDA, no
# Node, no network) after `bash scripts/gpu-pack.sh` here:
#   device run: command "bash scripts/gpu-check.sh", carry [".device"], timeout_s 600
# It builds the addon against the machine's own PyTorch (found through python3), runs the
# engine tests on CUDA in float32 and in bfloat16, and runs bench/engine on CUDA (the bf16
# matmul TFLOP/s beside PyTorch's own, in the same run). Logs and results go to $OUT.
# CLINSUM_CHECK_DEVICE=cpu runs the same flow without a GPU (to test this script).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
OUT=${OUT:-$root/.device/out}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-check.log") 2>&1
device=${CLINSUM_CHECK_DEVICE:-cuda}
py=${PYTHON:-python3}
failures=()
step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

step "machine"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
"$py" -c 'import sys, torch; print(sys.executable, "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
echo "cores $(nproc), $(g++ --version | head -n1)"

step "node"
[[ -f .device/node.xz ]] || { echo "gpu-check: .device/node.xz missing: run scripts/gpu-pack.sh and carry .device"; exit 1; }
mkdir -p /tmp/clinsum-node/bin
if command -v xz >/dev/null; then
  xz -dc .device/node.xz >/tmp/clinsum-node/bin/node
else
  "$py" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(".device/node.xz"), sys.stdout.buffer)' >/tmp/clinsum-node/bin/node
fi
chmod +x /tmp/clinsum-node/bin/node
export PATH=/tmp/clinsum-node/bin:$PATH
node --version
[[ -d dist ]] || cp -R .device/dist dist
[[ -d node_modules ]] || cp -R .device/node_modules node_modules

step "build the addon against python3's torch"
export PYTHON=$py NODE_INCLUDE=$root/.device/node-include/node
if ! bash scripts/gpu/build-addon.sh >"$OUT/build.log" 2>&1; then
  tail -n 60 "$OUT/build.log"
  echo "gpu-check: retrying without CUDA memory statistics (CLINSUM_NO_CUDA_STATS=1)"
  failures+=("build with CUDA memory statistics")
  CLINSUM_NO_CUDA_STATS=1 bash scripts/gpu/build-addon.sh >>"$OUT/build.log" 2>&1 || { tail -n 80 "$OUT/build.log"; echo "gpu-check: build failed"; exit 1; }
fi
tail -n 2 "$OUT/build.log"

step "doctor"
node bin/clinsum doctor --json >"$OUT/doctor.json" || failures+=(doctor)
node bin/clinsum doctor

export CLINSUM_TEST_CONCURRENCY=${CLINSUM_TEST_CONCURRENCY:-4}
for dtype in float32 bfloat16; do
  step "engine tests on $device in $dtype"
  if CLINSUM_TEST_DEVICE=$device CLINSUM_TEST_DTYPE=$dtype node scripts/run-tests.mjs src/engine/ >"$OUT/tests-$device-$dtype.log" 2>&1; then
    grep -E '^ℹ (tests|pass|fail|duration)' "$OUT/tests-$device-$dtype.log"
  else
    failures+=("tests $dtype")
    grep -E '^✖|^ℹ (tests|pass|fail)' "$OUT/tests-$device-$dtype.log" | head -n 40
    grep -A 12 '^✖' "$OUT/tests-$device-$dtype.log" | head -n 80
  fi
done

step "bench/engine on $device (clinsum vs PyTorch, same run)"
node dist/bench/engine/engine.js --device "$device" --python "$py" --json "$OUT/bench-$device.json" || failures+=(bench)
[[ $device == cuda ]] && { step "bench/train: the Qwen2.5-0.5B training step vs transformers + PyTorch (same run)"; OUT=$OUT PYTHON=$py bash scripts/gpu/train-bench.sh || failures+=(train-bench); }
bash scripts/gpu/model-check.sh "$device" "$py" "$OUT" || failures+=(model)

step "summary"
if ((${#failures[@]})); then
  echo "gpu-check: FAILED: ${failures[*]}"
  exit 1
fi
echo "gpu-check: all passed"
