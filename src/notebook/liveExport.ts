/**
 * `nasbook export NB.ipynb --html --live`: one HTML file that opens from disk with no server and no network, shows
 * the notebook's outputs at once, and then runs the notebook live in the reader's browser (src/page): controls re-run
 * their readers, and trials the notebook ran are replayed, not recomputed.
 *
 * Export runs the notebook once in Node exactly as `nasbook run` does (same seed, same `--set` values as its
 * manifest says, the notebook directory's trial store, so what was computed before is not computed again) and records
 * on the way: the result of every trial its searches asked for (by content key), the data files its cells read, and
 * its compile steps (livePlan.ts). The trials are computed on the wasm backend unless NASBOOK_BACKEND says otherwise:
 * a trained trial's key names its backend, and wasm is what a page trains on, so the page replays them.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { dataDir } from "../data/dir.js";
import { NasbookError } from "../errors.js";
import { configuredSharedKey } from "../exec/sharedKey.js";
import { directoryStore, memoryStore } from "../exec/store.js";
import { encodeResult } from "../exec/resultCodec.js";
import type { TrialStore } from "../exec/types.js";
import { packageRoot } from "../packageLocation.js";
import { blobAttribute, payloadElementId, payloadFormat, type LiveFile, type LivePayload } from "../page/payload.js";
import { pageDataDir, pageRoot } from "../page/shims/process.js";
import { plotlyPagePath } from "../page/shims/module.js";
import { plotlySource, scriptSafe } from "../viz/plotlyLibrary.js";
import { notebookToHtml } from "./htmlExport.js";
import { readIpynb, type NotebookDocument } from "./ipynb.js";
import { livePlan } from "./livePlan.js";
import { buildPageBundle } from "./pageBundle.js";
import { runNotebook, type RunProgress } from "./runner.js";
import { NotebookSession, notebookDirOf, notebookTrialDir } from "./session.js";

/** The notebook cannot be made a live page (it fails, or a part of the page cannot be made). */
export class LiveExportError extends NasbookError {}

export interface LiveExportOptions {
  /** The notebook file (.ipynb). */
  readonly notebook: string;
  /** Control values (`--set name=value`); default: those in the notebook's manifest, if it was run with some. */
  readonly set?: Readonly<Record<string, string>>;
  readonly seed?: number;
  readonly showCode?: boolean;
  readonly title?: string;
  readonly onProgress?: (p: RunProgress) => void;
}

/** What went into the page, in bytes (of the file as written). */
export interface LivePageSizes {
  total: number;
  /** The page's script (the library, tfjs, the page runtime), minified. */
  script: number;
  plotly: number;
  /** tfjs's wasm binary and the training kernels, base64 of gzip. */
  wasm: number;
  /** The trial results, base64 of gzip. */
  trials: number;
  /** Data files, base64 of gzip. */
  data: number;
  /** Everything else: prose, code, saved outputs, the payload's compile steps. */
  rest: number;
}

export interface LiveExport {
  readonly html: string;
  /** The executed notebook (what `nasbook run` would save). */
  readonly notebook: NotebookDocument;
  readonly trials: number;
  readonly dataFiles: readonly string[];
  readonly sizes: LivePageSizes;
  /** Seconds: running the notebook, compiling the plan, bundling the script. */
  readonly seconds: { run: number; plan: number; bundle: number };
  /** The tfjs backend the notebook's trials were computed on. */
  readonly backend: string | undefined;
}

/** A store that remembers every result a search got from it or gave it (the notebook's trials). */
function recordingStore(inner: TrialStore, seen: Map<string, unknown>): TrialStore {
  return {
    name: inner.name,
    async get(key) {
      const r = await inner.get(key);
      if (r) seen.set(key, encodeResult(r));
      return r;
    },
    async put(key, result) {
      seen.set(key, encodeResult(result));
      await inner.put(key, result);
    },
  };
}

function base64Gzip(bytes: Uint8Array): string {
  return gzipSync(bytes, { level: 9 }).toString("base64");
}

function blobElement(name: string, base64: string): string {
  return `<script type="application/octet-stream" ${blobAttribute}="${name}">${base64}</script>`;
}

/** Runs `notebook` and makes its live page (see the file comment). */
export async function exportLive(options: LiveExportOptions): Promise<LiveExport> {
  const path = resolve(options.notebook);
  const doc = readIpynb(path);
  const manifestSet = ((doc.metadata["nasbook"] as { manifest?: { set?: Record<string, string> } } | undefined)?.manifest?.set) ?? undefined;
  const set = options.set ?? manifestSet ?? {};
  // The page trains on wasm: computing the trials on wasm here gives them the keys the page asks for.
  process.env.NASBOOK_BACKEND ??= "wasm";
  const seen = new Map<string, unknown>();
  const storeOff = process.env.NASBOOK_TRIALS?.trim().toLowerCase() === "off";
  const inner = storeOff ? memoryStore() : directoryStore(notebookTrialDir(notebookDirOf(path)), { key: configuredSharedKey() });
  const session = new NotebookSession({ store: recordingStore(inner, seen) });
  const t0 = performance.now();
  const run = await runNotebook(doc, { cwd: dirname(path), session, seed: options.seed, set, onProgress: options.onProgress });
  const runSeconds = (performance.now() - t0) / 1000;
  if (run.failures.length) {
    const f = run.failures[0]!;
    throw new LiveExportError(
      `the notebook fails at cell ${f.index} (${f.error.ename}: ${f.error.evalue.split("\n")[0]}); a live page of it would fail the same way: fix the cell, or export without --live`,
    );
  }
  const t1 = performance.now();
  const steps = livePlan(run.notebook, { cwd: dirname(path) });
  const planSeconds = (performance.now() - t1) / 1000;
  const bundle = await buildPageBundle();

  const blobs: string[] = [];
  const files: LiveFile[] = [];
  let wasmBytes = 0;
  let dataBytes = 0;
  const addBlob = (name: string, base64: string): string => {
    blobs.push(blobElement(name, base64));
    return name;
  };
  const addFile = (pagePath: string, bytes: Uint8Array, kind: "data" | "wasm" | "other"): void => {
    const gzipFile = pagePath.endsWith(".gz");
    const text = gzipFile ? Buffer.from(bytes).toString("base64") : base64Gzip(bytes);
    if (kind === "data") dataBytes += text.length;
    if (kind === "wasm") wasmBytes += text.length;
    files.push({ path: pagePath, blob: addBlob(`file:${pagePath}`, text), bytes: bytes.length, ...(gzipFile ? { gzipFile } : {}) });
  };
  // nasbook's own files the library opens in the page.
  const version = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  addFile(`${pageRoot}/package.json`, Buffer.from(JSON.stringify({ name: "nasbook", version })), "other");
  addFile(`${pageRoot}/wasm/training_kernels.wasm`, readFileSync(join(packageRoot, "wasm", "training_kernels.wasm")), "wasm");
  // plotly.js itself is in <head>; the library reads only its first line (the version) from the file.
  addFile(plotlyPagePath, Buffer.from(plotlySource().slice(0, 200)), "other");
  // The data the cells read.
  const data = run.manifest.data.map((d) => d.path);
  for (const rel of data) addFile(`${pageDataDir}/${rel}`, readFileSync(join(dataDir(), rel)), "data");
  const tfjsWasm = readFileSync(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
  const tfjsWasmText = base64Gzip(tfjsWasm);
  wasmBytes += tfjsWasmText.length;
  addBlob("tfjs-wasm", tfjsWasmText);
  const trialsText = base64Gzip(Buffer.from(JSON.stringify([...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
  addBlob("trials", trialsText);

  const payload: LivePayload = {
    format: payloadFormat, nasbook: version, steps, controls: set,
    trials: { blob: "trials", count: seen.size }, backend: run.manifest.backend?.name, files, tfjsWasm: "tfjs-wasm",
  };
  const live =
    `<script type="application/json" id="${payloadElementId}">${JSON.stringify(payload).replace(/</g, "\\u003c")}</script>\n` +
    `${blobs.join("\n")}\n<script type="module">${scriptSafe(bundle.code)}</script>\n`;
  const html = notebookToHtml(run.notebook, { showCode: options.showCode, title: options.title, plotly: "always", bodyEnd: live });
  const total = Buffer.byteLength(html);
  const plotly = plotlySource().length;
  const script = bundle.bytes;
  const rest = total - script - plotly - wasmBytes - trialsText.length - dataBytes;
  return {
    html, notebook: run.notebook, trials: seen.size, dataFiles: data, backend: run.manifest.backend?.name,
    sizes: { total, script, plotly, wasm: wasmBytes, trials: trialsText.length, data: dataBytes, rest },
    seconds: { run: runSeconds, plan: planSeconds, bundle: bundle.seconds },
  };
}
