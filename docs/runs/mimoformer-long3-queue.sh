#!/bin/bash
# Session 4 (2026-11-24): Text att 8×8 ("N = 4") at the same 3000 steps as the Performer of
# mimoformer-long2-queue.sh, but with half the steps on the half grid (4×4) instead of 500.
# Why: in the 500-step curriculum the 4×4 warm-up had not left chance when 8×8 began, and 8×8
# then stayed at chance until step 1500; the 4×4 model itself needed ~1000 steps to learn.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue5.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 4200 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf5-text-att8-cur1500 --task text --variant att --m 8 --n 8 --curriculum-steps 1500 --steps 3000
log "queue5 end"
