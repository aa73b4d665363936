#!/bin/bash
# Session 13 (2026-11-25): ListOps att 8x8 with value centering at a doubled budget, 6,000 steps of 64
# (2 heads of 128). At 3,000 steps both 8x8 runs were still climbing at 8x8 (mimoformer-long12-queue-c.sh:
# 600 steps per warm-up stage, 1,200 at 8x8: 29.4 % test). Here 800 steps per stage (1x1 -> 2x2 -> 4x4),
# then 3,600 at 8x8. Its Performer at the same 6,000 steps comes next (equal budget).
# Resume with `mimo train mimoformer --resume --listops-dir runs/listops --out runs/mf13-listops-att8-hd128-center-s6000 --json`.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue13.times; }
while pgrep -f 'ci-root' > /dev/null; do sleep 15; done
MODEL="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --eval-limit 1000 --json"
name=mf13-listops-att8-hd128-center-s6000
log "$name start"
timeout 9000 node bin/mimo.js train mimoformer --task listops --listops-dir runs/listops --variant att --m 8 --n 8 --center-values --curriculum-steps 2400 --curriculum-stages 3 --steps 6000 --eval-every 250 $MODEL --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --listops-dir runs/listops --grids 1x1,2x2,4x4,8x8 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
