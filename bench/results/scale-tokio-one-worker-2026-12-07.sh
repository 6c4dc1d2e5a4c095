#!/bin/bash
# 100-node in-process testnet, alternated: TOKIO_WORKER_THREADS=2 (the runtime's default on 2 cores) and the
# NODE_PROCESS_ENV default (1). Whole-run CPU of the process tree from /usr/bin/time.
out=$1; pairs=${2:-3}; N=${N:-100}
mkdir -p $out
export PATH=/work/main/node_modules/.bin:$PATH
for i in $(seq $pairs); do
  for v in two one; do
    if [ $v = two ]; then export TOKIO_WORKER_THREADS=2; else unset TOKIO_WORKER_THREADS; fi
    /usr/bin/time -f "%e %U %S" -o $out/$v-$i.time timeout 600 node /work/main/apps/testnet/dist/cli.js --nodes $N --duration 20 --idle 60 --rate $(python3 -c "print(round(1/$N,4))") --topics 1 --transport quic --timings production --start-batch 25 --intruders 0 --plain --json $out/$v-$i.json > $out/$v-$i.txt 2>&1
    echo "$v $i rc=$? $(cat $out/$v-$i.time) $(grep -o 'mesh formed in [0-9]* ms' $out/$v-$i.txt) $(grep -o 'total: .*' $out/$v-$i.txt | cut -c1-160)"
  done
done
