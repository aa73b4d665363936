#!/bin/bash
# Session 9 (2026-11-24): one set of weights for 1×1, 4×4 and 8×8 on Text at head dimension 128
# (dynamic att, capacity 8×8, each step draws one grid; the first 2,000 steps on half grids), at the
# budget of the static D = 128 runs (4,000 steps of 64), evaluated at every grid on all 25,000
# test reviews.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue9.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --json"
name=mf9-text-att8-dyn-hd128
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task text --variant att --m 8 --n 8 --points 1x1,4x4,8x8 --curriculum-steps 2000 --steps 4000 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
