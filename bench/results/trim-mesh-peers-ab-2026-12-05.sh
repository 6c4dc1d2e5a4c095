#!/bin/bash
# The A/B of bench/results/trim-mesh-peers-100-nodes-2026-12-05.md: /tmp/tn-old and /tmp/tn-new are
# copies of apps/testnet/dist built at e98b5d2 and at the trimmer change (6f60caa).
# old: young connections counted towards the excess; new: mesh peers never closed to make room for them
export PATH=/work/main/node_modules/.bin:$PATH
IDLE=${IDLE:-30}
for pair in 1 2 3; do
  for b in old new; do
    out=/tmp/ab-trim/$b-$pair
    node /tmp/tn-$b/cli.js --nodes 100 --intruders 2 --transport quic --topics 1 --duration 10 --rate 0.1 --size 16 --degree 12-24 --plain --json $out.json > $out.log 2>&1
    echo "$b $pair rc=$? $(grep -E '^phase "steady"' $out.log | sed 's/.*published, //') | $(grep -o 'longest above 24: [0-9.]* s' $out.log) | $(grep -o 'meshFormedMs.:[0-9]*' $out.log) | $(grep -o 'peers per node min/median/max [0-9/]*' $out.log | tail -1)"
  done
done
