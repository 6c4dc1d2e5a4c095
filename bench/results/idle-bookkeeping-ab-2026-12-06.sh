#!/bin/bash
# usage: idle-bookkeeping-ab-2026-12-06.sh <label> <testnet-dist-dir> <outdir> <nodes> <idle>
# Runs the testnet from a copy of apps/testnet/dist (a build before or after a change), measures
# idle CPU over 60 s from idle+225 s and CPU while publishing, from /proc of the host processes.
set -u
label=$1; dist=$2; out=$3; N=$4; IDLE=$5
export PATH=/work/main/node_modules/.bin:$PATH
rm -rf /work/main/apps/testnet/dist && cp -a $dist /work/main/apps/testnet/dist
source "$(dirname "$0")/testnet-ab-measure.sh"
