#!/bin/bash
# A/B record (2026-11-24): `mimo train mimoformer` throughput (sequences/s over 60 steps, from
# metrics.jsonl) with this tree's addon against a build whose wrap() reports every tensor's full
# storage to V8 (the accounting before commit 5f82ce9), given as $1. Output: gc-accounting-train.txt.
cd "$(dirname "$0")/../.."
OLD=$1
for round in 1 2; do
  for variant in "att --m 8 --n 8" "performer"; do
    for build in old new; do
      out=/tmp/gc-ab-$build; rm -rf $out
      if [ $build = old ]; then export MIMO_NATIVE=$OLD; else unset MIMO_NATIVE; fi
      node bin/mimo.js train mimoformer --task text --variant $variant --steps 60 --eval-every 60 --eval-limit 256 \
        --dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --json --out $out > /dev/null 2>&1
      echo "round $round  ${variant%% *}  $build  $(node -e "const l=require('fs').readFileSync('$out/metrics.jsonl','utf8').trim().split('\n').pop(); const r=JSON.parse(l); console.log(r.sequences_per_s + ' seq/s')")"
    done
  done
done
