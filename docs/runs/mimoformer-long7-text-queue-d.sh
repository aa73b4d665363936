#!/bin/bash
# Session 10 (2026-11-25): a second seed of the Text att 8×8 model at D = 128 (session 9 passed the
# N = 4 target by 0.32 points, less than one standard error of the difference). Same command as
# mimoformer-long7-text-queue.sh with --seed 1 (keys, random features, initialisation, data order).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue10.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --json"
name=mf10-text-att8-hd128-seed1
log "$name start"
timeout 2400 node bin/mimo.js train mimoformer --task text --variant att --m 8 --n 8 --curriculum-steps 2000 --steps 4000 --seed 1 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
