/**
 * Every zero-cost score of one NAS-Bench-201 cell in one trial: the cell's size read from the architecture (params,
 * FLOPs and trainable layers of the published C=16, N=5 network, exact), and the proxies of an untrained, seeded
 * network built for the cell (default C=8, N=1: the gradient proxies of a full-size network cost ~90 s per cell on
 * this machine, see docs/fidelity-proxies.md) on one fixed batch shared by every cell:
 *
 * - label-free: synflow (no data at all; reported as log), naswot, jacob_cov, MeCo (first image of the batch), SWAP,
 *   AZ-NAS's expressivity, progressivity and trainability;
 * - with the batch's labels: snip, grad_norm.
 *
 * The batch is never CIFAR (nasbook has no CIFAR images): `images: "mnist"` (default) takes `batchSize` MNIST test
 * digits chosen by `batchSeed`, standardised, padded to 32x32 and repeated over three channels, with their labels;
 * `images: "noise"` is N(0, 1) noise with uniform random labels. The evaluator is a module recipe, so the worker pool
 * and BullMQ workers rebuild it, and its fingerprint names every setting, so its trials are content-addressed.
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/index.js";
import { batchOf } from "../data/batches.js";
import { loadMnist } from "../data/mnist.js";
import { sha256Hex } from "../hash.js";
import { NB201_PAPER, nb201Params, nb201TrainableLayers } from "../model/nb201Params.js";
import { nb201Flops } from "../model/nb201Flops.js";
import { nb201Network } from "../model/nb201.js";
import { Rng } from "../rng.js";
import type { Nb201Arch } from "../space/nb201.js";
import { AbortError, throwIfAborted } from "../errors.js";
import { azNasScores } from "./azNas.js";
import { meco } from "./meco.js";
import { jacobCov, naswot, snipAndGradNorm, synflow, type ProxyBatch } from "./proxies.js";
import { swap } from "./swap.js";
import { failedResult, type EvaluateOptions, type Evaluator, type TrialResult } from "./types.js";

/** The metrics of one trial, in table column order. Higher is better for every one (as published). */
export const NB201_ZC_METRICS = [
  "params", "flops", "layers",
  "synflow", "naswot", "jacob_cov", "meco", "swap", "az_expressivity", "az_progressivity", "az_trainability",
  "snip", "grad_norm",
] as const;
export type Nb201ZcMetric = (typeof NB201_ZC_METRICS)[number];

/** The metrics that need no labels (every one but snip and grad_norm). */
export const NB201_ZC_LABEL_FREE: readonly Nb201ZcMetric[] = NB201_ZC_METRICS.filter((m) => m !== "snip" && m !== "grad_norm");

export interface Nb201ZeroCostOptions {
  /** Channels of the scored network's first stage (default 8). */
  channels?: number;
  /** Cells per stage of the scored network (default 1). */
  cellsPerStage?: number;
  /** Examples in the shared batch (default 32; SWAP takes at most 48). */
  batchSize?: number;
  /** What the batch is (default "mnist"; see the file comment). */
  images?: "mnist" | "noise";
  /** Which examples / which noise (default 0). */
  batchSeed?: number;
  /** Data directory holding mnist/t10k-* (default: the process's, see dataDir()). */
  dataDir?: string;
  /** "auto" (default) selects nasbook's backend with initBackend(); "current" keeps the active one. */
  backend?: "auto" | "current";
}

/** The batch every cell is scored on, with its identity (sha256 of its values) for the fingerprint. */
interface SharedBatch {
  x: Float32Array;
  y: Int32Array;
  n: number;
  note: string;
  sha256: string;
}

async function makeBatch(o: Required<Omit<Nb201ZeroCostOptions, "dataDir" | "backend">> & { dataDir?: string }): Promise<SharedBatch> {
  const rng = new Rng(`nb201-zc/batch/${o.batchSeed}`);
  const per = 32 * 32 * 3;
  const x = new Float32Array(o.batchSize * per);
  const y = new Int32Array(o.batchSize);
  let note: string;
  if (o.images === "noise") {
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < y.length; i++) y[i] = rng.int(10);
    note = `${o.batchSize} images of N(0, 1) noise (seed ${o.batchSeed}), uniform random labels`;
  } else {
    // download: false — the 10k test digits in the data directory are enough for one batch.
    const mnist = (await loadMnist({ download: false, dataDir: o.dataDir, log: () => {} })).train;
    const idx = rng.sample(Array.from({ length: mnist.labels.length }, (_, i) => i), o.batchSize);
    const mean = 0.1307;
    const sd = 0.3081;
    idx.forEach((j, i) => {
      y[i] = mnist.labels[j]!;
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          const inside = r >= 2 && r < 30 && c >= 2 && c < 30;
          const v = inside ? mnist.images[j * 784 + (r - 2) * 28 + (c - 2)]! : 0;
          const z = (v - mean) / sd; // padding gets the standardised background value
          for (let ch = 0; ch < 3; ch++) x[i * per + (r * 32 + c) * 3 + ch] = z;
        }
      }
    });
    note = `${o.batchSize} MNIST test digits (seed ${o.batchSeed}; standardised, padded to 32x32, repeated over 3 channels), their labels`;
  }
  const sha256 = sha256Hex(Buffer.concat([Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)]));
  return { x, y, n: o.batchSize, note, sha256 };
}

/**
 * CPU seconds used so far by the calling thread (Linux: /proc/thread-self/stat, in clock ticks of 10 ms), or
 * undefined elsewhere. A pool thread's trials are timed with it: process.cpuUsage() would add the other threads'.
 */
export function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The size metrics of a cell, from the architecture alone (no tensors): the C=16, N=5 network, 10 classes. */
export function nb201SizeMetrics(arch: Nb201Arch): { params: number; flops: number; layers: number } {
  const size = { ...NB201_PAPER, numClasses: 10 };
  return { params: nb201Params(arch, size), flops: nb201Flops(arch, { ...size, inputShape: [32, 32, 3] }), layers: nb201TrainableLayers(arch, size) };
}

export interface Nb201ZeroCostEvaluator extends Evaluator<Nb201Arch> {
  /** What the shared batch is, in words (for reports). */
  batchNote(): Promise<string>;
}

/** Scores a NAS-Bench-201 cell by every zero-cost metric (see the file comment); objective `params`. */
export function nb201ZeroCostEvaluator(opts: Nb201ZeroCostOptions = {}): Nb201ZeroCostEvaluator {
  const o = {
    channels: opts.channels ?? 8,
    cellsPerStage: opts.cellsPerStage ?? 1,
    batchSize: opts.batchSize ?? 32,
    images: opts.images ?? "mnist",
    batchSeed: opts.batchSeed ?? 0,
    dataDir: opts.dataDir,
    backend: opts.backend ?? "auto",
  };
  if (!(Number.isInteger(o.channels) && o.channels >= 1)) throw new RangeError(`nb201ZeroCostEvaluator: channels must be an integer >= 1, got ${o.channels}`);
  if (!(Number.isInteger(o.cellsPerStage) && o.cellsPerStage >= 1)) throw new RangeError(`nb201ZeroCostEvaluator: cellsPerStage must be an integer >= 1, got ${o.cellsPerStage}`);
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 2 && o.batchSize <= 48)) throw new RangeError(`nb201ZeroCostEvaluator: batchSize must be an integer in 2..48 (SWAP packs one bit per example), got ${o.batchSize}`);
  if (o.images !== "mnist" && o.images !== "noise") throw new RangeError(`nb201ZeroCostEvaluator: images must be "mnist" or "noise", got ${JSON.stringify(o.images)}`);
  let ready: Promise<SharedBatch> | undefined;
  const batch = () =>
    (ready ??= (async () => {
      if (o.backend !== "current") await initBackend();
      return makeBatch(o);
    })());
  return {
    name: "nb201-zero-cost",
    objective: "params",
    recipe: { kind: "module", module: import.meta.url, export: "nb201ZeroCostEvaluator", options: { ...o } },
    async fingerprint() {
      const b = await batch();
      // Where the digits are read from does not change them (their hash is in `batch`); the backend actually used is.
      const { dataDir: _d, backend: _b, ...settings } = o;
      return { kind: "nb201-zero-cost", version: 1, metrics: NB201_ZC_METRICS, ...settings, batch: b.sha256, backend: tf.getBackend() };
    },
    batchNote: async () => (await batch()).note,
    async evaluate(arch: Nb201Arch, e: EvaluateOptions): Promise<TrialResult> {
      const t0 = performance.now();
      const cpu0 = threadCpuSeconds();
      let net: ReturnType<typeof nb201Network> | undefined;
      let pb: ProxyBatch | undefined;
      try {
        throwIfAborted(e.signal);
        const b = await batch();
        pb = { x: tf.tensor4d(b.x, [b.n, 32, 32, 3]), y: tf.tensor1d(b.y, "int32") };
        net = nb201Network(arch, { channels: o.channels, cellsPerStage: o.cellsPerStage, inputShape: [32, 32, 3], numClasses: 10, seed: e.seed });
        const model = net.built.model;
        const metrics: Record<string, number> = { ...nb201SizeMetrics(arch) };
        // synflow's value spans hundreds of orders of magnitude: its log keeps the ranks and stays finite.
        metrics.synflow = Math.log(await synflow(model, pb));
        metrics.naswot = await naswot(model, pb);
        metrics.jacob_cov = await jacobCov(model, pb);
        metrics.meco = await meco(model, pb.x);
        metrics.swap = await swap(model, pb.x);
        const az = await azNasScores(model, net.blocks, pb.x, e.seed);
        metrics.az_expressivity = az.expressivity;
        metrics.az_progressivity = az.progressivity;
        metrics.az_trainability = az.trainability;
        throwIfAborted(e.signal);
        const withLabels = await snipAndGradNorm(model, pb);
        metrics.snip = withLabels.snip;
        metrics.grad_norm = withLabels.gradNorm;
        const cpu1 = threadCpuSeconds();
        // What the trial cost this thread (not a score): the whole-space pass reports its sum.
        if (cpu0 !== undefined && cpu1 !== undefined) metrics.cpu_seconds = cpu1 - cpu0;
        return { status: "ok", metrics, cost: { seconds: (performance.now() - t0) / 1000 } };
      } catch (err) {
        if (err instanceof AbortError) throw err;
        return failedResult(err, (performance.now() - t0) / 1000);
      } finally {
        if (pb) tf.dispose([pb.x, pb.y]);
        net?.built.model.dispose();
      }
    },
  };
}
