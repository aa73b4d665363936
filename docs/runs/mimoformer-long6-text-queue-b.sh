#!/bin/bash
# Session 8 (2026-11-24): Text att 8×8 ("N = 4") at twice the peak learning rate (2e-3). Dropout 0
# changed nothing (59.35 % against 59.48 %); the 8×8 model still underfits, so this tries a larger
# step size at the same budget (4,000 steps of 64, the first 2,000 on the half grid, dropout 0.1).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue8.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --eval-every 500 --eval-limit 4000 --json"
name=mf8-text-att8-cur2000-lr2e-3
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task text --variant att --m 8 --n 8 --curriculum-steps 2000 --steps 4000 --lr 2e-3 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
