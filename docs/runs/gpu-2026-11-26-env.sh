# Sourced at the start of every command on the GPU machine (session 22, 2026-11-26): Node (carried as
# .gpu/node.xz), the runtime npm packages (.gpu/mods.tar.xz), and CIFAR-10's binary files, carried in
# parts (.gpu-c1 … .gpu-c4, xz) across calls and unpacked into /tmp/mimo-data/cifar10/ (MIMO_DATA).
# Nothing here is needed off that machine; the project's own build path is scripts/build-native-gcc.sh.
if [ ! -x /tmp/node/bin/node ]; then mkdir -p /tmp/node/bin && xz -dc .gpu/node.xz > /tmp/node/bin/node && chmod +x /tmp/node/bin/node; fi
export PATH=/tmp/node/bin:$PATH
[ -d node_modules/commander ] || tar xJf .gpu/mods.tar.xz
export MIMO_DATA=/tmp/mimo-data  # outside the repository: untracked folders there did not outlive a call
bins=/tmp/mimo-data/cifar10/cifar-10-batches-bin
mkdir -p $bins
for f in .gpu-c*/*.xz; do [ -e "$f" ] || continue; t=$bins/$(basename "$f" .xz); [ -f "$t" ] || xz -dc "$f" > "$t"; done
[ -f .gpu-c4/batches.meta.txt ] && cp .gpu-c4/batches.meta.txt $bins/
ls $bins | tr '\n' ' '; echo
