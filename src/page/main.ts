/**
 * The script of a live page: it unpacks what the export embedded (files into the page's virtual file system, the
 * tfjs wasm binary, the trial results), points tfjs at its wasm, and runs the notebook live (livePage.ts). The saved
 * outputs stay on screen until each cell's live output replaces them. `window.nasbookLive` exposes the page's state
 * (used by the browser tests, and handy in the console).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as url from "node:url";
import * as util from "node:util";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as nasbook from "../index.js";
import { page } from "./dom.js";
import { LivePage } from "./livePage.js";
import { blobAttribute, payloadElementId, payloadFormat, type LivePayload } from "./payload.js";
import { replayStore } from "./replayStore.js";
import { addFile, addInflated } from "./virtualFs.js";

const started = performance.now();

/**
 * What cells may import besides nasbook: the page's tfjs, and the page versions of Node built-ins (these resolve to
 * src/page/shims in the bundle: files read from the page's embedded ones, writes refused with a clear message).
 */
const cellModules: Record<string, unknown> = { "@tensorflow/tfjs": tf };
for (const [name, m] of Object.entries({ fs, os, path, url, util })) cellModules[`node:${name}`] = cellModules[name] = m;

function blobText(name: string): string {
  const el = page.document.querySelector(`script[${blobAttribute}="${name}"]`);
  if (!el) throw new Error(`this page is damaged: its embedded "${name}" is missing`);
  return el.textContent ?? "";
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ""));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new page.Response(new page.Blob([bytes])).body as { pipeThrough(t: object): unknown };
  const inflated = new page.Response(stream.pipeThrough(new page.DecompressionStream("gzip")));
  return new Uint8Array(await inflated.arrayBuffer());
}

/** A blob's bytes: base64 of gzip, inflated (or, `stored`, the bytes as they are). */
async function blob(name: string, stored = false): Promise<Uint8Array> {
  const bytes = base64Bytes(blobText(name));
  return stored ? bytes : gunzip(bytes);
}

/** Counts optimizer steps (every built-in optimizer trains through `minimize`), so the page can say what it trained. */
function countTrainingSteps(): () => number {
  let steps = 0;
  const proto = tf.Optimizer.prototype as unknown as { minimize: (...args: unknown[]) => unknown };
  const minimize = proto.minimize;
  proto.minimize = function (this: unknown, ...args: unknown[]) {
    steps++;
    return minimize.apply(this, args);
  };
  return () => steps;
}

function backendDescription(): { name: string; description: string } | undefined {
  const info = nasbook.backendInfo();
  if (!info) return undefined;
  const kernels = info.name === "wasm" && info.trainingKernels.length ? " with nasbook's training kernels" : "";
  return { name: info.name, description: `${info.name}${info.simd ? " (SIMD)" : ""}${kernels}` };
}

async function start(): Promise<LivePage> {
  const payloadText = page.document.getElementById(payloadElementId)?.textContent;
  if (!payloadText) throw new Error("this page has no live notebook payload");
  const payload = JSON.parse(payloadText) as LivePayload;
  if (payload.format !== payloadFormat) throw new Error(`this page's payload has format ${payload.format}; this script reads format ${payloadFormat}`);
  await Promise.all(payload.files.map(async (f) => {
    const bytes = await blob(f.blob, f.gzipFile === true);
    addFile(f.path, bytes);
    if (f.gzipFile) addInflated(f.path, await gunzip(bytes));
  }));
  // The threaded build needs cross-origin isolation, which a page opened from disk never has: SIMD, one thread.
  const wasmUrl = page.URL.createObjectURL(new page.Blob([await blob(payload.tfjsWasm)], { type: "application/wasm" }));
  setWasmPaths({ "tfjs-backend-wasm.wasm": wasmUrl, "tfjs-backend-wasm-simd.wasm": wasmUrl, "tfjs-backend-wasm-threaded-simd.wasm": wasmUrl });
  const trials = JSON.parse(new TextDecoder().decode(await blob(payload.trials.blob))) as [string, unknown][];
  const store = replayStore(trials);
  // plotly.js is in the page once (<head>): no live figure carries it again.
  nasbook.viz.defaultPlotlySession.claim("live page: plotly.js is in <head>");
  const trainingSteps = countTrainingSteps();
  const live = new LivePage({ payload, library: nasbook as unknown as Record<string, unknown>, modules: cellModules, store, backend: backendDescription, trainingSteps }, started);
  Object.assign(page.window, {
    nasbookLive: {
      page: live,
      store,
      stats: () => ({
        settled: live.isSettled(), embedded: store.embedded, replayed: store.replayed, computed: store.computed,
        trainingSteps: trainingSteps(), timings: live.timings, backend: nasbook.backendInfo(),
      }),
    },
  });
  await live.start();
  return live;
}

const ready = start();
Object.assign(page.window, { nasbookLiveReady: ready });
ready.catch((e: unknown) => {
  console.error(e);
  const bar = page.document.createElement("div");
  bar.id = "nasbook-live-status";
  bar.setAttribute("data-failed", "1");
  bar.textContent = `This page could not start its live notebook: ${e instanceof Error ? e.message : String(e)}. The outputs below are the saved ones.`;
  page.document.body.insertBefore(bar, page.document.body.children[0] ?? null);
});
