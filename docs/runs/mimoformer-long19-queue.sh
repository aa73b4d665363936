#!/bin/bash
# Session 19 (2026-11-26): (1) Walsh-Hadamard keys at the ListOps "N = 4" grid: the value-centred
# att 8x8 of session 12 (random keys, 29.4 % test at 8x8 after 3,000 steps) retrained with
# --keys hadamard, everything else equal. (2) Run-to-run variance of the 3,000-step Image runs: the
# Hadamard att 4x4 (33.17 %, seed 0) and the Performer (39.50 %, seed 0) again with seed 1.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue19.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"

name=mf19-listops-att8-hd128-hadamard-center-c1800
log "$name start"
timeout 4200 node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1800 --curriculum-stages 3 --steps 3000 --eval-every 250 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"

name=mf19-image-att4-hd128-hadamard-center-seed1
log "$name start"
timeout 4200 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --keys hadamard --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000 $common --seed 1 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"

name=mf19-image-performer-hd128-seed1
log "$name start"
timeout 3600 node bin/mimo.js train mimoformer --task image --variant performer --steps 3000 --eval-every 500 --eval-limit 1000 $common --seed 1 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue19 end"
