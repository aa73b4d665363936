#!/bin/bash
# Session 15 (2026-11-25), started 16:16 UTC with about 50 minutes left: the Image run of
# mimoformer-long15-queue-b.sh (does a longer budget close the Image gap? value-centred att 4x4 with
# the warm-up of mf11-image-att4-hd128-center and twice its steps), stopped at its step-4000
# checkpoint so that it ends within the session. Continue with
#   npx mimo train mimoformer --resume --out runs/mf15-image-att4-hd128-center-s6000 --json
# then evaluate it, and train the 6,000-step Performer for the equal-budget comparison.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue15.times; }
name=mf15-image-att4-hd128-center-s6000
log "$name start"
timeout 3000 node bin/mimo.js train mimoformer --task image --variant att --m 4 --n 4 --center-values --curriculum-steps 1500 --steps 6000 --stop-after 4000 --eval-every 500 --eval-limit 1000 --dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 64 --lr 1e-3 --json --out runs/$name > runs/$name.log 2> runs/$name.err
log "$name stopped rc=$?"
# What happened: 16:15-16:47 UTC, alone; stopped at its step-4000 checkpoint as planned. Dev (1,000
# images) at 4x4 at steps 2500-4000: 33.7 / 34.0 / 33.6 / 34.1 % (the 3,000-step run ended at 33.4 %
# dev, 32.01 % test). Finished in session 16 (mimoformer-long16-queue.sh); metrics: docs/runs/mimoformer-long16-image-att4-hd128-center-s6000-metrics.jsonl.
