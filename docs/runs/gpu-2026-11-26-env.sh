# Sourced at the start of every command on the GPU machine (session 22, 2026-11-26): Node (carried as
# .gpu/node.xz), the runtime npm packages (.gpu/mods.tar.xz), and CIFAR-10's binary files, carried in
# parts (.gpu-c1 … .gpu-c4, xz) across calls and unpacked into /tmp/mimo-data/cifar10/ (MIMO_DATA).
# A call carries at most 64 MiB, so the parts travel one or two per call (carry [".gpu-c1"], then
# [".gpu-c2"], ...), one call right after the other while the machine stays warm (30 s). What stayed
# from call to call: /tmp, build/ and node_modules/; what did not: the .gpu* folders a call did not
# carry (ignored through .git/info/exclude). The first call also carries .gpu and dist and builds
# the addon (scripts/build-native-gcc.sh; gpu-2026-11-26-call1.sh).
# Packed here: .gpu/node.xz = xz of the node binary; .gpu/mods.tar.xz = tar.xz of the folders
# `npm ls --omit=dev --all --parseable` lists; .gpu/napi/ = Node's node_api*.h and js_native_api*.h;
# .gpu-c1 = data_batch_1.bin.xz, .gpu-c2 = 2 and 3, .gpu-c3 = 4 and 5, .gpu-c4 = test_batch (xz -6
# of the files in the official cifar-10-binary.tar.gz). Session 23's gpu-pack.sh packs the same
# folders in two parts instead (.gpu-c1, .gpu-c2: grey-as-RGB files, the same tokens); this script
# unpacks either. Nothing here is needed off that machine.
if [ ! -x /tmp/node/bin/node ]; then mkdir -p /tmp/node/bin && xz -dc .gpu/node.xz > /tmp/node/bin/node && chmod +x /tmp/node/bin/node; fi
export PATH=/tmp/node/bin:$PATH
[ -d node_modules/commander ] || tar xJf .gpu/mods.tar.xz
export MIMO_DATA=/tmp/mimo-data  # outside the repository: untracked folders there did not outlive a call
bins=/tmp/mimo-data/cifar10/cifar-10-batches-bin
mkdir -p $bins
for f in .gpu-c*/*.xz; do [ -e "$f" ] || continue; t=$bins/$(basename "$f" .xz); [ -f "$t" ] || xz -dc "$f" > "$t"; done
for f in .gpu-c*/batches.meta.txt; do [ -e "$f" ] && cp "$f" $bins/; done
for d in .gpu-c*/sst2; do [ -d "$d" ] && mkdir -p /tmp/mimo-data/sst2 && cp "$d"/*.tsv /tmp/mimo-data/sst2/; done
ls $bins | tr '\n' ' '; echo
