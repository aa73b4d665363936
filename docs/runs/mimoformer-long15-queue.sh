#!/bin/bash
# Session 15 (2026-11-25): the two ListOps runs owed by session 14 for a strict ListOps comparison,
# with the options of the 3,000-step Performer mf9-listops-performer-hd128 (36.6 %):
#   1. the no-attention network (--uniform-attention: keys zeroed and frozen), 3,000 steps;
#   2. the Performer at 6,000 steps, the budget of the att 8x8 run mf13-listops-att8-hd128-center-s6000.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue15.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 250 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 9000 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
evaluate() { name=$1; shift; node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops "$@" --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err; log "$name eval end rc=$?"; }
run mf15-listops-uniform-hd128 --task listops --variant performer --uniform-attention --steps 3000
evaluate mf15-listops-uniform-hd128
run mf15-listops-performer-hd128-s6000 --task listops --variant performer --steps 6000
evaluate mf15-listops-performer-hd128-s6000
log "queue15 end"
