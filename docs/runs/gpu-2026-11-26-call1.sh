# GPU call 1 (session 22): build the addon against the machine's PyTorch libtorch, check CUDA, and
# benchmark MIMOFormer (Image shape) on the GPU. Run from the repository root; writes into $OUT.
# CHECKS=datamux (session 23) runs the DataMUX paths instead of the MIMOFormer benchmark: a short
# SST-2 training with --device cuda and `bench datamux --device cuda` (needs SST-2, packed by gpu-pack.sh).
source docs/runs/gpu-2026-11-26-env.sh
nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
python3 -c 'import torch, os; print("torch", torch.__version__, os.path.dirname(torch.__file__), "cxx11abi", torch.compiled_with_cxx11_abi())'
g++ --version | head -1; nproc; node -v
t0=$(date +%s)
NODE_API=$PWD/.gpu/napi bash scripts/build-native-gcc.sh > $OUT/build.log 2>&1 \
  || { echo "c++17 build failed; trying c++20"; grep -m5 error $OUT/build.log; CXX_STD=c++20 NODE_API=$PWD/.gpu/napi bash scripts/build-native-gcc.sh >> $OUT/build.log 2>&1; } \
  || { echo BUILD FAILED; grep -m20 -B2 -A3 error $OUT/build.log; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s"
cp build/Release/mimo_native.node $OUT/
node bin/mimo.js info
node docs/runs/gpu-2026-11-26-smoke.mjs | tee $OUT/smoke.json
if [ "${CHECKS:-mimoformer}" = datamux ]; then
  node bin/mimo.js train datamux --task sst2 --n 4 --warmup-steps 100 --steps 200 --eval-every 100 --device cuda --json --out /tmp/mimo-runs/gpu-datamux-sst2 > $OUT/train-datamux.json 2> $OUT/train-datamux.err \
    && node bin/mimo.js eval /tmp/mimo-runs/gpu-datamux-sst2/model.safetensors --json > $OUT/eval-datamux.json 2>> $OUT/train-datamux.err; tail -c 600 $OUT/train-datamux.err; echo
  node bin/mimo.js bench datamux --device cuda --runs 10 --json > $OUT/bench-datamux.json 2> $OUT/bench-datamux.err \
    && node -e "const r=require('$OUT/bench-datamux.json'); for (const p of r.points) console.log('datamux', JSON.stringify(p))" || tail -5 $OUT/bench-datamux.err
else
for s in 64 512; do
  node bin/mimo.js bench mimoformer --task image --device cuda --sequences $s --runs 20 --json > $OUT/bench-image-$s.json 2> $OUT/bench-image-$s.err \
    && node -e "const r=require('$OUT/bench-image-$s.json'); for (const p of r.points) console.log('image', $s, p.variant, p.m+'x'+p.n, p.infer_sequences_per_s, p.speedup, p.ideal_speedup, p.core_speedup)" \
    || tail -5 $OUT/bench-image-$s.err
done
fi
echo "call 1 done: $(( $(date +%s) - t0 )) s"
