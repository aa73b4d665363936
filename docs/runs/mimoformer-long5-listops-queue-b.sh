#!/bin/bash
# Session 6 (2026-11-24): after the 4×4 model stayed at the majority class on ListOps at 1,500 steps,
# the smallest grid with the same recipe (its warm-up grid is 1×1), to see whether superposition
# learns ListOps at all at this budget. Options as in mimoformer-long5-listops-queue.sh.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue7.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 250 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 5400 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf7-listops-att2-cur750 --task listops --variant att --m 2 --n 2 --curriculum-steps 750 --steps 1500
evaluate mf7-listops-att2-cur750
log "queue7b end"
