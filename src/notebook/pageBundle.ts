/**
 * The script of a live page: src/page/main.ts and the library it runs, bundled by esbuild for browsers. Node
 * built-ins resolve to the page's versions (src/page/shims: the page's virtual files, sha256, no threads, ...);
 * packages that exist only for Node (Redis, BullMQ, ZeroMQ, native tfjs and onnxruntime, the TypeScript compiler)
 * become modules that fail with a clear message when a cell reaches them. Each of our source files sees its own
 * `import.meta.url` under the page's virtual install (`file:///nasbook/src/...`), so the library finds its files
 * (package.json, the wasm kernels) in the page's virtual file system.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Plugin } from "esbuild";
import { NasbookError } from "../errors.js";
import { isBuilt, runningSrcDir } from "../packageLocation.js";

/** What the page gets for each Node built-in (file under src/page/shims, without extension). */
const shims: Readonly<Record<string, string>> = {
  fs: "fs", "fs/promises": "fsPromises", path: "path", os: "os", url: "url", module: "module", crypto: "crypto",
  worker_threads: "workerThreads", child_process: "childProcess", events: "events", util: "util", zlib: "zlib",
  async_hooks: "asyncHooks", string_decoder: "stringDecoder", process: "process",
};

/** Packages a page cannot have; importing one fails with this reason. */
const nodeOnly: Readonly<Record<string, string>> = {
  bullmq: "the BullMQ executor needs Redis and Node",
  ioredis: "Redis stores and queues need Node",
  zeromq: "the Jupyter kernel's sockets need Node",
  "onnxruntime-node": "running ONNX models needs onnxruntime-node (Node)",
  "@tensorflow/tfjs-node": "native TensorFlow needs Node",
  typescript: "the page runs cells compiled at export time; it has no TypeScript compiler",
  "playwright-core": "a browser cannot drive a browser",
};

/** A bundling failure, with esbuild's messages. */
export class PageBundleError extends NasbookError {}

export interface PageBundle {
  /** The script (an ES module). */
  readonly code: string;
  readonly bytes: number;
  readonly seconds: number;
}

function pageSource(name: string): string {
  return join(runningSrcDir, "page", isBuilt ? `${name}.js` : `${name}.ts`);
}

/**
 * The compiled library (dist/) loads tfjs with `createRequire(import.meta.url)("@tensorflow/tfjs")` where the
 * sources import it (scripts/build.js: faster Node start). A page bundles tfjs, so those statements become the
 * imports they were.
 */
export function tfjsImportsRestored(text: string): string {
  return text.replace(
    /import \{ createRequire as (__nasbookRequire\d+) \} from "node:module"; const (?:([A-Za-z_$][\w$]*)|\{([^}]*)\}) = \1\(import\.meta\.url\)\("@tensorflow\/tfjs"\);/g,
    (_, _req: string, namespace: string | undefined, names: string | undefined) =>
      namespace !== undefined
        ? `import * as ${namespace} from "@tensorflow/tfjs";`
        : `import {${names!.replace(/\b([\w$]+)\s*:\s*([\w$]+)/g, "$1 as $2")}} from "@tensorflow/tfjs";`,
  );
}

/** The esbuild plugin that makes the library a page's (see the file comment). */
function pagePlatform(): Plugin {
  const root = dirname(runningSrcDir); // the package root (or dist/)
  return {
    name: "nasbook-page",
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        const name = args.path.replace(/^node:/, "");
        const shim = shims[name];
        if (shim !== undefined) return { path: pageSource(`shims/${shim}`) };
        if (args.path.startsWith("node:")) return { path: name, namespace: "nasbook-node-only", pluginData: `Node's ${name} module` };
        return undefined;
      });
      build.onResolve({ filter: /^(bullmq|ioredis|zeromq|onnxruntime-node|@tensorflow\/tfjs-node|typescript|playwright-core)$/ }, (args) => ({
        path: args.path, namespace: "nasbook-node-only", pluginData: nodeOnly[args.path],
      }));
      build.onLoad({ filter: /.*/, namespace: "nasbook-node-only" }, (args) => ({
        resolveDir: join(runningSrcDir, "page"),
        contents: `import { unsupported } from ${JSON.stringify(pageSource("unsupported"))};\n` +
          `throw unsupported(${JSON.stringify(`"${args.path}"`)}, ${JSON.stringify(String(args.pluginData ?? "it needs Node"))});\n`,
        loader: "js",
      }));
      // Our sources: import.meta.url as the page's virtual install sees it; compiled ones get their tfjs imports back.
      build.onLoad({ filter: /\.(ts|js)$/ }, (args) => {
        if (!args.path.startsWith(runningSrcDir + "/")) return undefined;
        const text = args.path.endsWith(".js") ? tfjsImportsRestored(readFileSync(args.path, "utf8")) : readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url")) return args.path.endsWith(".js") ? { contents: text, loader: "js" } : undefined;
        const url = `file:///nasbook/src/${relative(runningSrcDir, args.path).replace(/\.js$/, ".ts")}`;
        return { contents: text.replaceAll("import.meta.url", JSON.stringify(url)), loader: args.path.endsWith(".ts") ? "ts" : "js" };
      });
      void root;
    },
  };
}

/** Bundles the page's script (see the file comment); about 2–3 s. */
export async function buildPageBundle(opts: { minify?: boolean } = {}): Promise<PageBundle> {
  const esbuild = await import("esbuild");
  const t0 = performance.now();
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [pageSource("main")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: opts.minify ?? true,
      // Error classes are told apart by name (a stored failure is replayed only for deterministic errors, by name).
      keepNames: true,
      legalComments: "eof",
      logLevel: "silent",
      inject: [pageSource("shims/process")],
      define: { global: "globalThis" },
      plugins: [pagePlatform()],
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    throw new PageBundleError(
      `could not bundle the live page's script: ${errors.slice(0, 5).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ""}${m.text}`).join("; ") || (e as Error).message}`,
    );
  }
  const code = result.outputFiles[0]!.text;
  return { code, bytes: Buffer.byteLength(code), seconds: (performance.now() - t0) / 1000 };
}
