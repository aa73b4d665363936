#!/bin/bash
# Longer MIMOFormer LRA runs at equal budget (2026-11-24, session 2): static grids, half-grid curriculum.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue3.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 300 --eval-limit 1000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 3600 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf3-image-performer --task image --variant performer --steps 1800
run mf3-image-att4 --task image --variant att --m 4 --n 4 --curriculum-steps 300 --steps 1800
run mf3-text-performer --task text --variant performer --steps 1200
run mf3-text-att4 --task text --variant att --m 4 --n 4 --curriculum-steps 200 --steps 1200
run mf3-image-att8 --task image --variant att --m 8 --n 8 --curriculum-steps 300 --steps 1800
log "queue3 end"
