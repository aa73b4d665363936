#!/bin/bash
# Packs, here, what the GPU calls carry (session 23; unpacked there by gpu-2026-11-26-env.sh, which
# every GPU script sources): .gpu = Node (xz), the runtime npm packages and Node's N-API headers;
# .gpu-c1 and .gpu-c2 = SST-2 (in c1) and LRA Image data, CIFAR-10's six binary files rewritten as grey-as-RGB
# (gpu-pack-grey.mjs: the same tokens) and xz'd with a delta filter, about 7.7 MB each instead of
# 23 MB for the colour files. So two calls carry everything where session 22 needed five. The plan
# for the Image "N = 4" run (att 8x8 beside the Performer, 20,000 steps of 256, ~12 min of training
# at session 22's ~7,000 sequences/s each), one call right after the other (the machine stays warm
# 30 s; /tmp survives between calls, carried folders do not):
#   call 1: carry [".gpu", "dist", ".gpu-c1"]: `CHECKS=datamux bash docs/runs/gpu-2026-11-26-call1.sh`
#   call 2: carry [".gpu-c2"]: `GRID=8 STAGES=3 STEPS=20000 STOP_AFTER=8000 RUNS=/tmp/mimo-runs bash docs/runs/gpu-2026-11-26-image.sh`
#   call 3: `GRID=8 STAGES=3 STEPS=20000 RESUME=1 RUNS=/tmp/mimo-runs bash docs/runs/gpu-2026-11-26-image.sh`
# (.gpu is 24 MB, .gpu-c1 and .gpu-c2 22 MB each, dist 5 MB; a call carries at most 64 MiB.) Needs `npm run build` and the official
# cifar-10-binary.tar.gz under DATA (default ../shared/data). Add `/.gpu*/` to .git/info/exclude.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf .gpu .gpu-c*; mkdir -p .gpu/napi .gpu-c1 .gpu-c2
strip -o "$tmp/node" "$(command -v node)"  # debug symbols off: 86 MB instead of 99
xz -9 -T2 -c "$tmp/node" > .gpu/node.xz
npm ls --omit=dev --all --parseable | tail -n +2 | sed "s|^$PWD/||" | tar cJf .gpu/mods.tar.xz -T -
cp "$(dirname "$(dirname "$(command -v node)")")"/include/node/{node_api,node_api_types,js_native_api,js_native_api_types}.h .gpu/napi/
tar xzf "$DATA/cifar10/cifar-10-binary.tar.gz" -C "$tmp"
bins=$tmp/cifar-10-batches-bin
for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
  node docs/runs/gpu-pack-grey.mjs "$bins/$f.bin" "$tmp/$f.grey"
  case $f in data_batch_[123]) d=.gpu-c1 ;; *) d=.gpu-c2 ;; esac
  xz --delta=dist=1 --lzma2=preset=9 -T2 -c "$tmp/$f.grey" > "$d/$f.bin.xz"
done
mkdir -p .gpu-c1/sst2; cp "$DATA"/sst2/*.tsv .gpu-c1/sst2/  # 4 MB, for the DataMUX checks
du -sh .gpu .gpu-c1 .gpu-c2 dist
