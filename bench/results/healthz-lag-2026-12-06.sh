#!/bin/bash
# healthz-lag-2026-12-06.sh RUNLOG OUT: every 20 s, /healthz response time of one node per 25 (one per worker thread)
log=$1; out=$2; : > $out
start=$(date +%s)
while sleep 20; do
  grep -q "^rc " $log && break
  line="$(( $(date +%s) - start ))"
  for i in 0 10 35 60 110 160 210 260 310 360 410 435 460 485; do
    url=$(grep -m1 "node $i (" $log | grep -o 'http://[^ ]*' | sed 's/metrics$/healthz/')
    [ -z "$url" ] && continue
    t=$(curl -s -m 30 -o /dev/null -w "%{time_total}" $url 2>/dev/null || echo 30)
    line="$line $i:$t"
  done
  echo "$line" >> $out
done
