#!/bin/bash
# Session 10 (2026-11-25): LRA Image at head dimension 128 (binding dimension D = 128), the lever that
# brought Text 8×8 within 2 points. The D = 64 Image models (1,800 steps) were 14–20 points behind the
# Performer and did not fit their own training data (att 4×4 train accuracy 21 %), so this pair also
# gets more steps: 3,000 of 64 for every model (equal budget), half of them on the half grid for att.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue10.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 1000 --json"
run() {
  name=$1; grids=$2; shift 2
  log "$name start"
  timeout 5400 node bin/mimo.js train mimoformer --task image "$@" --steps 3000 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
  log "$name end rc=$?"
  log "$name eval start"
  node bin/mimo.js eval runs/$name/model.safetensors --split test $grids --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
}
run mf10-image-att4-hd128 "--grids 1x1,2x2,4x4" --variant att --m 4 --n 4 --curriculum-steps 1500
run mf10-image-performer-hd128 "" --variant performer
run mf10-image-att8-hd128 "--grids 4x4,8x8" --variant att --m 8 --n 8 --curriculum-steps 1500
