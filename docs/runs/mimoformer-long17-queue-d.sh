#!/bin/bash
# Session 17: queue-c's 3000 s limit stopped the 12-head run during steps 2500-3000 (rc 124; its
# last checkpoint is step 2500). Resume it from there to step 3000 and evaluate on test again.
cd /work/main
log() { echo "=== $1 $(date -u +%FT%TZ)" >> runs/queue17.times; }
name=mf17-image-att4-h12-hd64-center
cp runs/$name.eval-test.json runs/$name.eval-test-s2500.json
log "$name resume start"
timeout 1200 node bin/mimo.js train mimoformer --resume --out runs/$name --json > runs/$name.resume.log 2> runs/$name.resume.err
log "$name resume end rc=$?"
timeout 900 node bin/mimo.js eval runs/$name/model.safetensors --split test --grids 4x4 --json > runs/$name.eval-test.json 2> runs/$name.eval-test.err
log "$name eval end rc=$?"
