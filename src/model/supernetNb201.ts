/**
 * The NAS-Bench-201 supernet (Dong & Yang, ICLR 2020, as their DARTS/ENAS/SPOS baselines use it): the NB201
 * network of `nb201Model` (stem, three stages of N cells joined by ResNet reduction blocks, BN-ReLU-pool-linear
 * head) whose cells carry all 5 ops on each of their 6 edges. Every cell of the network shares one alpha matrix
 * [6 edges, 5 ops]; each (cell, edge, op) has its own weights, shared across all the architectures that use it.
 * A path through it with architecture `a` computes exactly `nb201Model(a)` (checked in the tests).
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArchError } from "../errors.js";
import { Rng } from "../rng.js";
import { formatNb201, NB201_EDGES, NB201_OPS, validateNb201, type Nb201Arch, type Nb201Op } from "../space/nb201.js";
import { alphaValues, initialAlpha, type Supernet, type SupernetCell, type SupernetMode, type SupernetOptions } from "./supernet.js";
import { avgPool, batchNorm, conv, convKernel, reluConvBn, WeightStore } from "./supernetOps.js";

export interface Nb201SupernetOptions extends SupernetOptions {
  /** Cells per stage (NAS-Bench-201: 5; default 1, small enough for a CPU). */
  cellsPerStage?: number;
}

export interface Nb201Supernet extends Supernet<Nb201Arch> {
  readonly space: "nb201";
  readonly channels: number;
  readonly cellsPerStage: number;
}

const EDGE_NAMES = NB201_EDGES.map(([to, from]) => `${to}<-${from}`);

/** NB201 discretisation: the argmax op of every edge, `none` included (Dong & Yang 2020). */
export function deriveNb201(alpha: readonly (readonly number[])[]): Nb201Arch {
  if (alpha.length !== NB201_EDGES.length || alpha.some((row) => row.length !== NB201_OPS.length)) {
    throw new InvalidArchError(`nb201 alphas are [${NB201_EDGES.length} edges][${NB201_OPS.length} ops]; got [${alpha.length}][${alpha[0]?.length}]`);
  }
  return alpha.map((row) => NB201_OPS[row.indexOf(Math.max(...row))]!);
}

/** Builds the NB201 supernet; every weight is created now, so optimisers see all of them from the first step. */
export function nb201Supernet(opts: Nb201SupernetOptions): Nb201Supernet {
  const C = opts.channels ?? 8;
  const N = opts.cellsPerStage ?? 1;
  if (!Number.isInteger(C) || C < 1 || !Number.isInteger(N) || N < 1) {
    throw new InvalidArchError(`nb201 supernet needs integer channels >= 1 and cellsPerStage >= 1, got channels=${C}, cellsPerStage=${N}`);
  }
  const store = new WeightStore(opts.seed);
  const alphaRng = new Rng(`supernet-alpha/${opts.seed}`);
  const alpha = initialAlpha(NB201_EDGES.length, NB201_OPS.length, opts.alphaInitStd ?? 1e-3, () => alphaRng.normal());
  const cells: SupernetCell[] = [{ name: "cell", edges: EDGE_NAMES, ops: NB201_OPS }];

  /** op(x) on one edge of one cell; undefined for `none` (a zero the caller leaves out of the sum). */
  function edgeOp(prefix: string, op: Nb201Op, x: tf.Tensor4D, channels: number): tf.Tensor4D | undefined {
    switch (op) {
      case "none":
        return undefined;
      case "skip_connect":
        return x;
      case "nor_conv_1x1":
        return reluConvBn(store, `${prefix}/nor_conv_1x1`, x, 1, channels);
      case "nor_conv_3x3":
        return reluConvBn(store, `${prefix}/nor_conv_3x3`, x, 3, channels);
      case "avg_pool_3x3":
        return avgPool(x, 3);
    }
  }

  function cell(prefix: string, x: tf.Tensor4D, channels: number, mode: SupernetMode<Nb201Arch>, w: tf.Scalar[][] | undefined): tf.Tensor4D {
    const nodes: tf.Tensor4D[] = [x];
    for (let i = 1; i < 4; i++) {
      const terms: tf.Tensor4D[] = [];
      NB201_EDGES.forEach(([to, from], e) => {
        if (to !== i) return;
        const input = nodes[from]!;
        const name = `${prefix}/e${e}`;
        if (mode.kind === "path") {
          const y = edgeOp(name, mode.arch[e]!, input, channels);
          if (y !== undefined) terms.push(y);
          return;
        }
        if (mode.kind === "hard") {
          const k = mode.index[0]![e]!;
          const y = edgeOp(name, NB201_OPS[k]!, input, channels);
          const others = tf.addN(w![e]!.filter((_, j) => j !== k));
          terms.push(tf.add(y === undefined ? tf.mul(tf.zerosLike(input), w![e]![k]!) : tf.mul(y, w![e]![k]!), others));
          return;
        }
        NB201_OPS.forEach((op, k) => {
          const y = edgeOp(name, op, input, channels);
          if (y !== undefined) terms.push(tf.mul(y, w![e]![k]!));
        });
        if (mode.kind === "mixture" && mode.auxSkip !== undefined && mode.auxSkip !== 0) terms.push(tf.mul(input, mode.auxSkip));
      });
      nodes.push(terms.length === 0 ? tf.zerosLike(x) : terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Tensor4D));
    }
    return nodes[3]!;
  }

  function reduction(prefix: string, x: tf.Tensor4D, channels: number): tf.Tensor4D {
    const a = reluConvBn(store, `${prefix}/a`, x, 3, channels, 2);
    const b = reluConvBn(store, `${prefix}/b`, a, 3, channels);
    const shortcut = conv(avgPool(x, 2, 2), convKernel(store, `${prefix}/shortcut`, 1, x.shape[3], channels));
    return tf.add(shortcut, b);
  }

  function logits(x: tf.Tensor4D, mode: SupernetMode<Nb201Arch>): tf.Tensor2D {
    if (mode.kind === "path") validateNb201(mode.arch);
    let w: tf.Scalar[][] | undefined;
    if (mode.kind !== "path") {
      const m = mode.weights[0];
      if (mode.weights.length !== 1 || m === undefined || m.shape[0] !== NB201_EDGES.length || m.shape[1] !== NB201_OPS.length) {
        throw new InvalidArchError(`nb201 supernet ${mode.kind} mode needs one [6, 5] weight matrix, got ${mode.weights.map((t) => `[${t.shape}]`).join(", ")}`);
      }
      if (mode.kind === "hard" && (mode.index.length !== 1 || mode.index[0]!.length !== NB201_EDGES.length || mode.index[0]!.some((k) => !(Number.isInteger(k) && k >= 0 && k < NB201_OPS.length)))) {
        throw new InvalidArchError(`nb201 supernet hard mode needs one op index in 0..4 per edge (6), got ${JSON.stringify(mode.index)}`);
      }
      w = (tf.unstack(m) as tf.Tensor1D[]).map((row) => tf.unstack(row) as tf.Scalar[]);
    }
    let h = batchNorm(conv(x, convKernel(store, "stem/conv", 3, x.shape[3], C)));
    for (let stage = 0; stage < 3; stage++) {
      const channels = C * 2 ** stage;
      if (stage > 0) h = reduction(`s${stage}/reduce`, h, channels);
      for (let n = 0; n < N; n++) h = cell(`s${stage}/c${n}`, h, channels, mode, w);
    }
    const pooled = tf.mean(tf.relu(batchNorm(h)), [1, 2]) as tf.Tensor2D;
    const dense = store.get("head/dense", [4 * C, opts.numClasses], 4 * C);
    return tf.add(tf.matMul(pooled, dense as tf.Tensor2D), store.zeros("head/bias", [opts.numClasses])) as tf.Tensor2D;
  }

  // Create every weight now with a full-mixture pass over a tiny batch.
  tf.tidy(() => {
    const [h, wd, c] = opts.inputShape;
    const uniform = tf.fill([NB201_EDGES.length, NB201_OPS.length], 1 / NB201_OPS.length) as tf.Tensor2D;
    logits(tf.zeros([2, h, wd, c]), { kind: "mixture", weights: [uniform] });
  });

  const net: Nb201Supernet = {
    space: "nb201",
    channels: C,
    cellsPerStage: N,
    cells,
    alphas: [alpha],
    store,
    logits,
    derive: (values?: readonly number[][][]) => deriveNb201((values ?? alphaValues(net))[0]!),
    format: formatNb201,
    dispose() {
      store.dispose();
      alpha.dispose();
    },
  };
  return net;
}
