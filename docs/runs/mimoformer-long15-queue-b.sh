#!/bin/bash
# Session 15: replaces the second run of mimoformer-long15-queue.sh (stopped at 14:25 UTC while its
# first training went on). The 6,000-step ListOps Performer would not end within the session (about
# 100 min after 15:30 UTC) and could not turn "not met" into "met" for ListOps att 8x8 (31.9 % at
# 6,000 steps against 36.6 % for the 3,000-step Performer). Instead: does a longer budget close the
# Image gap? The value-centred att 4x4 of mf11-image-att4-hd128-center (32.01 % at 3,000 steps, 1,500
# of them warm-up) with the same warm-up and twice the steps (4,500 at 4x4).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue15.times; }
while pgrep -f 'mf15-listops-uniform-hd128$' > /dev/null; do sleep 15; done
log "mf15-listops-uniform-hd128 end (seen by queue-b)"
name=mf15-listops-uniform-hd128
node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
name=mf15-image-att4-hd128-center-s6000
log "$name start"
timeout 7200 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --curriculum-steps 1500 --steps 6000 --eval-every 500 --eval-limit 1000 --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue15-b end"
# What happened: stopped at 14:28 UTC while still waiting for the ListOps training, before running
# anything; mimoformer-long15-queue-c.sh runs the ListOps length-grouping runs instead (the Image run
# is left for a later session).
