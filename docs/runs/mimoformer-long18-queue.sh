#!/bin/bash
# Session 18 (2026-11-25): Walsh–Hadamard attention keys on LRA Image. With Rademacher keys every
# product a_mn⊙a_m'n' is a fresh random sign vector, so no direction of a head is free of crosstalk
# and no training can avoid it. With Hadamard keys (rows m·N'+n of the Sylvester matrix times one
# random sign vector) every product is one of the Hadamard rows 1..15, which vanish on vectors that
# are constant over aligned blocks of 16 coordinates: an 8-dimensional subspace per head of 128 in
# which scores and values do not interfere at all. Train the value-centred att 4x4 with them, as the
# session-11 run with random keys (32.01 % test), evaluate on test, probe it.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue18.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"
name=mf18-image-att4-hd128-hadamard-center
log "$name start"
timeout 3600 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --keys hadamard --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
timeout 600 node bin/mimo.js interference --model runs/$name/model.safetensors --grids 2x2,4x4 --sequences 64 --positions 128 --json > runs/$name.interference.json 2> runs/$name.interference.err
log "$name interference end rc=$?"
log "queue18 end"
