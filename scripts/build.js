#!/usr/bin/env node
// `npm run build`: compiles src/ and kernel/ to dist/ (ESM JavaScript, .d.ts, source maps with their sources) and
// copies the runtime files the compiled code loads by relative path (the wasm training kernels).
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
// src/backend/wasm/trainingModule.ts loads ../../../wasm/training_kernels.wasm: dist/wasm/ from dist/src/backend/wasm/.
mkdirSync(join(root, "dist", "wasm"), { recursive: true });
copyFileSync(join(root, "wasm", "training_kernels.wasm"), join(root, "dist", "wasm", "training_kernels.wasm"));
