#!/usr/bin/env bash
# Session 25: session 23's best Image att 8×8 recipe (centred values, Hadamard keys, three warm-up
# stages 1×1 → 2×2 → 4×4) with the softmax kernel instead of the ReLU kernel: the ReLU kernel sees only
# the bundles' angles, which 8×8 superposition dilutes to about 1/8, while the softmax kernel's
# pattern can be sharpened again by the scale of q and k.
set -u
cd "$(dirname "$0")/../.."
OUT=runs/mf25-image-att8-hd128-hadamard-center-stages3-softmax
echo "start $(date -u +%H:%M:%S)" > /tmp/mf25.times
node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --keys hadamard --kernel softmax \
  --curriculum-steps 1500 --curriculum-stages 3 --steps 3000 --eval-every 500 --eval-limit 1000 \
  --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json --out $OUT > /tmp/mf25.json 2> /tmp/mf25.err
echo "trained $(date -u +%H:%M:%S)" >> /tmp/mf25.times
node bin/mimo.js eval $OUT/model.safetensors --split test --grids 1x1,2x2,4x4,8x8 --json > /tmp/mf25-eval.json 2> /tmp/mf25-eval.err
echo "done $(date -u +%H:%M:%S)" >> /tmp/mf25.times
