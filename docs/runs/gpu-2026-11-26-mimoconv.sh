# GPU call (session 22, a fresh machine): build the addon, then train MIMOConv on MNIST on the GPU
# for one epoch, resume the run on the CPU for the second (a cross-device resume), and evaluate it.
source docs/runs/gpu-2026-11-26-env.sh
NODE_API=$PWD/.gpu/napi bash scripts/build-native-gcc.sh > $OUT/build.log 2>&1 || { tail -20 $OUT/build.log; exit 1; }
export MIMO_DATA=$PWD/.gpu-mnist
A="--dataset mnist --depth 10 --width 1 --initial-width 1 --cap 2 --groups 64 --limit 4000 --eval-limit 1000 --epochs 2 --json --out runs/gpu-mimoconv-mnist"
rm -rf runs/gpu-mimoconv-mnist
node bin/mimo.js train mimoconv $A --stop-after 1 --device cuda > $OUT/mimoconv-epoch1-cuda.json 2> $OUT/mimoconv-epoch1.err || tail -5 $OUT/mimoconv-epoch1.err
node bin/mimo.js train mimoconv $A --resume --device cpu > $OUT/mimoconv-epoch2-cpu.json 2> $OUT/mimoconv-epoch2.err || tail -5 $OUT/mimoconv-epoch2.err
cp runs/gpu-mimoconv-mnist/metrics.jsonl $OUT/mimoconv-metrics.jsonl
cut -c1-330 runs/gpu-mimoconv-mnist/metrics.jsonl
