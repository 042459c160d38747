#!/usr/bin/env bash
# Builds build/Release/clinsum_native.node with g++ directly — the same sources and the flags
# that native/find-libtorch.mjs picks for binding.gyp — for machines that have a compiler and a
# libtorch but no node-gyp or network (the GPU check). The normal build is `npm run build:native`.
# Environment: NODE_INCLUDE (folder with node_api.h; default: next to the running node),
# LIBTORCH/TORCH_ROOT/PYTHON/CLINSUM_TORCH_SEARCH/CLINSUM_NO_CUDA_STATS/CLINSUM_NO_FUSED_OPTIM/CLINSUM_NO_FUSED_RMS_NORM as for find-libtorch.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
node_include=${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}
[[ -f "$node_include/node_api.h" ]] || { echo "build-addon: no node_api.h in $node_include (set NODE_INCLUDE)" >&2; exit 1; }
napi_include=$(node -p "require('node-addon-api').include_dir")
cxx=${CXX:-g++}

mkdir -p build/Release build/obj
rm -f build/libtorch.json
read -r -a incs <<<"$(node native/find-libtorch.mjs --include-dirs)"
read -r -a defs <<<"$(node native/find-libtorch.mjs --defines)"
read -r -a libs <<<"$(node native/find-libtorch.mjs --libraries)"
node native/find-libtorch.mjs --json

flags=(-std=c++20 -O2 -fPIC -fexceptions -frtti -pthread -Wno-deprecated-declarations
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION
  "-I$node_include" "-I$napi_include")
for d in "${defs[@]}"; do flags+=("-D$d"); done
for i in "${incs[@]}"; do flags+=("-I$i"); done

start=$(date +%s)
pids=()
for src in native/*.cc; do
  "$cxx" "${flags[@]}" -c "$src" -o "build/obj/$(basename "$src" .cc).o" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[[ $status -eq 0 ]] || { echo "build-addon: compilation failed" >&2; exit 1; }
"$cxx" -shared -pthread -rdynamic -o build/Release/clinsum_native.node build/obj/*.o "${libs[@]}" -ldl
echo "build-addon: built build/Release/clinsum_native.node in $(( $(date +%s) - start ))s"
