#!/bin/bash
# Session 8 (2026-11-24): Text att 8×8 ("N = 4") without dropout. The 4,000-step run with dropout 0.1
# ended underfitting (training accuracy 61.5 %, dev 60.2 %) 2.32 points behind the Performer (which
# overfits: training 74 %, dev 62 %). Same budget and model as that run: 4,000 steps of 64, the first
# 2,000 on the half grid; only --dropout 0 differs. Waits for the ListOps queue of the session first.
cd /work/main
while ! grep -q "queue8 end" runs/queue8.times 2>/dev/null; do sleep 30; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue8.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --json"
name=mf8-text-att8-cur2000-drop0
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task text --variant att --m 8 --n 8 --curriculum-steps 2000 --steps 4000 --dropout 0 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
log "$name eval start"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
log "queue8-text end"
