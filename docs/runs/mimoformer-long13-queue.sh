#!/bin/bash
# Session 13 (2026-11-25): LRA Image at head dimension D = 256 (2 heads of 256), equal budget.
# The digest's interference bound shrinks like sqrt((MN-1)/D); the value-centred att 4x4 at D = 128
# reached 32.01 % against the Performer's 39.50 %. Here both at D = 256, everything else as in
# mimoformer-long9-center-queue-c.sh / mimoformer-long8-image-queue.sh:
#   1. att 4x4 with value centering (1,500 warm-up steps at 2x2, then 1,500 at 4x4),
#   2. the Performer of the same size.
# What happened: run 1 ran (08:43-09:23 UTC); run 2 was stopped by hand at 09:27 UTC, before its first
# evaluation: run 1 (31.97 % against 32.01 % at D = 128) had already answered the question.
# Resume either with `mimo train mimoformer --resume --out runs/NAME --json`.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue13.times; }
while pgrep -f 'ci-root' > /dev/null; do sleep 15; done
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 256 --features 64 --batch 64 --lr 1e-3 --steps 3000 --eval-every 500 --eval-limit 1000 --json"
run() {
  local name=$1; shift
  log "$name start"
  timeout 5400 node bin/mimo.js train mimoformer --task image "$@" $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
  log "$name end rc=$?"
}
evaluate() {
  local name=$1; shift
  node bin/mimo.js eval runs/$name/model.safetensors --split test "$@" --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
}
run mf13-image-att4-hd256-center --variant att --m 4 --n 4 --center-values --curriculum-steps 1500
evaluate mf13-image-att4-hd256-center --grids 1x1,2x2,4x4
node bin/mimo.js interference --model runs/mf13-image-att4-hd256-center/model.safetensors --grids 2x2,4x4 --sequences 64 --positions 128 --json > runs/mf13-image-att4-hd256-center.interference.json 2> runs/mf13-image-att4-hd256-center.interference.err
log "mf13-image-att4-hd256-center interference end rc=$?"
run mf13-image-performer-hd256 --variant performer
evaluate mf13-image-performer-hd256
