#!/bin/bash
# Session 10 (2026-11-25), after mimoformer-long8-image-queue.sh: does the attention width H·D help the
# Image att 4×4 model? The same run with 4 heads of 128 instead of 2 (the reference's Image model has
# 12 heads of 64). A probe of direction, not an equal-size comparison: its Performer partner (4 heads,
# ~58 sequences/s here, ~55 min) does not fit this session.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue10.times; }
COMMON="--dim 64 --ffn 128 --heads 4 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 1000 --json"
name=mf10-image-att4-h4-hd128
log "$name start"
timeout 3600 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --curriculum-steps 1500 --steps 3000 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
