#!/bin/bash
# Session 16 (2026-11-25), after mimoformer-long16-queue.sh: MIMOFormer att.+MLP on LRA Image at the
# configuration of the att runs (head dimension 128, 3,000 steps), so far measured only in a 400-step
# run (2026-11-24). 2x2 is the paper's "N = 2" for att.+MLP, 4x4 its "N = 4". No curriculum: the
# reference warms up att. only.
cd /work/main
while pgrep -f 'mimoformer-long16-queue.sh$' > /dev/null; do sleep 20; done
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue16.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --steps 3000 --eval-every 500 --eval-limit 1000"
for g in 2 4; do
  name=mf16-image-attmlp${g}-hd128
  log "$name start"
  timeout 3000 node bin/mimo.js train mimoformer --task image --variant att-mlp --m $g --n $g $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
  log "$name end rc=$?"
  timeout 1200 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,${g}x${g} --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
done
log "queue16-b end"
