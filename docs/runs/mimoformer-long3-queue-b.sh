#!/bin/bash
# Follows mimoformer-long3-queue.sh (waits for it): one dynamic att model serving 1×1, 4×4 and 8×8
# from the same weights (each step draws one of the three grids), at the same 3000-step budget and
# with the same 1500-step half-grid curriculum.
cd /work/main
while pgrep -f mimoformer-long3-queue.sh > /dev/null; do sleep 20; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue5.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 64 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --listops-dir runs/listops --json"
run() { name=$1; shift; log "$name start"; timeout 4200 node bin/mimo.js train mimoformer "$@" $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err; log "$name end rc=$?"; }
run mf5-text-att8-dyn --task text --variant att --m 8 --n 8 --points 1x1,4x4,8x8 --curriculum-steps 1500 --steps 3000
log "queue5b end"
