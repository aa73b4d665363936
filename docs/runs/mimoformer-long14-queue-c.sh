#!/bin/bash
# Session 14 (2026-11-25): the softmax kernel on LRA Image. The probe (results.md, "How much of its
# attention pattern a sequence keeps") shows the ReLU kernel keeps about 1/sqrt(MN) of a sequence's
# attention pattern in superposition, whatever the weights; with the softmax kernel the crosstalk
# multiplies the weights by exp(eps) instead. Same options and budget as the value-centred ReLU run
# mf11-image-att4-hd128-center (32.01 %, Performer 39.50 %), only --kernel softmax:
#   1. att 4x4, value-centred, softmax kernel;
#   2. only if it reaches 35 % on test at 4x4: the softmax-kernel Performer of the same size (the
#      fair baseline for it). (The ListOps no-attention baseline of mimoformer-long14-queue.sh would
#      not end within the session.)
# What happened: run 1 reached 30.36 % at 4x4, so run 2 was skipped here; mimoformer-long14-queue-d.sh
# then ran the probe and the softmax-kernel Performer anyway.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue14.times; }
while pgrep -f 'mimoformer-long14-queue-b.sh' > /dev/null; do sleep 15; done
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json"
run() {
  local name=$1 grids=$2; shift 2
  log "$name start"
  timeout 5400 node bin/mimo.js train mimoformer "$@" $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
  log "$name end rc=$?"
  node bin/mimo.js eval runs/$name/model.safetensors --split test $grids --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
}
run mf14-image-att4-hd128-center-softmax "--grids 1x1,2x2,4x4" --task image --variant att --m 4 --n 4 --center-values --kernel softmax --curriculum-steps 1500 --steps 3000 --eval-every 500 --eval-limit 1000
acc=$(node -e "const d=JSON.parse(require('fs').readFileSync('runs/mf14-image-att4-hd128-center-softmax.eval-test.json','utf8')); console.log(d.points.find(p=>p.m===4&&p.n===4).accuracy)" 2>/dev/null || echo 0)
log "att4 softmax test accuracy at 4x4: $acc"
if node -e "process.exit(Number('$acc') >= 0.35 ? 0 : 1)"; then
  run mf14-image-performer-hd128-softmax "" --task image --variant performer --kernel softmax --steps 3000 --eval-every 500 --eval-limit 1000
fi
