# GPU call (session 22): LRA Image, the Performer and att GRID×GRID (centred, Hadamard keys) side by
# side on one H100, batches of 256, then both tested (last and best-dev checkpoints). Session 22 ran
# `STEPS=12000 bash docs/runs/gpu-2026-11-26-image.sh` (and STEPS=4000 first); `GRID=8` trains the
# att 8×8 of the "N = 4" target. Without STEPS, a 40-step probe of both models running together
# picks as many steps as fit in TRAIN_SECONDS (default 480) (it underestimated the speed ~1.4×).
# Needs the machine set up by gpu-2026-11-26-env.sh with all six CIFAR-10 files unpacked.
source docs/runs/gpu-2026-11-26-env.sh
mkdir -p runs
P="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 256 --lr 1e-3 --device cuda --json"
PERF="--task image --variant performer"
GRID=${GRID:-4}   # the att model's grid GRID×GRID (8 for the "N = 4" target)
ATT="--task image --variant att --m $GRID --n $GRID --center-values --keys hadamard"
if [ -z "${STEPS:-}" ]; then
rm -rf runs/gpu-probe-*
node bin/mimo.js train mimoformer $PERF --steps 40 --eval-every 40 --eval-limit 256 $P --out runs/gpu-probe-perf > runs/gpu-probe-perf.json 2> runs/gpu-probe-perf.err &
node bin/mimo.js train mimoformer $ATT --curriculum-steps 20 --steps 40 --eval-every 40 --eval-limit 256 $P --out runs/gpu-probe-att > runs/gpu-probe-att.json 2> runs/gpu-probe-att.err &
wait
tail -n 2 runs/gpu-probe-perf.err runs/gpu-probe-att.err
STEPS=$(node -e "
const r = ['perf', 'att'].map((k) => require('./runs/gpu-probe-' + k + '.json').evals[0].sequences_per_s);
const s = Math.floor(Math.min(...r) * ${TRAIN_SECONDS:-480} / 256 / 1000) * 1000;
console.error('probe seq/s (both running):', r.join(', '));
console.log(Math.max(1000, Math.min(17500, s)));")
fi
S=$STEPS
rm -rf runs/gpu-image-performer runs/gpu-image-att$GRID
E=$((S / 5)); C=$((S / 2))
echo "steps $S, eval every $E, curriculum $C"
node bin/mimo.js train mimoformer $PERF --steps $S --eval-every $E --eval-limit 1000 $P --out runs/gpu-image-performer > runs/gpu-image-performer.json 2> runs/gpu-image-performer.err < /dev/null &
node bin/mimo.js train mimoformer $ATT --curriculum-steps $C --steps $S --eval-every $E --eval-limit 1000 $P --out runs/gpu-image-att$GRID > runs/gpu-image-att$GRID.json 2> runs/gpu-image-att$GRID.err < /dev/null &
wait
date -u
for r in performer att$GRID; do
  tail -c 300 runs/gpu-image-$r.err; echo
  cut -c1-300 runs/gpu-image-$r/metrics.jsonl
  cp runs/gpu-image-$r/metrics.jsonl $OUT/image-$r-metrics.jsonl
  g=$([ $r = performer ] || echo "--grids $((GRID / 2))x$((GRID / 2)),${GRID}x$GRID")
  for f in model best; do
    node bin/mimo.js eval runs/gpu-image-$r/$f.safetensors --split test $g --device cuda --json > $OUT/image-$r-$f-test.json 2> runs/gpu-image-$r-$f-eval.err \
      && node -e "const r=require('$OUT/image-$r-$f-test.json'); console.log('$r $f step', r.step, r.points.map((p) => p.m+'x'+p.n+' '+(100*p.accuracy).toFixed(2)+'% '+p.sequences_per_s+' seq/s').join(', '))" \
      || tail -3 runs/gpu-image-$r-$f-eval.err
  done
done
date -u
