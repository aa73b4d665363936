#!/bin/bash
# Session 11 (2026-11-25): ListOps att 4×4 ("N = 2") at head dimension 128, the width that met both
# Text targets, with session 8's two-stage warm-up (1,000 steps at 1×1, 1,000 at 2×2, 1,000 at 4×4).
# At D = 64 the switch to 4×4 threw the model back to the label entropy.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue11.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 250 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 9000 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; shift; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops "$@" --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf11-listops-att4-hd128 --task listops --variant att --m 4 --n 4 --curriculum-steps 2000 --curriculum-stages 2 --steps 3000
evaluate mf11-listops-att4-hd128 --grids 1x1,2x2,4x4
log "queue11 end"
