#!/usr/bin/env bash
# The GPU check, run on the device machine (H100/H200, Python PyTorch with CUDA, no Node, no
# network) after `bash scripts/gpu-pack.sh` here:
#   device run: command "bash scripts/gpu-check.sh", carry [".device"], timeout_s 600
# It builds the addon against the machine's own PyTorch (found through python3), then runs, in
# this order (the figures the open issues wait for first): the training-step benchmark
# (scripts/gpu/train-bench.sh, at most CLINSUM_CHECK_TRAIN_CAP_S=260 s), the Qwen2 model check
# (scripts/gpu/model-check.sh: tests on CUDA, the Qwen2.5-0.5B shape beside transformers, at most
# CLINSUM_CHECK_MODEL_CAP_S=200 s), the engine tests on CUDA in float32 and in bfloat16 (each at
# most CLINSUM_CHECK_TESTS_CAP_S=120 s), and
# bench/engine on CUDA (the bf16 matmul TFLOP/s beside PyTorch's own, in the same run).
# CLINSUM_CHECK_DEVICE=cpu runs the same flow without a GPU (to test this script; the training
# benchmark is CUDA-only).
#
# What comes back from $OUT (the device tool returns at most 8 files, 2 folders deep):
#   gpu-check.log          this console output (summaries, the benchmark tables, step times)
#   details.log            the full logs: build, each test run, the training benchmark's sides
#   doctor.json            clinsum doctor --json
#   bench-DEVICE.json      bench/engine figures
#   train-bench.json       the training benchmark: {clinsum, pytorch} figures (CUDA only)
#   bench-model-DEVICE.json  the Qwen2 benchmark figures
#   profiles.tar.gz        Chrome traces of 2 training steps, clinsum's and PyTorch's (CUDA only)
# Every step runs under one deadline (CLINSUM_CHECK_BUDGET_S, default 560 s from the start), so
# the script ends with its summary before the tool's 600 s limit even when a step hangs; a step
# cut short counts as failed. CLINSUM_CHECK_PARTS (default tests,bench,train,model) picks the
# parts after the build, e.g. CLINSUM_CHECK_PARTS=model to rerun only the model check.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
OUT=${OUT:-$root/.device/out}
mkdir -p "$OUT"
device=${CLINSUM_CHECK_DEVICE:-cuda}
py=${PYTHON:-python3}
budget=${CLINSUM_CHECK_BUDGET_S:-560}
parts=",${CLINSUM_CHECK_PARTS:-tests,bench,train,model},"
want() { [[ $parts == *",$1,"* ]]; }
work=$(mktemp -d /tmp/clinsum-check.XXXXXX)
details=$OUT/details.log
: >"$details"
failures=()

step() { printf '\n== %s (%s, %ds in)\n' "$*" "$(date +%T)" "$SECONDS"; }
# Appends finished logs to details.log, each under a header.
keep() { for f in "$@"; do [[ -f $f ]] && { printf '\n===== %s\n' "${f#"$work"/}"; cat "$f"; } >>"$details"; done; return 0; }
# Runs a command with what is left of the budget (exit 124 when it is cut short).
bounded() {
  local left=$((budget - SECONDS))
  if ((left < 15)); then
    echo "gpu-check: out of time (budget ${budget}s) before: $*"
    return 124
  fi
  timeout --kill-after=10 "$left" "$@"
}
# bounded, and at most CAP seconds: a part that hangs leaves time for the parts after it.
capped() {
  local cap=$1 left=$((budget - SECONDS))
  shift
  if ((left < 15)); then
    echo "gpu-check: out of time (budget ${budget}s) before: $*"
    return 124
  fi
  timeout --kill-after=10 "$((cap < left ? cap : left))" "$@"
}

# A test file that fails with no failing test in it died without its report (a crash, an abort,
# the OOM killer): run it alone, outside the test runner, to see how it ended; native-args.test
# also writes each call before making it (CLINSUM_NATIVE_ARGS_TRACE), to name the one that killed it.
rerun_alone() {
  local log=$1 dtype=$2 f code
  for f in $(grep -oE '^✖ /[^ ]+\.test\.js' "$log" | sed 's/^✖ //' | sort -u); do
    echo "gpu-check: $f failed without a report; running it alone"
    CLINSUM_TEST_DEVICE=$device CLINSUM_TEST_DTYPE=$dtype CLINSUM_NATIVE_ARGS_TRACE=$work/trace.txt \
      capped 90 node "$f" >"$work/alone.log" 2>&1
    code=$?
    echo "gpu-check: exit status $code$( ((code > 128 && code != 124)) && echo " (signal $((code - 128)): $(kill -l $((code - 128)) 2>/dev/null))")"
    grep -vE '^(ok|#|  ---|  \.\.\.|    )' "$work/alone.log" | tail -n 15
    [[ -f $work/trace.txt ]] && { echo "last calls:"; tail -n 3 "$work/trace.txt" | cut -c1-300; rm -f "$work/trace.txt"; }
    # The kernel's last words, where it lets us read them (an OOM kill names the process).
    dmesg 2>/dev/null | tail -n 5
    keep "$work/alone.log"
  done
  return 0
}

main() {
  step "machine"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$py" -c 'import sys, torch; print(sys.executable, "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
  echo "cores $(nproc), $(g++ --version | head -n1)"

  step "node"
  [[ -f .device/node.xz ]] || { echo "gpu-check: .device/node.xz missing: run scripts/gpu-pack.sh and carry .device"; return 1; }
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
  if ! bounded bash scripts/gpu/build-addon.sh >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log"
    echo "gpu-check: retrying without CUDA memory statistics and fused kernels (CLINSUM_NO_CUDA_STATS=1 CLINSUM_NO_FUSED_OPTIM=1 CLINSUM_NO_FUSED_RMS_NORM=1)"
    failures+=("build with CUDA memory statistics and fused kernels")
    if ! CLINSUM_NO_CUDA_STATS=1 CLINSUM_NO_FUSED_OPTIM=1 CLINSUM_NO_FUSED_RMS_NORM=1 bounded bash scripts/gpu/build-addon.sh >>"$work/build.log" 2>&1; then
      tail -n 80 "$work/build.log"
      keep "$work/build.log"
      echo "gpu-check: build failed"
      return 1
    fi
  fi
  tail -n 2 "$work/build.log"
  keep "$work/build.log"

  step "doctor"
  node bin/clinsum doctor --json >"$OUT/doctor.json" || failures+=(doctor)
  node bin/clinsum doctor

  export CLINSUM_TEST_CONCURRENCY=${CLINSUM_TEST_CONCURRENCY:-8}

  if want train && [[ $device == cuda ]]; then
    step "bench/train: the Qwen2.5-0.5B training step vs transformers + PyTorch (same run)"
    OUT=$work PYTHON=$py capped "${CLINSUM_CHECK_TRAIN_CAP_S:-260}" bash scripts/gpu/train-bench.sh || failures+=(train-bench)
    keep "$work/train-bench/clinsum.log" "$work/train-bench/pytorch.log"
    if [[ -f $work/train-bench/clinsum.json && -f $work/train-bench/pytorch.json ]]; then
      { printf '{"clinsum": '; cat "$work/train-bench/clinsum.json"; printf ', "pytorch": '; cat "$work/train-bench/pytorch.json"; printf '}\n'; } >"$OUT/train-bench.json"
    fi
    [[ -f $work/train-bench/profiles.tar.gz ]] && cp "$work/train-bench/profiles.tar.gz" "$OUT/"

  fi

  if want model; then
    capped "${CLINSUM_CHECK_MODEL_CAP_S:-200}" bash scripts/gpu/model-check.sh "$device" "$py" "$work" || failures+=(model)
    keep "$work/tests-model-$device.log"
    [[ -f $work/bench-model-$device.json ]] && cp "$work/bench-model-$device.json" "$OUT/"
  fi

  want tests && for dtype in float32 bfloat16; do
    step "engine tests on $device in $dtype"
    local log=$work/tests-$device-$dtype.log
    # native-args.test writes each call before making it: a death under the runner names its call.
    local trace=$work/native-args-$dtype.trace
    if CLINSUM_TEST_DEVICE=$device CLINSUM_TEST_DTYPE=$dtype CLINSUM_NATIVE_ARGS_TRACE=$trace capped "${CLINSUM_CHECK_TESTS_CAP_S:-120}" node scripts/run-tests.mjs src/engine/ >"$log" 2>&1; then
      grep -E '^ℹ (tests|pass|fail|duration)' "$log"
    else
      failures+=("tests $dtype")
      grep -E '^✖|^ℹ (tests|pass|fail)' "$log" | head -n 40
      grep -A 12 '^✖' "$log" | head -n 80
      tail -n 3 "$log"
      [[ -f $trace ]] && { echo "native-args.test under the runner: $(wc -l <"$trace") calls, the last:"; tail -n 3 "$trace" | cut -c1-300; }
      rerun_alone "$log" "$dtype"
    fi
    keep "$log"
  done

  if want bench; then
    step "bench/engine on $device (clinsum vs PyTorch, same run)"
    bounded node dist/bench/engine/engine.js --device "$device" --python "$py" --json "$OUT/bench-$device.json" || failures+=(bench)
  fi

  step "summary"
  if ((${#failures[@]})); then
    echo "gpu-check: FAILED: ${failures[*]}"
    return 1
  fi
  echo "gpu-check: all passed"
}

main 2>&1 | tee "$OUT/gpu-check.log"
status=${PIPESTATUS[0]}
rm -rf "$work"
exit "$status"
