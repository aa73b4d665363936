#!/usr/bin/env bash
# Builds the addon (build/Release/mimo_native.node) with g++ alone: no node-gyp, no download of
# Node's headers. For machines that have a libtorch but no network, e.g. a GPU machine with PyTorch,
# whose bundled libtorch (with CUDA) the addon then links against.
#
#   LIBTORCH   libtorch root (include/, lib/); default: the installed PyTorch's (python3 -c 'import torch'),
#              else the system's (Debian's libtorch-dev)
#   NODE_API   folder holding node_api.h; default: Node's own include/node
#   CXX_STD    C++ standard (default binding.gyp's, c++17; libtorch 2.11 built with it)
#   JOBS       parallel compilations (default: the cores)
set -euo pipefail
cd "$(dirname "$0")/.."

LIBTORCH=${LIBTORCH:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null || true)}
NODE_API=${NODE_API:-$(dirname "$(dirname "$(command -v node)")")/include/node}
# Sources, defines and C++ flags come from binding.gyp (the node-gyp build), so the two builds agree.
gyp() { node -e "const t = JSON.parse(require('fs').readFileSync('binding.gyp', 'utf8')).targets[0]; console.log($1)"; }
CXX_STD=${CXX_STD:-$(gyp "t.cflags_cc.find((f) => f.startsWith('-std=')).slice(5)")}
JOBS=${JOBS:-$(nproc)}
if [ -n "$LIBTORCH" ]; then export LIBTORCH; else unset LIBTORCH; fi
[ -f "$NODE_API/node_api.h" ] || { echo "no node_api.h in $NODE_API: set NODE_API to the folder of Node's headers" >&2; exit 1; }

sources=$(gyp "t.sources.join(' ')")
defines=$(gyp "t.defines.map((d) => '-D' + d).join(' ')")
cxxflags=$(gyp "t.cflags_cc.filter((f) => !f.startsWith('<!') && !f.startsWith('-std=')).join(' ')")
includes="-I$(node -p "require('node-addon-api').include_dir") -I$NODE_API"
for d in $(node native/config.cjs includes); do includes="$includes -I$d"; done
flags="-std=$CXX_STD -fPIC $cxxflags $defines $(node native/config.cjs cflags)"

mkdir -p build/Release/obj
echo "building against ${LIBTORCH:-the system libtorch} ($CXX_STD, $JOBS jobs)"
# shellcheck disable=SC2086
printf '%s\n' $sources | xargs -P "$JOBS" -I{} sh -c "g++ $flags $includes -c {} -o build/Release/obj/\$(basename {} .cc).o && echo '  compiled {}'"
# shellcheck disable=SC2046
g++ -shared -o build/Release/mimo_native.node build/Release/obj/*.o $(node native/config.cjs libs)
echo "built build/Release/mimo_native.node"
