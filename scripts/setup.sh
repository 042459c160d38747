#!/usr/bin/env bash
# Sets clinsum up on a fresh Debian 12 (bookworm) machine: the system packages it needs
# (libtorch, OpenBLAS, Chromium for the browser tests), then `npm ci`, which builds the native
# addon (node-gyp) and the TypeScript (tsc).
#   bash scripts/setup.sh            # what the tests and the demo need
#   bash scripts/setup.sh --bench    # also Python PyTorch and NLTK, the references of bench/
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(libtorch-dev libopenblas0-pthread chromium g++ make python3)
if [[ "${1:-}" == "--bench" ]]; then pkgs+=(python3-torch python3-nltk); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
  echo "setup: installing ${missing[*]} with apt"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# OpenBLAS with pthreads: libtorch's CPU matmuls are ~15x slower on the reference BLAS.
if command -v update-alternatives >/dev/null; then
  alt=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -n1 || true)
  if [[ -n "$alt" ]]; then ${SUDO:-} update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt" >/dev/null 2>&1 || true; fi
fi

npm ci --no-audit --no-fund
echo "setup: done ($(./bin/clinsum --version 2>/dev/null || echo 'clinsum built'))"
