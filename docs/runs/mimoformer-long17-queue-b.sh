#!/bin/bash
# Session 17: after mimoformer-long17-queue.sh, what the R = 256 att 4x4 model takes from its
# attention patterns (eval --uniform-attention at 4x4 and 1x1), as session 13 measured for R = 64.
cd /work/main
while pgrep -f 'mimoformer-long17-queue.sh$' > /dev/null; do sleep 20; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue17.times; }
name=mf17-image-att4-hd128-r256-center
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --uniform-attention --grids 1x1,4x4 --json > runs/$name.eval-test-uniform.json 2> runs/$name.eval-test-uniform.err
log "$name uniform eval end rc=$?"
