#!/bin/bash
# Follows mimoformer-long3-queue-b.sh (waits for it): Text att 8×8 with a two-stage curriculum at the
# same 3000 steps: 750 steps at 2×2, 750 at 4×4, then 1500 at 8×8 (`--curriculum-stages 2`). Run from
# the worktree that first had the option (the repository root otherwise).
cd "${MIMO_ROOT:-/work/main}"
while pgrep -f mimoformer-long3-queue-b.sh > /dev/null; do sleep 20; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue5.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 4200 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf5-text-att8-stages2 --task text --variant att --m 8 --n 8 --curriculum-steps 1500 --curriculum-stages 2 --steps 3000
log "queue5c end"
