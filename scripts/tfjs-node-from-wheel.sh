#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native binding against the TensorFlow shared libraries of the PyPI wheel
# `tensorflow-cpu`, for machines that reach PyPI but not Google storage (where tfjs-node's own install script
# downloads libtensorflow). Run it from the repository after `npm ci`; `npm ci` removes what it builds, so run it
# again after every `npm ci`.
#
#   scripts/tfjs-node-from-wheel.sh                  # downloads the wheel with pip (cached), builds, checks
#   scripts/tfjs-node-from-wheel.sh --wheel FILE     # uses a wheel you already have (no network)
#
# Why tensorflow-cpu 2.15.1 (override with TF_WHEEL_VERSION): its wheel ships libtensorflow_cc.so.2, which exports
# every TF_*/TFE_* C-API function the binding calls (55, checked below with nm -D) and needs no Python. tfjs-node
# 4.22 was written for libtensorflow 2.9.1, but the 2.9.1 wheel has its C API only inside the Python extension
# `_pywrap_tensorflow_internal.so`, which leaves 187 Python symbols undefined (PyBaseObject_Type, ...): Node could
# load it only with libpython preloaded. The C API used here is TensorFlow's stable one, unchanged from 2.9 to 2.15.
#
# Needs: node with its headers (node_api.h, shipped with Node under <prefix>/include/node), npm (its bundled node-gyp),
# g++ and make, python3 with pip (only to download the wheel), about 1.4 GB of free disk during the build.
# Takes about a minute and a half on 2 cores (download ~250 MB, extract ~600 MB, compile two C++ files).
set -euo pipefail
cd "$(dirname "$0")/.."

tf_version="${TF_WHEEL_VERSION:-2.15.1}"
cache="${NASBOOK_TF_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nasbook/tf-wheel}"
wheel=""
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) wheel="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "tfjs-node-from-wheel: unknown argument $1 (use --wheel FILE, or none)" >&2; exit 2 ;;
  esac
done

fail() { echo "tfjs-node-from-wheel: $*" >&2; exit 1; }
started=$(date +%s)

tfjs_version=$(node -p 'require("./package.json").optionalDependencies["@tensorflow/tfjs-node"]')
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$node_prefix/include/node/node_api.h" ] || fail "no Node headers at $node_prefix/include/node (install the package that ships node_api.h, e.g. Debian's nodejs or libnode-dev)"
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
[ -f "$node_gyp" ] || fail "npm's bundled node-gyp not found at $node_gyp"
command -v g++ >/dev/null && command -v make >/dev/null || fail "g++ and make are needed (apt-get install g++ make)"

# 1. The wheel.
if [ -z "$wheel" ]; then
  mkdir -p "$cache"
  wheel=$(ls "$cache"/tensorflow_cpu-"$tf_version"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    echo "tfjs-node-from-wheel: downloading tensorflow-cpu==$tf_version from PyPI into $cache"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux2014_x86_64 "tensorflow-cpu==$tf_version" -d "$cache" \
      || fail "pip could not download tensorflow-cpu==$tf_version; download the wheel elsewhere and pass --wheel FILE"
    wheel=$(ls "$cache"/tensorflow_cpu-"$tf_version"-*.whl | head -n 1)
  fi
fi
[ -f "$wheel" ] || fail "wheel $wheel not found"

# 2. tfjs-node's package and its dependencies, without its install script (that is the step that downloads).
npm install --no-save --ignore-scripts --no-audit --no-fund "@tensorflow/tfjs-node@$tfjs_version" >/dev/null
pkg=node_modules/@tensorflow/tfjs-node
[ -f "$pkg/binding.gyp" ] || fail "npm did not install @tensorflow/tfjs-node@$tfjs_version"

# 3. The libraries and C headers, where binding.gyp looks for them (deps/lib, deps/include).
rm -rf "$pkg/deps" "$pkg/lib" "$pkg"/build "$pkg"/build-tmp-*
python3 - "$wheel" "$pkg/deps" <<'PY'
import os, shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
libs = {"tensorflow/libtensorflow_cc.so.2": "lib", "tensorflow/libtensorflow_framework.so.2": "lib"}
headers = ("tensorflow/include/tensorflow/c/", "tensorflow/include/tsl/c/", "tensorflow/include/tsl/platform/ctstring",
           "tensorflow/include/tensorflow/core/platform/ctstring")
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    missing = [n for n in libs if n not in names]
    if missing:
        sys.exit(f"tfjs-node-from-wheel: {os.path.basename(wheel)} has no {', '.join(missing)} "
                 "(the 2.9.1 wheel, for one, keeps its C API inside the Python extension); use 2.15.1")
    for name in names:
        if name in libs:
            target = os.path.join(deps, "lib", os.path.basename(name))
        elif name.startswith(headers) and name.endswith(".h"):
            target = os.path.join(deps, "include", name[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(name) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        if target.endswith(".so.2"):
            os.chmod(target, 0o755)
PY
# binding.gyp links -ltensorflow -ltensorflow_framework; the cc library's soname (libtensorflow_cc.so.2) is what
# the built binding then loads, next to it through the binding's rpath ($ORIGIN/../../deps/lib).
ln -sf libtensorflow_cc.so.2 "$pkg/deps/lib/libtensorflow.so"
ln -sf libtensorflow_framework.so.2 "$pkg/deps/lib/libtensorflow_framework.so"

# 4. Every C-API function the binding calls must be exported by the two libraries.
exported=$(nm -D --defined-only "$pkg/deps/lib/libtensorflow_cc.so.2" "$pkg/deps/lib/libtensorflow_framework.so.2" \
  | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' | grep -E '^TFE?_' | sort -u)
missing=()
for sym in $(grep -ohE '\bTFE?_[A-Za-z0-9_]+\(' "$pkg"/binding/*.cc "$pkg"/binding/*.h | tr -d '(' | sort -u); do
  case "$sym" in TF_AutoStatus|TF_AutoTensor|TFE_AutoOp|TF_TString_*) continue ;; esac # binding classes, inline header functions
  grep -qx "$sym" <<<"$exported" || missing+=("$sym")
done
[ ${#missing[@]} -eq 0 ] || fail "the wheel's libraries do not export: ${missing[*]}"

# 5. Compile the binding (node-pre-gyp computes module_path lib/napi-vN; local headers, no header download).
(cd "$pkg" && npm_config_node_gyp="$node_gyp" node ../../@mapbox/node-pre-gyp/bin/node-pre-gyp rebuild \
  --build-from-source --build-latest-napi-version-only --nodedir="$node_prefix" >build.log 2>&1) \
  || { tail -n 30 "$pkg/build.log" >&2; fail "building the binding failed (full log: $pkg/build.log)"; }
rm -rf "$pkg"/build-tmp-*

# 6. Check: the backend loads and computes.
node -e '
  const tf = require("@tensorflow/tfjs-node");
  const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync();
  if (tf.getBackend() !== "tensorflow" || y.join() !== "19,22,43,50") { console.error("wrong result", tf.getBackend(), y); process.exit(1); }
  console.log(`tfjs-node-from-wheel: @tensorflow/tfjs-node ${tf.version["tfjs-node"]} on TensorFlow ${tf.backend().binding.TF_Version}`);
'
echo "tfjs-node-from-wheel: done in $(( $(date +%s) - started )) s"
