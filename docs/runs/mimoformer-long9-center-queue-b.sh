#!/bin/bash
# Session 11 (2026-11-25): replaced the second half of mimoformer-long9-center-queue.sh (stopped
# while its ListOps run trained): the evaluation of the centred ListOps att 4×4 model, then the
# equal-budget Performer at the same size. The Performer was stopped before its first checkpoint to
# run Image first (mimoformer-long9-center-queue-c.sh, which then starts it again).
cd /work/main
while pgrep -f "out runs/mf11-listops-att4-hd128-center$" > /dev/null; do sleep 10; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue11.times; }
log "mf11-listops-att4-hd128-center end (queue-b)"
log "mf11-listops-att4-hd128-center eval start"
node bin/mimo.js eval runs/mf11-listops-att4-hd128-center/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4 --json > runs/mf11-listops-att4-hd128-center.eval-test.json 2> runs/mf11-listops-att4-hd128-center.eval-test.err
log "mf11-listops-att4-hd128-center eval end rc=$?"
name=mf11-listops-performer-hd128
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant performer --steps 3000 --eval-every 250 --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
