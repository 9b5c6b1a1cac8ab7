#!/bin/sh
# Rebuilds wasm/training_kernels.wasm from training_kernels.c with Debian's clang and lld
# (apt-get install -y clang lld). The built .wasm is committed, so users never need a compiler.
# The module imports the tfjs wasm backend's memory and must not own a stack or data in it:
# build.sh fails if the output uses the stack pointer or imports anything but memory.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffreestanding -fno-builtin-malloc \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,--initial-memory=131072 \
  -o training_kernels.wasm training_kernels.c
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const mod = new WebAssembly.Module(readFileSync("training_kernels.wasm"));
  const imports = WebAssembly.Module.imports(mod);
  const bad = imports.filter((i) => !(i.module === "env" && i.name === "memory"));
  if (bad.length > 0) { console.error("unexpected imports:", bad); process.exit(1); }
  console.log("exports:", WebAssembly.Module.exports(mod).map((e) => e.name).join(" "));
'
