#!/bin/bash
# Session 12 (2026-11-25): after the ListOps Performer at D = 128 (resumed from its step-1750
# checkpoint: `mimo train mimoformer --resume --listops-dir runs/listops --out
# runs/mf11-listops-performer-hd128 --json`), its test evaluation, then the "N = 4" grids with value
# centering: Image att 8×8 (as session 10's plain 8×8 run: 1,500 warm-up steps at 4×4) and ListOps
# att 8×8 (three-stage warm-up 1×1 → 2×2 → 4×4 → 8×8, 750 steps each: ListOps learns at 1×1 first).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue12.times; }
while pgrep -f 'mf11-listops-performer-hd128 --json$' > /dev/null; do sleep 20; done
name=mf11-listops-performer-hd128
log "$name resumed run end"
node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json"
name=mf12-image-att8-hd128-center
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --curriculum-steps 1500 --steps 3000 --eval-every 500 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
name=mf12-listops-att8-hd128-center
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant att --m 8 --n 8 --center-values --curriculum-steps 2250 --curriculum-stages 3 --steps 3000 --eval-every 250 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
