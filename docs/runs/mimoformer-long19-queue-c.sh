#!/bin/bash
# Session 19: queue-b's wait ended at once (the first ListOps run's training had been killed at about
# step 2,400 by a process-control mistake: its `timeout` was stopped, and stopping the first queue
# script orphaned it, so it got SIGHUP and passed it on). Resume that run from its step-2,250
# checkpoint (a resume reproduces the uninterrupted run), evaluate it on test, then train seed 1.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue19.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"

name=mf19-listops-att8-hd128-hadamard-center-c1800
log "$name resume start"
node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1800 --curriculum-stages 3 --steps 3000 --eval-every 250 --eval-limit 1000 $common --json --resume --out runs/$name > runs/$name.resume.log 2> runs/$name.resume.err
log "$name resume end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"

name=mf19-listops-att8-hd128-hadamard-center-c1800-seed1
log "$name start"
node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1800 --curriculum-stages 3 --steps 3000 --eval-every 250 --eval-limit 1000 $common --seed 1 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue19-c end"
