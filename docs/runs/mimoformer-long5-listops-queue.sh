#!/bin/bash
# Session 6 (2026-11-24): ListOps at equal budget, 1,500 steps each (6× the 250-step runs, where
# both models answered the majority class). The 4×4 grid ("N = 2") with half the budget on the half
# grid, the warm-up that worked best on Text. Data: `mimo data listops --out runs/listops --train
# 20000 --val 1000 --test 1000` (made in session 2).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue7.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 250 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 5400 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; log "$name eval start"; node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf7-listops-performer --task listops --variant performer --steps 1500
evaluate mf7-listops-performer
run mf7-listops-att4-cur750 --task listops --variant att --m 4 --n 4 --curriculum-steps 750 --steps 1500
evaluate mf7-listops-att4-cur750
log "queue7 end"
