#!/usr/bin/env bash
# Session 25: ISONet's isometry regulariser on the CIFAR-10 MIMOConv of issue 4's 23-minute run.
# A: the issue-4 command again, stopped after epoch 1 (does it reproduce that run's epoch 1?).
# B: the same with --isometry 1e-4 (the MIMONets reference's weight), all 4 epochs.
# If A's epoch 1 differs from the recorded run, A is resumed to 4 epochs so both rows come from today's code.
set -u
cd "$(dirname "$0")/../.."
R=runs/iso25
mkdir -p $R
common="--dataset cifar10 --depth 16 --width 2 --initial-width 2 --cap 4 --low 1,2 --fast-prob 0.6 --groups 128 --epochs 4 --seed 0"
stamp() { date -u +%H:%M:%S; }
echo "A start $(stamp)" >> $R/times
node bin/mimo.js train mimoconv $common --stop-after 1 --out $R/cifar-cap4-wrn16-2 --json > $R/A.json 2> $R/A.err
echo "A end $(stamp)" >> $R/times
echo "B start $(stamp)" >> $R/times
node bin/mimo.js train mimoconv $common --isometry 1e-4 --out $R/cifar-cap4-wrn16-2-iso1e-4 --json > $R/B.json 2> $R/B.err
echo "B end $(stamp)" >> $R/times
want=$(head -1 docs/runs/mimoconv-cifar10-cap4-wrn16-2-metrics.jsonl | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s).eval_accuracy)))')
got=$(head -1 $R/cifar-cap4-wrn16-2/metrics.jsonl | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s).eval_accuracy)))')
echo "A epoch 1: $got, recorded: $want" >> $R/times
if [ "$got" != "$want" ]; then
  echo "A resume start $(stamp)" >> $R/times
  node bin/mimo.js train mimoconv --resume --out $R/cifar-cap4-wrn16-2 --json > $R/A2.json 2> $R/A2.err
  echo "A resume end $(stamp)" >> $R/times
fi
echo "done $(stamp)" >> $R/times
