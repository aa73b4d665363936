#!/bin/bash
# Session 11 (2026-11-25): after the centred ListOps run. Its interference probe showed why centering
# works: untrained, the centred 4×4 output crosstalk is 0.48 against 3.56 without (each sequence's own
# mean value, coherent over positions, was the crosstalk), so Image, whose values share little across
# sequences, may gain too. The Image run of mimoformer-long9-center-queue.sh first (its Performer,
# same size and budget: 39.50 %), then the ListOps Performer at the same size as the centred att
# model, killed at the session's end if it has not finished (`--resume` continues from its last
# checkpoint, every 250 steps).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue11.times; }
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json"
name=mf11-image-att4-hd128-center
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --curriculum-steps 1500 --steps 3000 --eval-every 500 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
name=mf11-listops-performer-hd128
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant performer --steps 3000 --eval-every 250 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
