#!/bin/bash
# Session 11 (2026-11-25): ListOps at 2 heads of 128, a dynamic att model trained on 2×2 and 4×4
# together (each step draws one grid; the first 1,000 steps draw from their halves, 1×1 and 2×2).
# The staged run (mimoformer-long9-listops-queue.sh) learned at 1×1 and 2×2 and fell back to the
# label entropy within 250 steps of switching to 4×4; here the 2×2 steps keep training the features
# that the 4×4 steps must learn to read through crosstalk. Starts when that queue has ended.
cd /work/main
while pgrep -f mimoformer-long9-listops-queue.sh > /dev/null; do sleep 10; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue11.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 250 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 9000 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; shift; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops "$@" --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf11-listops-att-dyn24-hd128 --task listops --variant att --m 4 --n 4 --points 2x2,4x4 --curriculum-steps 1000 --steps 3000
evaluate mf11-listops-att-dyn24-hd128 --grids 1x1,2x2,4x4
log "queue11-b end"
