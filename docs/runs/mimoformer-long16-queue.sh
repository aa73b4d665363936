#!/bin/bash
# Session 16 (2026-11-25): finish the value-centred Image att 4x4 run at twice the budget (stopped at
# its step-4000 checkpoint in session 15, mimoformer-long15-queue-d.sh), evaluate it on the test set,
# then train and evaluate the 6,000-step Image Performer for the equal-budget comparison.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue16.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"
name=mf15-image-att4-hd128-center-s6000
log "$name resume start"
timeout 2400 node bin/mimo.js train mimoformer --resume --out runs/$name --json > runs/$name.resume.log 2> runs/$name.resume.err
log "$name resume end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
name=mf16-image-performer-hd128-s6000
log "$name start"
timeout 6000 node bin/mimo.js train mimoformer --task image --variant performer --steps 6000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue16 end"
