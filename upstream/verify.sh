#!/usr/bin/env bash
# Applies each upstream patch (its src/ part) to a copy of the pinned package, rebuilds that copy's
# dist, and runs our reproductions against it (packages/infrastructure/test/upstream-*.test.ts).
# Both must FAIL, each with its "the upstream fix has landed" message: the patch fixes the bug the
# reproduction shows. Nothing in the repository or in node_modules is changed.
# Usage: bash upstream/verify.sh   (from the repository root, after `pnpm install`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$root/node_modules/.bin:$PATH"
infra="$root/packages/infrastructure"

# copy_patched NAME PACKAGE PATCH: a copy of PACKAGE as infrastructure resolves it, PATCH applied, dist rebuilt
copy_patched() {
  local store="$work/$1/node_modules" pkg resolved
  resolved=$(realpath "$infra/node_modules/$2")
  pkg=$(dirname "$resolved")
  [[ $2 == @*/* ]] && pkg=$(dirname "$pkg")
  mkdir -p "$store"
  # its dependencies, as pnpm laid them out beside it
  (cd "$pkg" && for e in *; do
    if [[ $e == @* ]]; then
      mkdir -p "$store/$e"
      for s in "$e"/*; do ln -s "$(realpath "$s")" "$store/$s"; done
    else ln -s "$(realpath "$e")" "$store/$e"; fi
  done)
  rm "$store/$2"
  cp -rL "$resolved" "$store/$2"
  (cd "$store/$2" && git init -q . && git apply -p3 --include='src/*' "$3")
  cat >"$store/$2/tsconfig.verify.json" <<EOF
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022",
  "rootDir": "src", "outDir": "dist/src", "rewriteRelativeImportExtensions": true, "allowImportingTsExtensions": true,
  "declaration": false, "skipLibCheck": true, "noCheck": true, "types": [] }, "include": ["src/**/*.ts"] }
EOF
  (cd "$store/$2" && tsc -p tsconfig.verify.json)
  echo "$store/$2/dist/src/index.js"
}

gossipsub=$(copy_patched gossipsub @libp2p/gossipsub "$root/upstream/gossipsub-reopen-stream/fix.patch")
libp2p=$(copy_patched libp2p libp2p "$root/upstream/connection-monitor-failures/fix.patch")
cat >"$work/vitest.verify.mjs" <<EOF
export default {
  resolve: { alias: [
    { find: /^@libp2p\/gossipsub\$/, replacement: '$gossipsub' },
    { find: /^libp2p\$/, replacement: '$libp2p' },
  ] },
  test: { include: ['test/upstream-*.test.ts'], environment: 'node', pool: 'forks', testTimeout: 30000 },
}
EOF
out="$work/out.txt"
(cd "$infra" && NO_COLOR=1 vitest run --config "$work/vitest.verify.mjs" --root . >"$out" 2>&1) && {
  cat "$out"
  echo 'FAIL: a reproduction still passes with its patch applied'
  exit 1
}
landed=$(grep -c 'AssertionError: the upstream fix has landed' "$out" || true)
if [[ $landed -ne 2 ]]; then
  cat "$out"
  echo "FAIL: expected both reproductions to fail with their 'fix has landed' message, got $landed"
  exit 1
fi
echo 'OK: with the patches applied, both reproductions report that the fix has landed'
