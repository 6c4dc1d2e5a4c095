#!/usr/bin/env bash
# Rebuilds vendor/libp2p-quic-linux-x64-gnu/libp2p-quic.linux-x64-gnu.node: ChainSafe/js-libp2p-quic
# at v2.0.1 (the newest source in reach; 2.1.1, whose JavaScript we pin, has the same native API and
# the same crate versions) with fix.patch applied, built with `cargo build --release --locked`
# (Rust 1.95.0 here). Needs cargo and crates.io; takes about two minutes on 2 cores.
# Usage: bash upstream/quic-one-completion-channel/build.sh [SOURCE]
#   SOURCE: a git checkout of ChainSafe/js-libp2p-quic holding the commit below (cloned if not given)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
commit=2040258130e6a408575a9aa98d69d58798ee51c5 # v2.0.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source=${1:-}
if [[ -z $source ]]; then
  git clone -q https://github.com/ChainSafe/js-libp2p-quic "$work/clone"
  source=$work/clone
fi
mkdir "$work/build"
git -C "$source" archive --format=tar "$commit" | tar -x -C "$work/build"
(cd "$work/build" && git init -q && git apply "$here/fix.patch" && cargo build --release --locked)
out=$root/vendor/libp2p-quic-linux-x64-gnu/libp2p-quic.linux-x64-gnu.node
cp "$work/build/target/release/libchainsafe_libp2p_quic.so" "$out"
sha256sum "$out"
echo "now: pnpm install (the workspace's override links the vendored package), then run"
echo "     packages/infrastructure/test/quic-completions.test.ts"
