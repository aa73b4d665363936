#!/bin/bash
# Session 17 (2026-11-25): the random-feature count R on LRA Image. Every Image run so far used
# R = 64 features at head dimension D = 128 (the reference: R = 256 at D = 64). With orthogonal
# features and R < D, φ(q)ᵀφ(k) sees q and k only through an R-dimensional projection, and in
# superposition each grid cell's projection Ω·diag(a_mn) is a different one, so the crosstalk may be
# bounded by min(R, D) rather than D (which would explain why D = 256 did nothing). Train the
# value-centred att 4x4 and the Performer at R = 256 (D = 128), equal budget, evaluate on test,
# probe the att model.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue17.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 256 --batch 64 --lr 1e-3"
name=mf17-image-att4-hd128-r256-center
log "$name start"
timeout 3600 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
timeout 600 node bin/mimo.js interference --model runs/$name/model.safetensors --grids 2x2,4x4 --sequences 64 --positions 128 --json > runs/$name.interference.json 2> runs/$name.interference.err
log "$name interference end rc=$?"
name=mf17-image-performer-hd128-r256
log "$name start"
timeout 4800 node bin/mimo.js train mimoformer --task image --variant performer --steps 3000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue17 end"
