#!/usr/bin/env bash
# Session 25, after isometry25-queue.sh: the same run with a 100× stronger isometry weight (1e-2).
set -u
cd "$(dirname "$0")/../.."
R=runs/iso25
while ! grep -q '^done' $R/times 2>/dev/null; do sleep 20; done
common="--dataset cifar10 --depth 16 --width 2 --initial-width 2 --cap 4 --low 1,2 --fast-prob 0.6 --groups 128 --epochs 4 --seed 0"
echo "C start $(date -u +%H:%M:%S)" >> $R/times
node bin/mimo.js train mimoconv $common --isometry 1e-2 --out $R/cifar-cap4-wrn16-2-iso1e-2 --json > $R/C.json 2> $R/C.err
echo "C end $(date -u +%H:%M:%S)" >> $R/times
