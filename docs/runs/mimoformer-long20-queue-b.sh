#!/bin/bash
# Session 20 (2026-11-26), after mimoformer-long20-queue.sh (Image att 8x8 with Hadamard keys: 28.7 %
# on test, random keys 26.6): how much do these 3,000-step Image runs move from seed to seed? The
# Performer (session 10's command) and the best att 4x4 (session 18's Hadamard-keys command) again
# with seed 1; then the Hadamard 8x8 run with 2,000 of its 3,000 steps at 8x8 instead of 1,500
# (dev was still rising at the end).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue20.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json"

name=mf20-image-performer-hd128-seed1
log "$name start"
node bin/mimo.js train mimoformer --task image --variant performer --steps 3000 --eval-every 500 $common --seed 1 --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"

name=mf20-image-att4-hd128-hadamard-center-seed1
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --keys hadamard --curriculum-steps 1500 --steps 3000 --eval-every 500 $common --seed 1 --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"

name=mf20-image-att8-hd128-hadamard-center-c1000
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1000 --steps 3000 --eval-every 500 $common --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue20-b end"
