# GPU call (session 22): LRA Image, Performer and att 4x4 (centred, Hadamard keys) side by side on
# one H100 at batch 256, with as many steps as fit in TRAIN_SECONDS (default 480) (measured by a 40-step probe
# of both models running together), so a budget many times the CPU runs' 192,000 sequences.
source docs/runs/gpu-2026-11-26-env.sh
mkdir -p runs
P="--dim 64 --ffn 128 --heads 2 --head-dim 128 --features 64 --batch 256 --lr 1e-3 --device cuda --json"
PERF="--task image --variant performer"
ATT="--task image --variant att --m 4 --n 4 --center-values --keys hadamard"
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
rm -rf runs/gpu-image-performer runs/gpu-image-att4
E=$((S / 5)); C=$((S / 2))
echo "steps $S, eval every $E, curriculum $C"
node bin/mimo.js train mimoformer $PERF --steps $S --eval-every $E --eval-limit 1000 $P --out runs/gpu-image-performer > runs/gpu-image-performer.json 2> runs/gpu-image-performer.err < /dev/null &
node bin/mimo.js train mimoformer $ATT --curriculum-steps $C --steps $S --eval-every $E --eval-limit 1000 $P --out runs/gpu-image-att4 > runs/gpu-image-att4.json 2> runs/gpu-image-att4.err < /dev/null &
wait
date -u
for r in performer att4; do
  tail -c 300 runs/gpu-image-$r.err; echo
  cut -c1-300 runs/gpu-image-$r/metrics.jsonl
  cp runs/gpu-image-$r/metrics.jsonl $OUT/image-$r-metrics.jsonl
  g=$([ $r = att4 ] && echo "--grids 2x2,4x4" || echo "")
  for f in model best; do
    node bin/mimo.js eval runs/gpu-image-$r/$f.safetensors --split test $g --device cuda --json > $OUT/image-$r-$f-test.json 2> runs/gpu-image-$r-$f-eval.err \
      && node -e "const r=require('$OUT/image-$r-$f-test.json'); console.log('$r $f step', r.step, r.points.map((p) => p.m+'x'+p.n+' '+(100*p.accuracy).toFixed(2)+'% '+p.sequences_per_s+' seq/s').join(', '))" \
      || tail -3 runs/gpu-image-$r-$f-eval.err
  done
done
date -u
