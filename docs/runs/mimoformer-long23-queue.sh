#!/bin/bash
# Session 23 (2026-11-26, no GPU lent): does a warm-up that starts at 1x1 help the Image "N = 4" grid?
# Session 20's value-centred Image att 8x8 with Hadamard keys (1,500 warm-up steps at 4x4, then 1,500
# at 8x8; 28.74 % on test) with the warm-up split into three stages instead: 500 steps each at 1x1
# (a Performer), 2x2 and 4x4 (`--curriculum-stages 3`), then 1,500 at 8x8. Then its test evaluation
# at 1x1, 2x2, 4x4 and 8x8 on the 10,000 CIFAR-10 test images (last and best-dev checkpoints).
cd /work/main
mkdir -p runs
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue23.times; }
common="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3"

name=mf23-image-att8-hd128-hadamard-center-stages3
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1500 --curriculum-stages 3 --steps 3000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
for f in model best; do
  node bin/mimo.js eval runs/$name/$f.safetensors --split test --grids 1x1,2x2,4x4,8x8 --json > runs/$name.$f-eval-test.json 2> runs/$name.$f-eval-test.err
  log "$name $f eval end rc=$?"
done
log "queue23 end"

# Then the same with seed 1 (is the three-stage warm-up's gain more than seed noise?).
name=mf23-image-att8-hd128-hadamard-center-stages3-seed1
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 1500 --curriculum-stages 3 --steps 3000 --eval-every 500 --eval-limit 1000 $common --seed 1 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4,8x8 --json > runs/$name.model-eval-test.json 2> runs/$name.model-eval-test.err
log "$name model eval end rc=$?"
log "queue23b end"

# Then twice the budget (6,000 steps, 1,000 per warm-up stage): does 8x8 gain more than the
# Performer's +2.9 from doubling (session 16: 39.50 -> 42.37)?
name=mf23-image-att8-hd128-hadamard-center-stages3-s6000
log "$name start"
node bin/mimo.js train mimoformer --task image --variant att --m 8 --n 8 --center-values --keys hadamard --curriculum-steps 3000 --curriculum-stages 3 --steps 6000 --eval-every 500 --eval-limit 1000 $common --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 1x1,2x2,4x4,8x8 --json > runs/$name.model-eval-test.json 2> runs/$name.model-eval-test.err
log "$name model eval end rc=$?"
log "queue23c end"
