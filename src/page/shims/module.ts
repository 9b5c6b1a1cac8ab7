/**
 * `node:module` for a live page: `createRequire` gives a `require` that knows the packages the page bundles (the
 * tfjs wasm backend, which src/backend loads with require()) and where plotly.js would be; any other package is a
 * clear error (tfjs-node, onnxruntime-node and the like need Node).
 */
import * as tfjsWasm from "@tensorflow/tfjs-backend-wasm";
import { unsupported } from "../unsupported.js";
import { pageRoot } from "./process.js";

/** Where the page's virtual file system keeps the start of plotly.js (its version line; see virtualFs.ts). */
export const plotlyPagePath = `${pageRoot}/node_modules/plotly.js-dist-min/plotly.min.js`;

const bundled: Record<string, unknown> = { "@tensorflow/tfjs-backend-wasm": tfjsWasm };
const resolvable: Record<string, string> = { "plotly.js-dist-min": plotlyPagePath };

function missing(specifier: string): Error {
  return unsupported(`the package "${specifier.replace(/\/package\.json$/, "")}"`, "a live page bundles only nasbook and tfjs");
}

export function createRequire(): ((specifier: string) => unknown) & { resolve(specifier: string): string } {
  const require = (specifier: string): unknown => {
    if (specifier in bundled) return bundled[specifier];
    throw missing(specifier);
  };
  return Object.assign(require, {
    resolve(specifier: string): string {
      const path = resolvable[specifier];
      if (path === undefined) throw missing(specifier);
      return path;
    },
  });
}

export function isBuiltin(): boolean {
  return false;
}

export function syncBuiltinESMExports(): void {}

export default { createRequire, isBuiltin, syncBuiltinESMExports };
