#!/bin/bash
# Session 14: after mimoformer-long14-queue-c.sh (its att 4x4 softmax-kernel run stayed below 35 %,
# so it did not start the Performer): the probe of that model, then the softmax-kernel Performer
# anyway, to see what the kernel does without superposition at this budget.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue14.times; }
while pgrep -f 'mimoformer-long14-queue-c.sh' > /dev/null; do sleep 15; done
name=mf14-image-att4-hd128-center-softmax
node bin/mimo.js interference --model runs/$name/model.safetensors --grids 1x1,2x2,4x4 --sequences 64 --positions 128 --json > runs/$name.interference14.json 2> runs/$name.interference14.err
log "$name probe end rc=$?"
name=mf14-image-performer-hd128-softmax
log "$name start"
timeout 5400 node bin/mimo.js train mimoformer --task image --variant performer --kernel softmax --steps 3000 --eval-every 500 --eval-limit 1000 --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name end rc=$?"
node bin/mimo.js eval runs/$name/model.safetensors --split test --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
