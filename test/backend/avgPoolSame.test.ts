/**
 * The gradient of avgPool on every backend nasbook trains on. tfjs averages each window over its valid (unpadded)
 * elements in the forward pass, so the gradient must divide by the same count. TensorFlow's AvgPoolGrad (tfjs-node)
 * does; tfjs 4.22's 'cpu' and stock wasm kernels divide by the full window size, which nasbook replaces
 * (src/backend/cpuKernels.ts, src/backend/wasm/avgPoolGrad.ts). Checked by hand, by finite differences of the
 * forward pass on each backend, and by training an NB201 cell through its average pools.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { withStockCpuKernels } from "../../src/backend/cpuKernels.js";
import { withStockKernels } from "../../src/backend/wasm/registerTrainingKernels.js";
import { LayerFactory } from "../../src/model/layerFactory.js";
import { nb201Cell } from "../../src/model/nb201.js";
import { Rng } from "../../src/rng.js";
import { parseNb201 } from "../../src/space/nb201.js";
import { randomTensor, relativeError, tfjsNodeAvailable, type TensorData, type TestBackend } from "./crossBackend.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const backends: TestBackend[] = ["cpu", "wasm", "tensorflow"];

/** Switches to `backend` (skipping the test where tfjs-node is not built) and checks nothing leaks in `body`. */
async function on<T>(backend: TestBackend, skip: () => void, body: () => T): Promise<T> {
  if (backend === "tensorflow" && !(await tfjsNodeAvailable())) skip();
  await tf.setBackend(backend);
  try {
    const before = tf.memory().numTensors;
    const result = body();
    expect(tf.memory().numTensors - before, `${backend}: leaked tensors`).toBe(0);
    return result;
  } finally {
    await tf.setBackend("wasm");
  }
}

// x = 1..9 in a [1,3,3,1] grid; loss = sum(w * avgPool(x)), w = 1..9. Window (i,j) covers rows i..i+1 and columns
// j..j+1 that exist, so its count is 4 inside, 2 on the last row or column and 1 in the corner. dL/dx[p] is the sum,
// over the windows containing p, of w[window] / count[window]:
const counts = [4, 4, 2, 4, 4, 2, 2, 2, 1];
const windowsOf = (r: number, c: number) =>
  [[r - 1, c - 1], [r - 1, c], [r, c - 1], [r, c]].filter(([i, j]) => i! >= 0 && j! >= 0 && i! < 3 && j! < 3);
const expectedGrad = Array.from({ length: 9 }, (_, p) =>
  windowsOf(Math.floor(p / 3), p % 3).reduce((sum, [i, j]) => sum + (i! * 3 + j! + 1) / counts[i! * 3 + j!]!, 0));
// The forward pass: each window's sum over its count (window (2,2) is x[8] alone).
const expectedPool = [3, 4, 4.5, 6, 7, 7.5, 7.5, 8.5, 9];

function handExample(): { pool: number[]; grad: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const pool = Array.from(tf.avgPool(x, 2, 1, "same").dataSync());
    const grad = Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 2, 1, "same"), w)))(x).dataSync());
    return { pool, grad };
  });
}

describe("avgPool 'same' by hand: 3x3 input, 2x2 window, stride 1", () => {
  it("the hand-computed gradient divides by each window's valid count (x[0,2] gets 2/4 + 3/2 = 2)", () => {
    expect(expectedGrad[2]).toBe(2);
    expect(expectedGrad[8]).toBeCloseTo(5 / 4 + 6 / 2 + 8 / 2 + 9, 6);
  });

  for (const backend of backends) {
    it(`${backend}: the forward pass averages over valid elements and the gradient matches`, async (ctx) => {
      const { pool, grad } = await on(backend, () => ctx.skip(), handExample);
      pool.forEach((v, i) => expect(v, `pool[${i}]`).toBeCloseTo(expectedPool[i]!, 5));
      grad.forEach((g, i) => expect(g, `x[${i}]`).toBeCloseTo(expectedGrad[i]!, 5));
    });
  }

  // Why nasbook replaces them; if a tfjs upgrade fixes them, this fails and the replacements can go.
  it("the stock cpu and wasm kernels divide by the full window (x[0,2] gets 2/4 + 3/4 = 1.25)", async (ctx) => {
    const cpu = await on("cpu", () => ctx.skip(), () => withStockCpuKernels(["AvgPoolGrad"], handExample));
    const wasm = await on("wasm", () => ctx.skip(), () => withStockKernels(["AvgPoolGrad"], handExample));
    for (const stock of [cpu, wasm]) {
      expect(stock.pool).toEqual(expectedPool);
      expect(stock.grad[2]).toBeCloseTo(1.25, 6);
    }
  });
});

// Finite differences of each backend's own forward pass. avgPool is linear, so central differences have no truncation
// error and a large step keeps float32 rounding small: the check fails by far more than the tolerance when a border
// window is divided by the wrong count (4/9 instead of 1/4 in a 3x3 corner).
type Pad = "valid" | "same" | [[number, number], [number, number], [number, number], [number, number]];
interface PoolCase {
  h: number;
  w: number;
  filter: number;
  stride: number;
  pad: Pad;
}

const channels = 5; // one SIMD lane group and a remainder
const step = 0.5;

function poolCases(): PoolCase[] {
  const cases: PoolCase[] = [];
  for (const [h, w] of [[7, 7], [8, 8], [5, 8]] as const) {
    for (const pad of ["same", "valid"] as const) {
      for (const stride of [1, 2]) {
        for (const filter of [2, 3]) cases.push({ h, w, filter, stride, pad });
      }
    }
  }
  // Explicit padding (tfjs-node refuses it in pooling as in convolutions): uneven pads, up to the window size - 1 (a
  // window entirely in the padding averages nothing: the forward pass gives 0/0 there, as tfjs's does).
  cases.push({ h: 6, w: 7, filter: 3, stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] });
  cases.push({ h: 7, w: 6, filter: 2, stride: 2, pad: [[0, 0], [0, 1], [1, 1], [0, 0]] });
  return cases;
}

/** max |analytic - numeric| / max |numeric| for one case on the current backend; also checks the output is finite. */
function finiteDifferenceError(c: PoolCase, x: TensorData, rng: Rng): number {
  return tf.tidy(() => {
    const pool = (t: tf.Tensor4D) => tf.avgPool(t, c.filter, c.stride, c.pad as "same");
    const xt = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
    const outShape = pool(xt).shape;
    const w = tf.tensor(randomTensor(rng, outShape).data, outShape);
    const analytic = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), w)))(xt).dataSync();
    // Every element of every image, perturbed by +step and -step: one batch of single images, one loss per image.
    const [n, h, wd, ch] = x.shape as [number, number, number, number];
    const image = h * wd * ch;
    const perturbed = new Float32Array(2 * x.data.length * image);
    const imageOf = new Int32Array(2 * x.data.length);
    for (let i = 0; i < x.data.length; i++) {
      const b = Math.floor(i / image);
      for (const [k, sign] of [[2 * i, 1], [2 * i + 1, -1]] as const) {
        perturbed.set(x.data.subarray(b * image, (b + 1) * image), k * image);
        perturbed[k * image + (i - b * image)]! += sign * step;
        imageOf[k] = b;
      }
    }
    const batch = tf.tensor4d(perturbed, [2 * x.data.length, h, wd, ch]);
    const weights = tf.gather(w, tf.tensor1d(imageOf, "int32"));
    const losses = tf.sum(tf.mul(pool(batch), weights), [1, 2, 3]).dataSync();
    expect(n * image).toBe(x.data.length);
    const numeric = new Float32Array(x.data.length);
    for (let i = 0; i < numeric.length; i++) numeric[i] = (losses[2 * i]! - losses[2 * i + 1]!) / (2 * step);
    expect(numeric.every(Number.isFinite)).toBe(true);
    return relativeError(analytic as Float32Array, numeric);
  });
}

describe("avgPool gradient against finite differences of the forward pass", () => {
  poolCases().forEach((c, i) => {
    const label = `${typeof c.pad === "string" ? c.pad : `explicit ${JSON.stringify(c.pad.slice(1, 3))}`} ${c.filter}x${c.filter} s${c.stride} x[2,${c.h},${c.w},${channels}]`;
    for (const backend of backends) {
      if (backend === "tensorflow" && typeof c.pad !== "string") continue;
      it(`${backend}: ${label}`, async (ctx) => {
        const rng = new Rng(`avgpool-fd-${i}`);
        const x = randomTensor(rng, [2, c.h, c.w, channels]);
        const error = await on(backend, () => ctx.skip(), () => finiteDifferenceError(c, x, rng));
        expect(error).toBeLessThan(1e-4);
      });
    }
  });
});

// An NB201 cell whose edges are mostly avg_pool_3x3 ('same'-padded, 8x8 maps: 28 of 64 pixels are on a border),
// between a conv stem and a linear head, trained with Adam.
const CELL_ARCH = "|avg_pool_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|avg_pool_3x3~2|";

function buildCell(): tf.LayersModel {
  const f = new LayerFactory(7);
  const input = tf.input({ shape: [8, 8, 3] });
  const stem = f.bn(f.conv(input, { filters: 8, kernel: 3 }));
  const cell = nb201Cell(f, stem, parseNb201(CELL_ARCH), 8);
  const logits = f.dense(f.globalAvgPool(f.relu(cell)), 4);
  return tf.model({ inputs: input, outputs: logits });
}

async function trainCell(backend: TestBackend, skip: () => void, x: TensorData, labels: number[]) {
  const result = await on(backend, skip, () => {
    const model = buildCell();
    const opt = tf.train.adam(0.02);
    const xs = tf.tensor(x.data, x.shape);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 4));
    const losses: number[] = [];
    for (let s = 0; s < 12; s++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    tf.dispose([xs, ys]);
    opt.dispose();
    model.dispose();
    return { losses, weights };
  });
  return result;
}

describe("training an NB201 cell with avg_pool_3x3", () => {
  const rng = new Rng("nb201-avgpool-cell");
  const x = randomTensor(rng, [8, 8, 8, 3]);
  const labels = [0, 1, 2, 3, 0, 1, 2, 3];

  it("the loss decreases on wasm, and cpu and tfjs-node (TensorFlow's own AvgPoolGrad) follow the same trajectory", async (ctx) => {
    const wasmDataIds = () => (tf.findBackend("wasm") as unknown as { numDataIds(): number }).numDataIds();
    const buffersBefore = wasmDataIds();
    const wasm = await trainCell("wasm", () => ctx.skip(), x, labels);
    expect(wasmDataIds(), "wasm buffers leaked").toBe(buffersBefore);
    expect(wasm.losses.every(Number.isFinite)).toBe(true);
    expect(wasm.losses.at(-1)!).toBeLessThan(0.8 * wasm.losses[0]!);
    const cpu = await trainCell("cpu", () => ctx.skip(), x, labels);
    expect(relativeError(Float32Array.from(wasm.losses), Float32Array.from(cpu.losses))).toBeLessThan(1e-4);
    cpu.weights.forEach((w, i) => expect(relativeError(wasm.weights[i]!, w), `weight ${i}`).toBeLessThan(1e-3));
    if (await tfjsNodeAvailable()) {
      const native = await trainCell("tensorflow", () => ctx.skip(), x, labels);
      expect(relativeError(Float32Array.from(wasm.losses), Float32Array.from(native.losses))).toBeLessThan(1e-4);
      native.weights.forEach((w, i) => expect(relativeError(wasm.weights[i]!, w), `weight ${i} vs tfjs-node`).toBeLessThan(1e-3));
    }
  });
});
