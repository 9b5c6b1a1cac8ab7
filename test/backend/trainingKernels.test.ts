/**
 * Every kernel nasbook registers for 'wasm' agrees with tfjs 'cpu' on values and gradients
 * (max error <= 1e-4 relative to the reference's scale) over randomized shapes, strides, paddings and
 * dilations, and leaks no tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { Rng } from "../../src/rng.js";
import { dilateFilter, randomTensor, relativeError, runOn, tfjsNodeAvailable, worstError, type TensorData } from "./crossBackend.js";

const tolerance = 1e-4;

beforeAll(async () => {
  const info = await initBackend({ backend: "wasm", quiet: true });
  expect(info.name).toBe("wasm");
});

async function expectAgreement(
  label: string,
  wasmF: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: TensorData[],
  cpuF: (...xs: tf.Tensor[]) => tf.Tensor = wasmF,
  onTfjsNode = true,
): Promise<void> {
  const wasmDataIds = (tf.findBackend("wasm") as unknown as { numDataIds(): number }).numDataIds();
  const cpu = await runOn("cpu", cpuF, inputs);
  const wasm = await runOn("wasm", wasmF, inputs);
  expect((tf.findBackend("wasm") as unknown as { numDataIds(): number }).numDataIds(), `${label}: wasm buffers leaked`).toBe(wasmDataIds);
  expect(worstError(wasm, cpu), label).toBeLessThanOrEqual(tolerance);
  // tfjs-node runs the same function as wasm (its kernels accept what ours accept), checked against the same reference.
  if (onTfjsNode && (await tfjsNodeAvailable())) {
    const native = await runOn("tensorflow", wasmF, inputs);
    expect(worstError(native, cpu), `${label} on tfjs-node`).toBeLessThanOrEqual(tolerance);
  }
}

type Pad = "valid" | "same" | [[number, number], [number, number], [number, number], [number, number]];

/**
 * Whether tfjs-node can run a convolution case: it rejects explicit padding ("TF Backend supports only 'valid' and
 * 'same' padding"), and nasbook's dilated-convolution gradients exist on wasm only.
 */
function tfjsNodeCovers(c: { pad: Pad; dilation: number }): boolean {
  return typeof c.pad === "string" && c.dilation === 1;
}

/** A random convolution geometry whose output is non-empty. */
function randomConv(rng: Rng) {
  const k = rng.choice([1, 3, 5]);
  const dilation = k > 1 && rng.bool(0.3) ? rng.intBetween(2, 3) : 1;
  const stride = dilation === 1 ? rng.intBetween(1, 3) : 1;
  const eff = (k - 1) * dilation + 1;
  const h = rng.intBetween(eff, eff + 7);
  const w = rng.intBetween(eff, eff + 7);
  const padKind = rng.choice(["valid", "same", "explicit"] as const);
  const pad: Pad =
    padKind === "explicit" ? [[0, 0], [rng.int(3), rng.int(3)], [rng.int(3), rng.int(3)], [0, 0]] : padKind;
  return { n: rng.intBetween(1, 3), h, w, k, kw: rng.bool(0.2) ? rng.choice([1, 3]) : k, stride, dilation, pad };
}

describe("conv2d on wasm matches cpu", () => {
  const rng = new Rng("conv2d");
  for (let i = 0; i < 24; i++) {
    const c = randomConv(rng);
    const ci = rng.intBetween(1, 6);
    const co = rng.intBetween(1, 9);
    const label = `x[${c.n},${c.h},${c.w},${ci}] f[${c.k},${c.kw},${ci},${co}] s${c.stride} d${c.dilation} pad ${JSON.stringify(c.pad)}`;
    it(label, async () => {
      const inputs = [randomTensor(rng, [c.n, c.h, c.w, ci]), randomTensor(rng, [c.k, c.kw, ci, co])];
      await expectAgreement(
        label,
        (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad, "NHWC", c.dilation),
        inputs,
        (x, f) => tf.conv2d(x as tf.Tensor4D, dilateFilter(f as tf.Tensor4D, c.dilation), c.stride, c.pad),
        tfjsNodeCovers(c),
      );
    });
  }
});

describe("fused conv2d with bias and relu (what tf.layers uses) on wasm matches cpu", () => {
  const rng = new Rng("fused-conv2d");
  for (let i = 0; i < 6; i++) {
    const c = randomConv(rng);
    const ci = rng.intBetween(1, 5);
    const co = rng.intBetween(1, 8);
    const label = `x[${c.n},${c.h},${c.w},${ci}] f[${c.k},${c.kw},${ci},${co}] s${c.stride} pad ${JSON.stringify(c.pad)}`;
    it(label, async () => {
      const inputs = [randomTensor(rng, [c.n, c.h, c.w, ci]), randomTensor(rng, [c.k, c.kw, ci, co]), randomTensor(rng, [co])];
      await expectAgreement(label, (x, f, b) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: c.stride, pad: c.pad, bias: b, activation: "relu" }),
        inputs,
        undefined,
        tfjsNodeCovers(c),
      );
    });
  }
});

describe("depthwise and separable conv on wasm match cpu", () => {
  const rng = new Rng("depthwise");
  for (let i = 0; i < 16; i++) {
    const c = randomConv(rng);
    const ch = rng.intBetween(1, 7);
    const mult = rng.choice([1, 1, 2]);
    const label = `depthwise x[${c.n},${c.h},${c.w},${ch}] f[${c.k},${c.kw},${ch},${mult}] s${c.stride} d${c.dilation} pad ${JSON.stringify(c.pad)}`;
    it(label, async () => {
      const inputs = [randomTensor(rng, [c.n, c.h, c.w, ch]), randomTensor(rng, [c.k, c.kw, ch, mult])];
      await expectAgreement(
        label,
        (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad, "NHWC", c.dilation),
        inputs,
        (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, dilateFilter(f as tf.Tensor4D, c.dilation), c.stride, c.pad),
        tfjsNodeCovers(c),
      );
    });
  }
  for (let i = 0; i < 4; i++) {
    const c = randomConv(rng);
    const ch = rng.intBetween(1, 6);
    const co = rng.intBetween(1, 8);
    const pad = c.pad === "valid" ? "valid" : "same";
    const label = `separable x[${c.n},${c.h},${c.w},${ch}] k${c.k} -> ${co} s${c.stride} ${pad}`;
    it(label, async () => {
      const inputs = [randomTensor(rng, [c.n, c.h, c.w, ch]), randomTensor(rng, [c.k, c.k, ch, 1]), randomTensor(rng, [1, 1, ch, co])];
      await expectAgreement(label, (x, d, p) =>
        tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, c.stride, pad),
        inputs,
      );
    });
  }
});

describe("pooling on wasm matches cpu, including all-negative windows", () => {
  const rng = new Rng("pool");
  const signs = [undefined, "negative", "relu"] as const;
  for (let i = 0; i < 18; i++) {
    const size = rng.choice([2, 3]);
    const stride = rng.intBetween(1, 3);
    const pad = rng.choice(["valid", "same"] as const);
    const shape = [rng.intBetween(1, 3), rng.intBetween(size, size + 6), rng.intBetween(size, size + 6), rng.intBetween(1, 9)];
    const sign = signs[i % 3];
    const label = `${i % 2 === 0 ? "maxPool" : "avgPool"} ${size}x${size} s${stride} ${pad} x[${shape}] ${sign ?? "mixed"}`;
    it(label, async () => {
      // "relu": many exact zeros, so windows tie and the first maximum must win, as on cpu.
      const input = randomTensor(rng, shape, sign === "negative" ? "negative" : undefined);
      if (sign === "relu") input.data.forEach((v, j) => (input.data[j] = Math.max(0, v)));
      const pool = i % 2 === 0 ? tf.maxPool : tf.avgPool;
      // avgPool 'same' included: nasbook's cpu and wasm AvgPoolGrad divide by the valid count, as TensorFlow does.
      await expectAgreement(label, (x) => pool(x as tf.Tensor4D, size, stride, pad), [input]);
    });
  }
});

describe("matMul with transposes and batches on wasm matches cpu", () => {
  const rng = new Rng("matmul");
  for (let i = 0; i < 16; i++) {
    const [m, k, n] = [rng.intBetween(1, 40), rng.intBetween(1, 300), rng.intBetween(1, 40)];
    const ta = rng.bool();
    const tb = rng.bool();
    const batch = rng.choice([[], [3], [2, 2]]);
    // Same batch dims on both sides: tfjs 4.22 cannot differentiate broadcast batch matmuls on any backend.
    const bBatch = batch;
    const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
    const bShape = [...bBatch, ...(tb ? [n, k] : [k, n])];
    const label = `a[${aShape}]${ta ? "ᵀ" : ""} b[${bShape}]${tb ? "ᵀ" : ""}`;
    it(label, async () => {
      await expectAgreement(label, (a, b) => tf.matMul(a, b, ta, tb), [randomTensor(rng, aShape), randomTensor(rng, bShape)]);
    });
  }
  for (const [ta, tb, activation] of [[true, false, "relu"], [false, true, "linear"], [true, true, "relu"]] as const) {
    const label = `fused matMul ${ta ? "aᵀ" : "a"} ${tb ? "bᵀ" : "b"} + bias, ${activation}`;
    it(label, async () => {
      const [m, k, n] = [rng.intBetween(2, 30), rng.intBetween(2, 50), rng.intBetween(2, 30)];
      const inputs = [randomTensor(rng, ta ? [k, m] : [m, k]), randomTensor(rng, tb ? [n, k] : [k, n]), randomTensor(rng, [n])];
      await expectAgreement(label, (a, b, bias) =>
        tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: ta, transposeB: tb, bias, activation }),
        inputs,
      );
    });
  }
});

describe("leading-axis reductions and tile on wasm match cpu", () => {
  const rng = new Rng("reduce");
  const cases: { shape: number[]; axes: number[]; keepDims: boolean }[] = [
    { shape: [7, 5], axes: [0], keepDims: false },
    { shape: [3, 4, 5, 6], axes: [0, 1, 2], keepDims: false },
    { shape: [3, 4, 5, 6], axes: [0, 1, 2], keepDims: true },
    { shape: [2, 3, 5], axes: [1, 0], keepDims: false },
    { shape: [4, 3, 5], axes: [1], keepDims: false }, // not leading: stock path
    { shape: [4, 6], axes: [0, 1], keepDims: false }, // all axes: stock path
  ];
  for (const c of cases) {
    for (const op of ["sum", "mean"] as const) {
      const label = `${op} x[${c.shape}] axes [${c.axes}] keepDims=${c.keepDims}`;
      it(label, async () => {
        await expectAgreement(label, (x) => tf[op](x, c.axes, c.keepDims), [randomTensor(rng, c.shape)]);
      });
    }
  }
  const tiles: { shape: number[]; reps: number[] }[] = [
    { shape: [1, 1, 1, 6], reps: [3, 4, 5, 1] },
    { shape: [2, 3], reps: [2, 2] },
    { shape: [5], reps: [3] },
    { shape: [2, 1, 3], reps: [1, 4, 2] },
    { shape: [2, 3, 1, 1], reps: [2, 1, 3, 5] },
  ];
  for (const t of tiles) {
    const label = `tile x[${t.shape}] reps [${t.reps}]`;
    it(label, async () => {
      await expectAgreement(label, (x) => tf.tile(x, t.reps), [randomTensor(rng, t.shape)]);
    });
  }
});

describe("batch norm, relu and softmax cross-entropy on wasm match cpu", () => {
  const rng = new Rng("bn");
  it("training-mode batch norm over [N,H,W] with scale and offset", async () => {
    const c = 5;
    const inputs = [randomTensor(rng, [3, 6, 7, c]), randomTensor(rng, [c]), randomTensor(rng, [c])];
    await expectAgreement("batchNorm", (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.relu(tf.batchNorm(x, mean, variance, offset, scale, 1e-3));
    }, inputs);
  });
  // (tfjs 4.22 cannot differentiate batchNorm without both scale and offset, on any backend.)
  it("training-mode batch norm over many rows (blocked sums stay accurate)", async () => {
    await expectAgreement("batchNorm (many rows)", (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, offset, scale, 1e-5);
    }, [randomTensor(rng, [8, 24, 24, 3]), randomTensor(rng, [3]), randomTensor(rng, [3])]);
  });
  it("softmax cross-entropy of logits", async () => {
    const labels = new Float32Array(8 * 10);
    for (let i = 0; i < 8; i++) labels[i * 10 + rng.int(10)] = 1;
    await expectAgreement(
      "softmaxCrossEntropy",
      (logits) => tf.losses.softmaxCrossEntropy(tf.tensor2d(labels, [8, 10]), logits),
      [randomTensor(rng, [8, 10])],
    );
  });
});

describe("buffer-sharing Identity and Cast on wasm", () => {
  it("a clone survives disposing its source, and a same-dtype cast keeps values", async () => {
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, -2, 3]);
    const y = tf.clone(x);
    const z = tf.cast(x, "float32");
    const asInt = tf.cast(x, "int32");
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(z.dataSync())).toEqual([1, -2, 3]);
    expect(asInt.dtype).toBe("int32");
    tf.dispose([y, z, asInt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("batch norm forward without scale or offset on wasm matches cpu", () => {
  it("per-channel statistics, no scale, no offset", async () => {
    const rng = new Rng("bn-forward");
    const x = randomTensor(rng, [2, 5, 5, 6]);
    const forward = async (backend: "cpu" | "wasm") => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const t = tf.tensor(x.data, x.shape);
        const { mean, variance } = tf.moments(t, [0, 1, 2]);
        return tf.batchNorm(t, mean, variance, undefined, undefined, 1e-3).dataSync().slice() as Float32Array;
      });
    };
    const cpu = await forward("cpu");
    expect(relativeError(await forward("wasm"), cpu)).toBeLessThanOrEqual(tolerance);
  });
});
