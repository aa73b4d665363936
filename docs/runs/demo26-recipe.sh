#!/usr/bin/env bash
# Session 26: one-epoch recipe study for the MIMOConv of `mimo demo` / the default serving model
# (WRN-10-1, stem 16, cap 4, MNIST, 60,000 training images, half the steps at n = 4).
# Each line: one variant over the default config; test accuracy on the first 2,000 test images.
# Usage: bash docs/runs/demo26-recipe.sh OUTDIR [variant ...]; one training at a time.
set -u
out=${1:?OUTDIR}; shift
mkdir -p "$out"
base="--dataset mnist --depth 10 --width 1 --initial-width 1 --cap 4 --low 1,2 --fast-prob 0.5 --groups 32 --epochs 1 --eval-limit 2000 --calibration-groups 256 --seed 0 --json"
declare -A V=(
  [base]=""
  [sgd-lr0.1]="--lr 0.1"
  [sgd-lr0.4]="--lr 0.4"
  [adamw-2e-3]="--optimizer adamw --lr 2e-3"
  [adamw-5e-3]="--optimizer adamw --lr 5e-3"
  [fast0.7]="--fast-prob 0.7"
  [groups16]="--groups 16"
  [frozen-keys]="--frozen-keys"
  [relu]="--activation relu"
  [width2]="--width 2"
  [stem32]="--initial-width 2"
  [mbat]="--binding mbat"
)
for name in "${@:-base sgd-lr0.1 sgd-lr0.4 adamw-2e-3 adamw-5e-3 fast0.7 groups16 frozen-keys relu}"; do
  for v in $name; do
    start=$(date +%s)
    node bin/mimo.js train mimoconv $base ${V[$v]} --out "$out/$v" > "$out/$v.json" 2> "$out/$v.err"
    echo "$v rc=$? seconds=$(( $(date +%s) - start ))" | tee -a "$out/times"
  done
done
