#!/bin/bash
# Session 14: mimoformer-long14-queue.sh was stopped at 11:54 UTC during its first run (the Text
# training went on to its end); this script waits for that training, evaluates it and runs the Image
# no-attention baseline with the same options. The ListOps one was not run (its 50 minutes went to
# the softmax-kernel runs of mimoformer-long14-queue-c.sh and -queue-d.sh).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue14.times; }
while pgrep -f 'mf14-text-uniform-hd128$' > /dev/null; do sleep 15; done
log "mf14-text-uniform-hd128 end (seen by queue-b)"
MODEL="--variant performer --uniform-attention --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json"
evaluate() {
  local name=$1
  node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
}
evaluate mf14-text-uniform-hd128
name=mf14-image-uniform-hd128
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task image --steps 3000 --eval-every 500 --eval-limit 1000 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
evaluate $name
