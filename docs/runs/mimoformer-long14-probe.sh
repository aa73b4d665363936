#!/bin/bash
# Session 14 (2026-11-25): the interference probe's new split (pattern error / value crosstalk) and
# "kept" (the share of a sequence's own attention deviation from its mean value that survives in
# superposition) on the trained att checkpoints of sessions 9-13, at their trained grids.
cd /work/main
probe() {
  local name=$1 grids=$2; shift 2
  node bin/mimo.js interference --model runs/$name/model.safetensors --grids $grids --sequences 64 --positions 128 "$@" --json > runs/$name.interference14.json 2> runs/$name.interference14.err
  echo "=== $name probe end rc=$? $(date -u +%FT%TZ)" >> runs/queue14.times
}
probe mf11-image-att4-hd128-center 1x1,2x2,4x4
probe mf12-image-att8-hd128-center 4x4,8x8
probe mf12-text-att8-hd128-center 4x4,8x8
probe mf9-text-att4-hd128 2x2,4x4
probe mf11-listops-att4-hd128-center 2x2,4x4 --listops-dir runs/listops
probe mf13-listops-att8-hd128-center-s6000 4x4,8x8 --listops-dir runs/listops
