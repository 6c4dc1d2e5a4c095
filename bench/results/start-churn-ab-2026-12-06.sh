#!/bin/bash
# usage: start-churn-ab-2026-12-06.sh <before-dist> <after-dist> <outdir> [nodes] [idle]
# Before/after of the start's churn (peer exchange up to connectionLimits.low; provide's walk timeout):
# four testnets in the order before, after, after, before, each measured by
# idle-bookkeeping-ab-2026-12-06.sh (the testnet run from a copy of apps/testnet/dist, then
# testnet-ab-measure.sh); one line per run in <outdir>/summary.txt, with connections opened per node.
set -u
before=$1; after=$2; out=$3; N=${4:-250}; IDLE=${5:-180}
mkdir -p "$out"
run="$(dirname "$0")/idle-bookkeeping-ab-2026-12-06.sh"
for label in before-1 after-1 after-2 before-2; do
  case $label in before*) dist=$before ;; *) dist=$after ;; esac
  "$run" "$label" "$dist" "$out" "$N" "$IDLE"
done
