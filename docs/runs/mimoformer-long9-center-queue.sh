#!/bin/bash
# Session 11 (2026-11-25): value centering (--center-values: each sequence's mean value is bundled
# out and added back after unbinding, free of crosstalk). The trained ListOps att 4×4 model's values
# were half common component (q, k over 90 %), Text's under 1 %: in superposition that component is
# crosstalk from every other sequence. The same two runs as before, with centering only:
#   1. ListOps att 4×4, as mimoformer-long9-listops-queue.sh (2 heads of 128, 1,000 steps at 1×1,
#      1,000 at 2×2, 1,000 at 4×4);
#   2. Image att 4×4, as the first run of mimoformer-long8-image-queue.sh (2 heads of 128, 3,000
#      steps, 1,500 on the half grid), whose Performer (same size and budget) reached 39.50 %.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue11.times; }
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json"
run() { name=$1; shift; log "$name start"; timeout 5400 node bin/mimo.js train mimoformer "$@" $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; shift; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test "$@" --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf11-listops-att4-hd128-center --task listops --listops-dir runs/listops --variant att --m 4 --n 4 --center-values --curriculum-steps 2000 --curriculum-stages 2 --steps 3000 --eval-every 250
evaluate mf11-listops-att4-hd128-center --listops-dir runs/listops --grids 1x1,2x2,4x4
run mf11-image-att4-hd128-center --task image --variant att --m 4 --n 4 --center-values --curriculum-steps 1500 --steps 3000 --eval-every 500
evaluate mf11-image-att4-hd128-center --grids 1x1,2x2,4x4
log "queue11-center end"
