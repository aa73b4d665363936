#!/bin/bash
# Session 9 (2026-11-24): Text at head dimension 128 (binding dimension D = 128) instead of 64, both
# models at equal budget (4,000 steps of 64). Three 8×8 runs at D = 64 (dropout 0.1, dropout 0,
# lr 2e-3) agreed within 0.13 points, 2.3–2.5 behind the Performer: the digest's bound puts the
# crosstalk at √((MN−1)/D), so doubling D is the direct lever. The Performer gets the same width.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue9.times; }
COMMON="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-every 500 --eval-limit 4000 --json"
run() {
  name=$1; shift
  log "$name start"
  timeout 5400 node bin/mimo.js train mimoformer --task text "$@" --steps 4000 $COMMON --out runs/$name > runs/$name.log 2> runs/$name.err
  log "$name end rc=$?"
  log "$name eval start"
  node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
}
run mf9-text-att8-hd128 --variant att --m 8 --n 8 --curriculum-steps 2000
run mf9-text-performer-hd128 --variant performer
