#!/bin/bash
# Session 4 (2026-11-24): does the longer half-grid warm-up that gained 1.5 points for Text 8×8 help
# Image 4×4? Same command and budget as mf3-image-att4 (mimoformer-long-queue.sh), with half of the
# 1800 steps on the 2×2 grid instead of 300.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue5.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 300 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 4200 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf5-image-att4-cur900 --task image --variant att --m 4 --n 4 --curriculum-steps 900 --steps 1800
log "queue5d end"
