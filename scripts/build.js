#!/usr/bin/env node
// `npm run build`: compiles src/ and kernel/ to dist/ (ESM JavaScript, .d.ts, source maps with their sources),
// loads tfjs through require() in the compiled code (below) and copies the runtime files the compiled code loads by
// relative path (the wasm training kernels).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
// `import * as tf from "@tensorflow/tfjs"` of a CommonJS package makes Node scan its source, and every package it
// re-exports (~7 MB of tfjs bundles), for export names before running it: about 200 ms of every process and pool
// thread start. The compiled code requires tfjs instead (the same module object; the sources keep their typed ES
// imports). Each statement is rewritten in place, its line breaks kept, so the source maps stay exact.
const tfjsImport = /^import (?:\* as ([A-Za-z_$][\w$]*)|\{([^}]*)\}) from "@tensorflow\/tfjs";$/gm;
let rewritten = 0;
function rewriteTfjsImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) { rewriteTfjsImports(path); continue; }
    if (!entry.name.endsWith(".js")) continue;
    const text = readFileSync(path, "utf8");
    let k = 0;
    const out = text.replace(tfjsImport, (_, namespace, names) => {
      const req = `__nasbookRequire${k++}`;
      const head = `import { createRequire as ${req} } from "node:module"; `;
      const from = `${req}(import.meta.url)("@tensorflow/tfjs")`;
      if (namespace) return `${head}const ${namespace} = ${from};`;
      return `${head}const {${names.replace(/\b([\w$]+)\s+as\s+([\w$]+)/g, "$1: $2")}} = ${from};`;
    });
    if (out !== text) { writeFileSync(path, out); rewritten += k; }
  }
}

// The build goes to a staging directory beside dist/ and replaces dist/ only when complete, so a kernel, pool thread
// or CLI running from dist/ meanwhile (a second `npm run build`, `npm pack` in the tests) never finds it half made
// or missing. Staging sits at the same depth as dist/, so the source maps' relative paths are the same.
const dist = join(root, "dist");
const staging = join(root, `.dist-build-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", staging], { stdio: "inherit", cwd: root });
  // src/backend/wasm/trainingModule.ts loads ../../../wasm/training_kernels.wasm: dist/wasm/ from dist/src/backend/wasm/.
  mkdirSync(join(staging, "wasm"), { recursive: true });
  copyFileSync(join(root, "wasm", "training_kernels.wasm"), join(staging, "wasm", "training_kernels.wasm"));
  copyFileSync(join(root, "wasm", "training_kernels_shared.wasm"), join(staging, "wasm", "training_kernels_shared.wasm"));
  // kernel/kernelspec.ts installs the classic Notebook's kernel.js from beside itself.
  copyFileSync(join(root, "kernel", "classicNotebook.js"), join(staging, "kernel", "classicNotebook.js"));
  rewriteTfjsImports(staging);
  if (rewritten === 0) throw new Error("build: found no `@tensorflow/tfjs` import to rewrite in dist/; update scripts/build.js");
  const old = join(root, `.dist-old-${process.pid}`);
  try {
    renameSync(dist, old);
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  renameSync(staging, dist);
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(staging, { recursive: true, force: true });
}
