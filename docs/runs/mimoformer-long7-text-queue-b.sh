#!/bin/bash
# Session 9 (2026-11-24): Text att 4×4 ("N = 2") at head dimension 128 and 4,000 steps, so that both
# Text operating points are measured in one configuration against the D = 128 Performer of
# mimoformer-long7-text-queue.sh (same options; the first 2,000 steps on the half grid, as the 8×8 run).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue9.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --json"
name=mf9-text-att4-hd128
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task text --variant att --m 4 --n 4 --curriculum-steps 2000 --steps 4000 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
