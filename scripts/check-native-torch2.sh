#!/usr/bin/env bash
# Compiles the addon's sources (syntax and types only, no object files) against PyTorch 2.x
# headers, with the CUDA-only code paths switched on. The normal build uses Debian 12's libtorch
# 1.13, so the `CLINSUM_TORCH_AT_LEAST(2, …)` and `CLINSUM_WITH_CUDA` branches (fused AdamW,
# foreach clipping, SDPA's scale, the 2.4+ autocast API, at::rms_norm for the fused RMSNorm of 2.8+:
# CLINSUM_FUSED_RMS_NORM is forced on, 2.6 has the call but not the fused kernel) would otherwise compile first on the GPU
# machine, where a mistake costs a lease. The headers come from Debian 13 (trixie)'s
# libtorch-dev (PyTorch 2.6 there), fetched with apt into build/torch2/ and kept for later runs.
#   bash scripts/check-native-torch2.sh          (CI runs it after the setup)
# Environment: TORCH2_INCLUDE=DIR uses headers already on disk (a folder holding ATen/, c10/, torch/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/build/torch2

fail() { echo "check-native-torch2: $*" >&2; exit 1; }

if [[ -n "${TORCH2_INCLUDE:-}" ]]; then
  inc=$TORCH2_INCLUDE
else
  inc=$cache/root/usr/include
  if [[ ! -f $inc/ATen/ATen.h ]]; then
    mkdir -p "$cache/lists/partial" "$cache/archives/partial" "$cache/debs"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$cache/sources.list"
    apt=(-o "Dir::Etc::SourceList=$cache/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache" -o "Dir::Cache::archives=$cache/archives"
      -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o Acquire::Retries=3)
    echo "check-native-torch2: fetching Debian trixie's libtorch-dev (headers only)"
    apt-get "${apt[@]}" update -qq >"$cache/apt.log" 2>&1 || { cat "$cache/apt.log" >&2; fail "apt-get update of trixie failed (see above)"; }
    (cd "$cache/debs" && apt-get "${apt[@]}" download libtorch-dev >>"$cache/apt.log" 2>&1) || { cat "$cache/apt.log" >&2; fail "apt-get download libtorch-dev failed"; }
    rm -rf "$cache/root"
    dpkg-deb -x "$cache"/debs/libtorch-dev_*.deb "$cache/root"
  fi
fi
[[ -f $inc/ATen/ATen.h && -f $inc/torch/csrc/api/include/torch/version.h ]] || fail "no PyTorch headers in $inc (ATen/ATen.h and torch/csrc/api/include/torch/version.h)"
version=$(sed -nE 's/^#define TORCH_VERSION_(MAJOR|MINOR) ([0-9]+)/\2/p' "$inc/torch/csrc/api/include/torch/version.h" | paste -sd.)
[[ ${version%%.*} -ge 2 ]] || fail "the headers in $inc are PyTorch $version, not 2.x"

node_include=$(dirname "$(dirname "$(command -v node)")")/include/node
[[ -f $node_include/node_api.h ]] || fail "no node_api.h in $node_include"
napi_include=$(node -p "require('node-addon-api').include_dir")

flags=(-std=c++20 -fsyntax-only -fexceptions -frtti -pthread -Wno-deprecated-declarations
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION
  -D_GLIBCXX_USE_CXX11_ABI=1 -DCLINSUM_TORCH_METHOD=python -DCLINSUM_WITH_CUDA=1 -DCLINSUM_FUSED_RMS_NORM=1
  "-I$node_include" "-I$napi_include" "-I$inc" "-I$inc/torch/csrc/api/include")
start=$(date +%s)
pids=()
logs=()
for src in native/*.cc; do
  log=$cache/$(basename "$src" .cc).log
  mkdir -p "$cache"
  "${CXX:-g++}" "${flags[@]}" "$src" >"$log" 2>&1 &
  pids+=($!)
  logs+=("$log")
done
status=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    status=1
    grep -E 'error|note: ' "${logs[$i]}" | head -n 20 >&2
  fi
done
((status == 0)) || fail "the addon does not compile against PyTorch $version's headers (with CUDA paths on)"
echo "check-native-torch2: native/*.cc compile against PyTorch $version's headers with the CUDA paths on ($(( $(date +%s) - start ))s)"
