# GPU call (session 22): LRA Image, the Performer and att GRID×GRID (centred, Hadamard keys) side by
# side on one H100, batches of 256, then both tested (last and best-dev checkpoints). Session 22 ran
# `STEPS=12000 bash docs/runs/gpu-2026-11-26-image.sh` (and STEPS=4000 first); `GRID=8` trains the
# att 8×8 of the "N = 4" target. Without STEPS, a 40-step probe of both models running together
# picks as many steps as fit in TRAIN_SECONDS (default 480) (it underestimated the speed ~1.4×).
# Needs the machine set up by gpu-2026-11-26-env.sh with all six CIFAR-10 files unpacked.
# Session 23 added, for runs longer than one call (10 minutes): STOP_AFTER=S stops both trainings
# after their checkpoint at step S (a multiple of STEPS/5), and RESUME=1 continues them from their
# last checkpoints in a later call (same GRID and STEPS). RUNS (default runs) holds the run
# folders; give RUNS=/tmp/mimo-runs for runs that span calls (/tmp outlives a call there).
# DEVICE (default cuda) = cpu tries the script out here, with a tiny STEPS. STAGES (default 1) splits
# the att model's warm-up (`--curriculum-stages`; session 23 on the CPU: 3 stages lift 8x8 by 2 points).
source docs/runs/gpu-2026-11-26-env.sh
R=${RUNS:-runs}
mkdir -p $R
P="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 256 --lr 1e-3 --device ${DEVICE:-cuda} --json"
PERF="--task image --variant performer"
GRID=${GRID:-4}   # the att model's grid GRID×GRID (8 for the "N = 4" target)
ATT="--task image --variant att --m $GRID --n $GRID --center-values --keys hadamard --curriculum-stages ${STAGES:-1}"  # STAGES=3 at 8x8: 1x1, 2x2, 4x4
if [ -z "${STEPS:-}" ]; then
rm -rf $R/gpu-probe-*
node bin/mimo.js train mimoformer $PERF --steps 40 --eval-every 40 --eval-limit 256 $P --out $R/gpu-probe-perf > $R/gpu-probe-perf.json 2> $R/gpu-probe-perf.err &
node bin/mimo.js train mimoformer $ATT --curriculum-steps 20 --steps 40 --eval-every 40 --eval-limit 256 $P --out $R/gpu-probe-att > $R/gpu-probe-att.json 2> $R/gpu-probe-att.err &
wait
tail -n 2 $R/gpu-probe-perf.err $R/gpu-probe-att.err
STEPS=$(node -e "
const r = ['perf', 'att'].map((k) => require('$(realpath $R)/gpu-probe-' + k + '.json').evals[0].sequences_per_s);
const s = Math.floor(Math.min(...r) * ${TRAIN_SECONDS:-480} / 256 / 1000) * 1000;
console.error('probe seq/s (both running):', r.join(', '));
console.log(Math.max(1000, Math.min(17500, s)));")
fi
S=$STEPS
E=$((S / 5)); C=$((S / 2))
STOP=${STOP_AFTER:+--stop-after $STOP_AFTER}
if [ "${RESUME:-0}" = 1 ]; then
echo "resuming at $(tail -n 1 $R/gpu-image-performer/metrics.jsonl | cut -c1-40), steps $S ${STOP}"
node bin/mimo.js train mimoformer --resume --device ${DEVICE:-cuda} --json $STOP --out $R/gpu-image-performer > $R/gpu-image-performer-resumed.json 2>> $R/gpu-image-performer.err < /dev/null &
node bin/mimo.js train mimoformer --resume --device ${DEVICE:-cuda} --json $STOP --out $R/gpu-image-att$GRID > $R/gpu-image-att$GRID-resumed.json 2>> $R/gpu-image-att$GRID.err < /dev/null &
else
rm -rf $R/gpu-image-performer $R/gpu-image-att$GRID
echo "steps $S, eval every $E, curriculum $C ${STOP}"
node bin/mimo.js train mimoformer $PERF --steps $S --eval-every $E --eval-limit 1000 $P $STOP --out $R/gpu-image-performer > $R/gpu-image-performer.json 2> $R/gpu-image-performer.err < /dev/null &
node bin/mimo.js train mimoformer $ATT --curriculum-steps $C --steps $S --eval-every $E --eval-limit 1000 $P $STOP --out $R/gpu-image-att$GRID > $R/gpu-image-att$GRID.json 2> $R/gpu-image-att$GRID.err < /dev/null &
fi
wait
date -u
for r in performer att$GRID; do
  tail -c 300 $R/gpu-image-$r.err; echo
  cut -c1-300 $R/gpu-image-$r/metrics.jsonl
  cp $R/gpu-image-$r/metrics.jsonl $OUT/image-$r-metrics.jsonl
  [ -n "${STOP_AFTER:-}" ] && continue  # stopped part-way: test the finished run only
  g=$([ $r = performer ] || echo "--grids $((GRID / 2))x$((GRID / 2)),${GRID}x$GRID")
  for f in model best; do
    node bin/mimo.js eval $R/gpu-image-$r/$f.safetensors --split test $g --device ${DEVICE:-cuda} --json > $OUT/image-$r-$f-test.json 2> $R/gpu-image-$r-$f-eval.err \
      && node -e "const r=require('$OUT/image-$r-$f-test.json'); console.log('$r $f step', r.step, r.points.map((p) => p.m+'x'+p.n+' '+(100*p.accuracy).toFixed(2)+'% '+p.sequences_per_s+' seq/s').join(', '))" \
      || tail -3 $R/gpu-image-$r-$f-eval.err
  done
done
date -u
