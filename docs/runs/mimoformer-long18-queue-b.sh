#!/bin/bash
# Session 18: what the crosstalk-free subspace of Hadamard keys can carry. At 4x4 with D = 128 it is
# 128/16 = 8 dimensions per head, so an att model confined to it is a Performer with 2 heads of 8.
# Train that Performer at equal budget (3,000 steps of 64, R = 64) and evaluate it on test.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue18.times; }
name=mf18-image-performer-hd8
log "$name start"
timeout 3600 node bin/mimo.js train mimoformer --task image --variant performer --steps 3000 --eval-every 500 --eval-limit 1000 --dim 64 --ffn 128 --heads 2 --head-dim 8 --features 64 --batch 64 --lr 1e-3 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue18-b end"
