#!/bin/bash
# Session 17: the reference's head layout on LRA Image, 12 heads of 64 (H·D = 12·d = 768; R = 64 = D,
# so every direction of a head is seen), value-centred att 4x4, the budget of the other Image runs.
# Only the att model fits in this session; the equal-size Performer is left for later.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue17.times; }
name=mf17-image-att4-h12-hd64-center
log "$name start"
timeout 3000 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000 --dim 64 --ffn 128 --heads 12 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 900 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
