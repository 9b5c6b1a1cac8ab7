#!/bin/sh
# Rebuilds the training kernels from training_kernels.c with Debian's clang and lld (apt-get install -y clang lld):
#   training_kernels.wasm         imports the memory of the one-thread tfjs wasm build;
#   training_kernels_shared.wasm  the same code importing a shared memory (the threaded tfjs build's, up to 4 GiB),
#                                 instantiated once per kernel thread (src/backend/wasm/kernelThreads.ts).
# The built .wasm files are committed, so users never need a compiler.
# The modules live in the tfjs wasm backend's heap and must not own a stack or data in it: build.sh fails if an
# output imports anything but memory (a stack pointer or data would show up as imports or globals).
set -eu
cd "$(dirname "$0")"
flags="--target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffreestanding -fno-builtin-malloc -Wall -Wextra -Werror"
link="-Wl,--no-entry -Wl,--import-memory -Wl,--strip-all"
# shellcheck disable=SC2086
clang $flags $link -Wl,--initial-memory=131072 -o training_kernels.wasm training_kernels.c
# shellcheck disable=SC2086
clang $flags -matomics $link -Wl,--shared-memory -Wl,--initial-memory=131072 -Wl,--max-memory=4294967296 \
  -o training_kernels_shared.wasm training_kernels.c
for out in training_kernels.wasm training_kernels_shared.wasm; do
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    const file = process.argv[1];
    const mod = new WebAssembly.Module(readFileSync(file));
    const imports = WebAssembly.Module.imports(mod);
    const bad = imports.filter((i) => !(i.module === "env" && i.name === "memory" && i.kind === "memory"));
    const globals = WebAssembly.Module.exports(mod).filter((e) => e.kind !== "function");
    if (bad.length > 0 || globals.length > 0) { console.error(file, "unexpected imports/exports:", bad, globals); process.exit(1); }
    console.log(file, "exports:", WebAssembly.Module.exports(mod).map((e) => e.name).join(" "));
  ' "$out"
done
