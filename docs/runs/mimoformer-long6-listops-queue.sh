#!/bin/bash
# Session 8 (2026-11-24): ListOps att 4×4 ("N = 2") at 3,000 steps with a two-stage warm-up:
# 1,000 steps at 1×1 (a Performer whose random features are Ω·diag(a)), 1,000 at 2×2, then
# 1,000 at 4×4. At 1,500 steps neither the 2×2 nor the 1×1 warm-up left the label entropy by its
# end (the Performer took 500–750 steps to start learning); this gives the 1×1 stage 1,000 steps.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue8.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 250 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 5400 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf8-listops-att4-stages2 --task listops --variant att --m 4 --n 4 --curriculum-steps 2000 --curriculum-stages 2 --steps 3000
evaluate mf8-listops-att4-stages2
log "queue8 end"
