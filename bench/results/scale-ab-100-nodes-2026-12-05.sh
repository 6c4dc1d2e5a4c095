#!/bin/bash
# The 100-node whole-run CPU A/B of scale-ab-100-nodes-2026-12-05.md: alternates the build in
# /tmp/wt-before (git worktree add /tmp/wt-before <rev>; pnpm install; turbo build) and /work/main.
# usage: ab100.sh OUTDIR pairs ; alternates before (/tmp/wt-before) and after (/work/main)
out=$1; pairs=${2:-3}; N=${N:-100}
mkdir -p $out
export PATH=/work/main/node_modules/.bin:$PATH
for i in $(seq $pairs); do
  for v in before after; do
    if [ $v = before ]; then root=/tmp/wt-before; else root=/work/main; fi
    /usr/bin/time -f "%e %U %S" -o $out/$v-$i.time timeout 600 node $root/apps/testnet/dist/cli.js --nodes $N --duration 20 --idle 60 --rate $(python3 -c "print(round(1/$N,4))") --topics 1 --transport quic --timings production --start-batch 25 --intruders 0 --plain --json $out/$v-$i.json > $out/$v-$i.txt 2>&1
    echo "$v $i rc=$? $(cat $out/$v-$i.time) $(grep -o 'mesh formed in [0-9]* ms' $out/$v-$i.txt) $(grep -o 'total: .*' $out/$v-$i.txt | cut -c1-120)"
  done
done
