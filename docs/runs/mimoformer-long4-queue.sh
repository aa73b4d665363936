#!/bin/bash
# Session 5 (2026-11-24): Text at 4,000 steps for both models. At 3,000 steps the 8×8 model with half
# the budget on the half grid was 2.39 points behind the Performer and still rising (dev 59.2 → 59.6
# over its last 500 steps), and the two-stage warm-up did no better: the steps at 8×8 looked like
# the limit. Same options as mimoformer-long3-queue.sh; the Performer rerun at the same 4,000 steps.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue6.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 5400 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf6-text-att8-cur2000 --task text --variant att --m 8 --n 8 --curriculum-steps 2000 --steps 4000
evaluate mf6-text-att8-cur2000
run mf6-text-performer --task text --variant performer --steps 4000
evaluate mf6-text-performer
log "queue6 end"
