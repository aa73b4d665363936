#!/bin/bash
# Longer MIMOFormer runs, session 3 (2026-11-24): Text at 3000 steps (is the 2.7-point gap of the
# 1200-step runs closing?) and Image on the 2×2 grid (accuracy against grid size). Same model and
# optimiser settings as mimoformer-long-queue.sh; larger dev subsets (4000 sequences).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue4.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 4200 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf4-text-att4 --task text --variant att --m 4 --n 4 --curriculum-steps 500 --steps 3000
run mf4-text-performer --task text --variant performer --steps 3000
# (dropped for time: image att 2x2)                                                          
log "queue4 end"
