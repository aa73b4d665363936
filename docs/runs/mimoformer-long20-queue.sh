#!/bin/bash
# Session 20 (2026-11-26): Walsh-Hadamard keys at the Image "N = 4" grid. Session 12's value-centred
# Image att 8x8 command (1,500 warm-up steps at 4x4, then 1,500 at 8x8; 26.6 % on test) with only
# `--keys hadamard` added: on ListOps the same change moved att 8x8 from 29.4 to 35.1 %. Then its
# test evaluation at 4x4 and 8x8 on the 10,000 CIFAR-10 test images.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue20.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"

name=mf20-image-att8-hd128-hadamard-center
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue20 end"
