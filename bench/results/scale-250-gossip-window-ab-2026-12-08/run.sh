#!/bin/bash
# alternated scale bench at one size, default gossip vs DEPIN_X_GOSSIP variant
size=$1; rate=$2; pairs=$3; variant=$4; out=$5
export PATH=/work/main/node_modules/.bin:$PATH
cd /work/main/tooling/bench
for i in $(seq $pairs); do
  for v in A B; do
    if [ $v = A ]; then unset DEPIN_X_GOSSIP; else export DEPIN_X_GOSSIP="$variant"; fi
    node dist/cli.js --only scale --scale-sizes $size --scale-rate $rate --out $out/$v-$i > $out/$v-$i.log 2>&1
    echo "$v-$i done $(date +%T)" >> $out/progress
  done
done
echo ALLDONE >> $out/progress
