/**
 * The models bench:train and bench:train-threads time, and one timed training run on the current tfjs backend
 * (batch of random 28x28x1 inputs, Adam 1e-3, softmax cross-entropy).
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { LayerFactory } from "../src/model/layerFactory.js";
import { nb201Cell } from "../src/model/nb201.js";
import { parseNb201 } from "../src/space/nb201.js";

/** CPU seconds the process's main thread has used (Linux /proc; undefined elsewhere). */
function mainThreadCpuSeconds(): number | undefined {
  try {
    // Fields after the command name: state is [0], utime [11], stime [12], in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The bench models. */
export type ModelName = "convnet" | "mlp" | "convbn" | "nb201cell";

/** Models bench/train_torch.py also builds (nb201cell is tfjs only). */
export const torchModels: readonly ModelName[] = ["convnet", "mlp", "convbn"];

/**
 * The NB201 cell of nb201cell: four avg_pool_3x3 edges ('same' padding: on 28x28 maps 14% of the pixels are on a
 * border), one nor_conv_3x3 and one skip.
 */
export const NB201_BENCH_CELL = "|avg_pool_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|avg_pool_3x3~2|";

/** nb201cell: conv16 3x3 'same' -> BN -> the NB201 cell above at 16 channels -> BN -> relu -> global avg pool -> dense10. */
function nb201CellModel(inputShape: number[]): tf.LayersModel {
  const f = new LayerFactory(1);
  const input = tf.input({ shape: inputShape });
  const stem = f.bn(f.conv(input, { filters: 16, kernel: 3 }));
  const cell = nb201Cell(f, stem, parseNb201(NB201_BENCH_CELL), 16);
  return tf.model({ inputs: input, outputs: f.dense(f.globalAvgPool(f.relu(f.bn(cell))), 10) });
}

/** The reference models of bench:train (the first three: same layers as bench/train_torch.py). */
export function buildModel(name: ModelName): tf.LayersModel {
  const inputShape = [28, 28, 1];
  if (name === "nb201cell") return nb201CellModel(inputShape);
  const m = tf.sequential();
  switch (name) {
    case "convnet":
      m.add(tf.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: "relu" }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 128, activation: "relu" }));
      m.add(tf.layers.dense({ units: 10 }));
      break;
    case "mlp":
      m.add(tf.layers.flatten({ inputShape }));
      m.add(tf.layers.dense({ units: 256, activation: "relu" }));
      m.add(tf.layers.dense({ units: 128, activation: "relu" }));
      m.add(tf.layers.dense({ units: 10 }));
      break;
    case "convbn":
      for (const [i, filters] of [32, 64].entries()) {
        m.add(tf.layers.conv2d({ ...(i === 0 ? { inputShape } : {}), filters, kernelSize: 3, useBias: false }));
        m.add(tf.layers.batchNormalization({ epsilon: 1e-3 }));
        m.add(tf.layers.activation({ activation: "relu" }));
        m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      }
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 10 }));
      break;
  }
  return m;
}

/** Forward FLOPs per sample (2 per multiply-add of convolutions and dense layers). */
export function forwardFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape as number[];
    const w = layer.getWeights()[0];
    if (layer.getClassName() === "Conv2D" && w !== undefined) {
      const [kh, kw, ci, co] = w.shape as number[];
      flops += 2 * (out[1] as number) * (out[2] as number) * kh! * kw! * ci! * co!;
    } else if (layer.getClassName() === "Dense" && w !== undefined) {
      flops += 2 * (w.shape[0] as number) * (w.shape[1] as number);
    }
  }
  return flops;
}

export interface Measurement {
  samplesPerSec: number;
  /** Samples per second of this process's CPU time: what the code costs, whatever the machine's load. */
  samplesPerCpuSec: number;
  /** Samples per second of the main thread's CPU time: with kernel threads, the critical path on an idle machine. */
  samplesPerMainThreadCpuSec?: number;
  flopsPerSample: number;
  steps: number;
}

/** Trains `name` on the current backend: warm-up steps, then timed steps for `secs` (at least minSteps). */
export function measure(name: ModelName, secs: number, warmup: number, minSteps: number, maxSteps = Infinity, batch = 128): Measurement {
  const model = buildModel(name);
  const flopsPerSample = 3 * forwardFlops(model);
  const opt = tf.train.adam(1e-3);
  const xs = tf.randomNormal([batch, 28, 28, 1], 0, 1, "float32", 1);
  const ys = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2), 10));
  const step = () => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    ) as tf.Scalar;
    loss.dataSync(); // a scalar; wasm is synchronous, so this only forces completion
    loss.dispose();
  };
  for (let i = 0; i < warmup; i++) step();
  let steps = 0;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuSeconds();
  const start = performance.now();
  let elapsed = 0;
  while (steps < maxSteps && (steps < minSteps || elapsed < secs * 1000)) {
    step();
    steps++;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpuStart);
  const mainEnd = mainThreadCpuSeconds();
  tf.dispose([xs, ys]);
  opt.dispose();
  model.dispose();
  return {
    samplesPerSec: (steps * batch) / (elapsed / 1000),
    samplesPerCpuSec: (steps * batch) / ((cpu.user + cpu.system) / 1e6),
    ...(mainStart !== undefined && mainEnd !== undefined && mainEnd > mainStart
      ? { samplesPerMainThreadCpuSec: (steps * batch) / (mainEnd - mainStart) } : {}),
    flopsPerSample, steps,
  };
}
