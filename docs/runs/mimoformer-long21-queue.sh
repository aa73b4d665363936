#!/bin/bash
# Session 21 (2026-11-26). (1) Image att 6×3: the other "N = 2" grid. MN/(M+N) = 18/9 = 2, as for
# 4×4, so the ideal core speedup is the same, but each value bundle holds N = 3 sequences instead of
# 4: the value crosstalk that unbinding lets through shrinks from √3 to √2 of a value's size, while
# the score crosstalk grows from 15 to 17 other pairs. Session 18's best Image att 4×4 command
# (centred values, Hadamard keys) with the grid changed; the batch is 72 (a multiple of 18) and the
# steps 2,667, so it sees the same 192,000 sequences as the 3,000 steps of 64 of the Performer; warm-up
# on the half grid 3×2 for the first half. (2) Text att 8×8 with Hadamard keys: session 12's value-
# centred command (62.80 %) with `--keys hadamard`, to know whether the keys can become the default.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue21.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --lr 1e-3 --json"

name=mf21-image-att6x3-hd128-hadamard-center
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 6 --n 3 --center-values --keys hadamard --curriculum-steps 1333 --steps 2667 --batch 72 --eval-every 500 --eval-limit 1008 $common --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 3x2,6x3 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"

name=mf21-text-att8-hd128-hadamard-center
log "$name start"
node bin/mimo.js train mimoformer --task text --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 2000 --steps 4000 --batch 64 --eval-every 500 --eval-limit 4000 $common --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue21 end"
