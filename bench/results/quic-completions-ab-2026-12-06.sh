#!/bin/bash
# usage: run.sh <label> <node-binary> <outdir> <nodes> <idle>
set -u
label=$1; bin=$2; out=$3; N=$4; IDLE=$5
export PATH=/work/main/node_modules/.bin:$PATH
B=/work/main/node_modules/.pnpm/@chainsafe+libp2p-quic-linux-x64-gnu@2.1.1/node_modules/@chainsafe/libp2p-quic-linux-x64-gnu/libp2p-quic.linux-x64-gnu.node
cp --remove-destination $bin $B; cp --remove-destination $bin /work/main/apps/testnet/dist/libp2p-quic.linux-x64-gnu.node
source "$(dirname "$0")/testnet-ab-measure.sh"
