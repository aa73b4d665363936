#!/bin/bash
# Follows mimoformer-long2-queue.sh (waits for it): Text att 8×8 ("N = 4") at the same 3000 steps.
cd /work/main
while pgrep -f mimoformer-long2-queue.sh > /dev/null; do sleep 20; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue4.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 4200 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf4-text-att8 --task text --variant att --m 8 --n 8 --curriculum-steps 500 --steps 3000
log "queue4b end"
