/**
 * Whole training steps on wasm follow the same trajectory as on cpu: a tf.layers convnet with batch norm
 * and max pooling, trained with Adam and with SGD, ends with the same weights and loss.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/backend/index.js";
import { Rng } from "../../src/rng.js";
import { comparedBackends, randomTensor, relativeError, type TensorData, type TestBackend } from "./crossBackend.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [10, 10, 2], filters: 6, kernelSize: 3, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  model.add(tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return model;
}

async function train(backend: TestBackend, optimizer: () => tf.Optimizer, x: TensorData, labels: number[]) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const model = buildModel();
  const opt = optimizer();
  const xs = tf.tensor(x.data, x.shape);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 4));
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor), true);
    losses.push((loss as tf.Scalar).dataSync()[0] as number);
    loss?.dispose();
  }
  const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  tf.dispose([xs, ys]);
  opt.dispose();
  model.dispose();
  return { losses, weights, leaked: tf.memory().numTensors - before };
}

describe("training a small convnet on wasm follows cpu", () => {
  const rng = new Rng("train");
  const x = randomTensor(rng, [6, 10, 10, 2]);
  const labels = [0, 1, 2, 3, 1, 2];
  for (const [name, make] of [
    ["adam", () => tf.train.adam(0.01)],
    ["sgd", () => tf.train.sgd(0.05)],
  ] as const) {
    it(`${name}: same losses and weights after 4 steps on wasm (and tfjs-node where built), no leaked tensors`, async () => {
      const cpu = await train("cpu", make, x, labels);
      expect(cpu.leaked).toBe(0);
      for (const backend of await comparedBackends()) {
        const run = await train(backend, make, x, labels);
        expect(run.leaked, backend).toBe(0);
        expect(relativeError(Float32Array.from(run.losses), Float32Array.from(cpu.losses)), backend).toBeLessThanOrEqual(1e-4);
        expect(run.losses[3]).toBeLessThan(run.losses[0] as number);
        cpu.weights.forEach((w, i) => expect(relativeError(run.weights[i] as Float32Array, w), `${backend} weight ${i}`).toBeLessThanOrEqual(1e-4));
      }
    });
  }
});
