#!/usr/bin/env bash
# The training-step benchmark on the GPU machine (called by scripts/gpu-check.sh after the addon
# is built, with node on PATH): clinsum's optimizer step on the Qwen2.5-0.5B shape in bf16 beside
# transformers + PyTorch on the same weights and batch, in the same run. Results in $OUT/train-bench/;
# the second run of each side also profiles 2 steps (profiles.tar.gz: both Chrome traces).
#   bash scripts/gpu/train-bench.sh            (OUT defaults to .device/out)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/.device/out}
py=${PYTHON:-python3}
dir=$(mktemp -d /tmp/clinsum-train-bench.XXXXXX)
res=$OUT/train-bench
mkdir -p "$res"
trap 'rm -rf "$dir"' EXIT
status=0
node dist/bench/train/gpu.js --write "$dir" || exit 1
# PyTorch first, then clinsum, then PyTorch again: a warm GPU for both, and a check that the figures hold.
"$py" scripts/gpu/train-bench.py --dir "$dir" >"$dir/pytorch-1.json" 2>"$res/pytorch.log" || { tail -n 30 "$res/pytorch.log"; status=1; }
node dist/bench/train/gpu.js --run "$dir" --profile >"$res/clinsum.log" 2>&1 || { tail -n 30 "$res/clinsum.log"; status=1; }
"$py" scripts/gpu/train-bench.py --dir "$dir" --profile >"$dir/pytorch-2.json" 2>>"$res/pytorch.log" || status=1
if ((status == 0)); then
  # Keep each PyTorch variant's faster run.
  "$py" - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
a, b = (json.load(open(f"{d}/pytorch-{i}.json")) for i in (1, 2))
json.dump([min(x, y, key=lambda r: r["msPerStep"]) for x, y in zip(a, b)], open(f"{d}/pytorch.json", "w"), indent=2)
PY
  cp "$dir/batch.json" "$dir/clinsum.json" "$dir/pytorch.json" "$res/"
  node dist/bench/train/gpu.js --report "$dir" | tee "$res/report.md"
fi
traces=$(cd "$dir" && ls clinsum-trace.json pytorch-trace.json 2>/dev/null)
[[ -n $traces ]] && tar -C "$dir" -czf "$res/profiles.tar.gz" $traces
exit $status
