#!/bin/bash
# Session 12 (2026-11-25), after the fresh-clone CI run: ListOps att 8×8 with value centering again,
# with more of the same 3,000-step budget at 8×8. The first run (mimoformer-long12-queue.sh, 750
# steps per stage) was still climbing at 8×8 when it ended (dev 24.1 → 26.8 → 27.8 %); here the
# warm-up stages are 600 steps (1×1 → 2×2 → 4×4) and 1,200 steps train at 8×8. Resume with
# `mimo train mimoformer --resume --listops-dir runs/listops --out runs/mf12-listops-att8-hd128-center-c1800 --json`.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue12.times; }
while pgrep -f 'ci-root' > /dev/null; do sleep 15; done
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json"
name=mf12-listops-att8-hd128-center-c1800
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant att --m 8 --n 8 --center-values --curriculum-steps 1800 --curriculum-stages 3 --steps 3000 --eval-every 250 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
