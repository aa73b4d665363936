#!/bin/bash
# Session 18: the value-centred att 4x4 with Hadamard keys did not move its projections into the
# crosstalk-free subspace C on its own (shares 0.05-0.07, random 1/16). Start it there (--clean-init:
# q, k, v and W_o block-averaged over the 16 coordinates of a block, at the initial scale), and use
# the softmax kernel: with the ReLU kernel a bundle's norm dilutes every cosine by about 1/sqrt(MN),
# which caps how sharp attention can be at 4x4 whatever the crosstalk; the softmax kernel's estimate
# of exp(<q~_n, k~_m>/sqrt(D)) is, for q and k in C, exactly each sequence's own exp(<q, k>/sqrt(D))
# in expectation. Same budget and options as session 14's softmax att 4x4 (30.36 % test; its
# Performer 36.32 %); evaluate on test, probe it. Waits for queue-b's run.
cd /work/main
while pgrep -f 'mimoformer-long18-queue-b.sh$' > /dev/null; do sleep 20; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue18.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"
name=mf18-image-att4-hd128-hadamard-clean-center-softmax
log "$name start"
timeout 3600 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --kernel softmax --keys hadamard --clean-init --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
timeout 600 node bin/mimo.js interference --model runs/$name/model.safetensors --grids 2x2,4x4 --sequences 64 --positions 128 --json > runs/$name.interference.json 2> runs/$name.interference.err
log "$name interference end rc=$?"
node docs/runs/mimoformer-long18-clean-subspace.mjs runs/$name/model.safetensors > runs/$name.clean-subspace.json 2>&1
log "queue18-c end"
