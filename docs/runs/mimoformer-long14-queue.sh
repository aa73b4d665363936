#!/bin/bash
# Session 14 (2026-11-25): the no-attention baseline at equal budget on each LRA task. Session 13's
# ablation (`mimo eval --uniform-attention` on trained models) showed the value-centred att models on
# Text and Image take almost all their accuracy from the sequences' mean values; here the same
# Performer is *trained* with its key projections held at zero (`--uniform-attention`: every
# attention output is the sequence's mean value), with each task's Performer's options and budget:
#   Text    as mimoformer-long7-text-queue.sh   (4,000 steps, dev subset 4,000; Performer 61.82 %)
#   Image   as mimoformer-long8-image-queue.sh  (3,000 steps, dev subset 1,000; Performer 39.50 %)
#   ListOps as mimoformer-long9-center-queue-c.sh (3,000 steps, eval every 250; Performer 36.6 %)
# What happened: this script was stopped at 11:54 UTC while its Text run went on (mimoformer-long14-
# queue-b.sh took over: the Text evaluation and the Image run; mimoformer-long14-queue-c.sh then ran
# the softmax-kernel Image runs; the ListOps run did not fit in the session).
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue14.times; }
MODEL="--variant performer --uniform-attention --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json"
run() {
  local name=$1; shift
  log "$name start"
  timeout 5400 node bin/mimo.js train mimoformer "$@" $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
  log "$name end rc=$?"
  node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
  log "$name eval end rc=$?"
}
run mf14-text-uniform-hd128 --task text --steps 4000 --eval-every 500 --eval-limit 4000
run mf14-image-uniform-hd128 --task image --steps 3000 --eval-every 500 --eval-limit 1000
run mf14-listops-uniform-hd128 --task listops --listops-dir runs/listops --steps 3000 --eval-every 250 --eval-limit 1000
