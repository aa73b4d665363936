#!/usr/bin/env bash
# Session 26: the peak learning rate on LRA Image, never varied there before (every Image run used
# 1e-3). Usage: bash docs/runs/mimoformer26-image-lr.sh att|performer LR
#   att: session 23's best att 8×8 recipe (centred values, Hadamard keys, three warm-up stages
#        1×1 → 2×2 → 4×4, 1,500 steps, then 1,500 at 8×8);
#   performer: the Performer baseline of the same size and budget (3,000 steps of 64).
set -u
cd "$(dirname "$0")/../.."
which=${1:?att|performer}; lr=${2:?LR}
common="--task image --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --steps 3000 --eval-every 500 --eval-limit 1000 --lr $lr --json"
case $which in
  att) model="--variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1500 --curriculum-stages 3"; grids="--grids 1x1,2x2,4x4,8x8" ;;
  performer) model="--variant performer"; grids="" ;;
  *) echo "att or performer" >&2; exit 2 ;;
esac
OUT=runs/mf26-image-$which-lr$lr
log=/tmp/mf26-$which-lr$lr
echo "start $(date -u +%H:%M:%S)" > $log.times
node bin/mimo.js train mimoformer $model $common --out $OUT > $log.json 2> $log.err
echo "trained rc=$? $(date -u +%H:%M:%S)" >> $log.times
node bin/mimo.js eval $OUT/model.safetensors --split test $grids --json > $log-eval.json 2> $log-eval.err
echo "done rc=$? $(date -u +%H:%M:%S)" >> $log.times
