/**
 * The DARTS search network (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019): a 3x3
 * conv stem, `layers` cells (reduction cells at 1/3 and 2/3 of the depth, where channels double), global pooling and
 * a linear classifier. A cell takes the outputs of the two previous cells (preprocessed to C channels: 1x1
 * ReLU-conv-BN, or FactorizedReduce after a reduction), has `nodes` intermediate nodes each summing a mixed edge from
 * every earlier node, and concatenates the intermediate nodes. Normal and reduction cells each share one alpha
 * matrix [edges, ops] across the network. In a reduction cell the edges from the two inputs have stride 2.
 * In path mode a DARTS genotype selects two edges per node and one op per edge.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArchError } from "../errors.js";
import { Rng } from "../rng.js";
import { DARTS_OPS, dartsSpace, type DartsArch, type DartsEdge, type DartsOp, type DartsSpace } from "../space/darts.js";
import { alphaValues, initialAlpha, softmaxRow, type Supernet, type SupernetCell, type SupernetMode, type SupernetOptions } from "./supernet.js";
import { avgPool, batchNorm, conv, convKernel, dilConv, factorizedReduce, maxPool, reluConvBn, sepConv, WeightStore } from "./supernetOps.js";

export interface DartsSupernetOptions extends SupernetOptions {
  /** Cells in the network (DARTS search: 8; default 5). Reduction cells sit at floor(L/3) and floor(2L/3). */
  layers?: number;
  /** Intermediate nodes per cell (DARTS: 4). */
  nodes?: number;
  /** Candidate ops on every edge, a subset of DARTS_OPS (default all 8, `none` included). */
  ops?: readonly DartsOp[];
  /** Stem channels = stemMultiplier * channels (DARTS: 3). */
  stemMultiplier?: number;
}

export interface DartsSupernet extends Supernet<DartsArch> {
  readonly space: "darts";
  /** The genotype space of the derived architectures (its ops are the supernet's minus `none`). */
  readonly genotypes: DartsSpace;
  /** Edge slots [from, to] of a cell, in alpha-row order: node 2 <- 0, 1; node 3 <- 0, 1, 2; ... */
  readonly slots: readonly (readonly [number, number])[];
}

/**
 * DARTS discretisation of one cell: each edge's op is its strongest op other than `none`, and each node keeps the
 * two incoming edges whose best such op is strongest (Liu et al. 2019, sec. 2.4). `weights` are softmax rows.
 */
export function deriveDartsCell(weights: readonly (readonly number[])[], ops: readonly DartsOp[], nodes: number): DartsEdge[] {
  const edges: DartsEdge[] = [];
  let row = 0;
  for (let i = 0; i < nodes; i++) {
    const candidates: { from: number; op: DartsOp; strength: number }[] = [];
    for (let j = 0; j < i + 2; j++) {
      const w = weights[row++]!;
      let best = -1;
      ops.forEach((op, k) => {
        if (op !== "none" && (best < 0 || w[k]! > w[best]!)) best = k;
      });
      candidates.push({ from: j, op: ops[best]!, strength: w[best]! });
    }
    candidates.sort((a, b) => b.strength - a.strength || a.from - b.from);
    for (const c of candidates.slice(0, 2)) edges.push({ op: c.op, from: c.from });
  }
  return edges;
}

/** Builds the DARTS supernet; every weight is created now. */
export function dartsSupernet(opts: DartsSupernetOptions): DartsSupernet {
  const C = opts.channels ?? 8;
  const L = opts.layers ?? 5;
  const n = opts.nodes ?? 4;
  const ops = opts.ops ?? DARTS_OPS;
  const stemC = (opts.stemMultiplier ?? 3) * C;
  if (!Number.isInteger(C) || C < 2 || C % 2 !== 0) throw new InvalidArchError(`darts supernet needs an even number of channels >= 2 (FactorizedReduce halves them), got ${C}`);
  if (!Number.isInteger(L) || L < 1 || !Number.isInteger(n) || n < 1) throw new InvalidArchError(`darts supernet needs layers >= 1 and nodes >= 1, got layers=${L}, nodes=${n}`);
  for (const op of ops) if (!DARTS_OPS.includes(op)) throw new InvalidArchError(`"${op}" is not a DARTS op (ops: ${DARTS_OPS.join(", ")})`);
  if (ops.filter((o) => o !== "none").length === 0) throw new InvalidArchError("darts supernet needs at least one op other than none");
  const genotypes = dartsSpace({ nodes: n, ops: ops.filter((o) => o !== "none"), layers: L });
  const slots: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < i + 2; j++) slots.push([j, i + 2]);
  const slotOf = new Map(slots.map(([j, i], k) => [`${j}>${i}`, k]));
  const reductions = new Set(L >= 3 ? [Math.floor(L / 3), Math.floor((2 * L) / 3)] : []);
  const store = new WeightStore(opts.seed);
  const alphaRng = new Rng(`supernet-alpha/${opts.seed}`);
  const std = opts.alphaInitStd ?? 1e-3;
  const alphas = [initialAlpha(slots.length, ops.length, std, () => alphaRng.normal()), initialAlpha(slots.length, ops.length, std, () => alphaRng.normal())];
  const edgeNames = slots.map(([j, i]) => `${i}<-${j}`);
  const cells: SupernetCell[] = [
    { name: "normal", edges: edgeNames, ops },
    { name: "reduce", edges: edgeNames, ops },
  ];

  function edgeOp(name: string, op: DartsOp, x: tf.Tensor4D, c: number, stride: number): tf.Tensor4D | undefined {
    switch (op) {
      case "none":
        return undefined;
      case "skip_connect":
        return stride === 1 ? x : factorizedReduce(store, `${name}/skip`, x, c);
      case "max_pool_3x3":
        return batchNorm(maxPool(x, 3, stride));
      case "avg_pool_3x3":
        return batchNorm(avgPool(x, 3, stride));
      case "sep_conv_3x3":
        return sepConv(store, `${name}/sep3`, x, 3, c, stride);
      case "sep_conv_5x5":
        return sepConv(store, `${name}/sep5`, x, 5, c, stride);
      case "dil_conv_3x3":
        return dilConv(store, `${name}/dil3`, x, 3, c, stride, 2);
      case "dil_conv_5x5":
        return dilConv(store, `${name}/dil5`, x, 5, c, stride, 2);
    }
  }

  function cell(k: number, s0in: tf.Tensor4D, s1in: tf.Tensor4D, c: number, reduce: boolean, prevReduce: boolean, mode: SupernetMode<DartsArch>, w: tf.Scalar[][] | undefined): tf.Tensor4D {
    const s0 = prevReduce ? factorizedReduce(store, `cell${k}/pre0`, s0in, c) : reluConvBn(store, `cell${k}/pre0`, s0in, 1, c);
    const s1 = reluConvBn(store, `cell${k}/pre1`, s1in, 1, c);
    const states = [s0, s1];
    const genotype = mode.kind === "path" ? mode.arch[reduce ? "reduce" : "normal"] : undefined;
    for (let i = 0; i < n; i++) {
      const terms: tf.Tensor4D[] = [];
      const inputs = genotype ? [genotype[2 * i]!, genotype[2 * i + 1]!] : Array.from({ length: i + 2 }, (_, j) => ({ from: j, op: undefined }));
      for (const { from, op } of inputs) {
        const slot = slotOf.get(`${from}>${i + 2}`)!;
        const stride = reduce && from < 2 ? 2 : 1;
        const name = `cell${k}/e${slot}`;
        const x = states[from]!;
        if (op !== undefined) {
          const y = edgeOp(name, op, x, c, stride);
          if (y !== undefined) terms.push(y);
          continue;
        }
        ops.forEach((o, q) => {
          const y = edgeOp(name, o, x, c, stride);
          if (y !== undefined) terms.push(tf.mul(y, w![slot]![q]!));
        });
        if (mode.kind === "mixture" && mode.auxSkip !== undefined && mode.auxSkip !== 0 && stride === 1) terms.push(tf.mul(x, mode.auxSkip));
      }
      // Never empty: a genotype has no `none` edge and a mixture has at least one other op.
      states.push(terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Tensor4D));
    }
    return tf.concat(states.slice(2), 3) as tf.Tensor4D;
  }

  function logits(x: tf.Tensor4D, mode: SupernetMode<DartsArch>): tf.Tensor2D {
    let w: { normal: tf.Scalar[][]; reduce: tf.Scalar[][] } | undefined;
    if (mode.kind === "path") genotypes.validate(mode.arch);
    else {
      if (mode.weights.length !== 2 || mode.weights.some((m) => m.shape[0] !== slots.length || m.shape[1] !== ops.length)) {
        throw new InvalidArchError(`darts supernet mixture needs two [${slots.length}, ${ops.length}] weight matrices (normal, reduce), got ${mode.weights.map((t) => `[${t.shape}]`).join(", ")}`);
      }
      const rows = (m: tf.Tensor2D) => (tf.unstack(m) as tf.Tensor1D[]).map((r) => tf.unstack(r) as tf.Scalar[]);
      w = { normal: rows(mode.weights[0]!), reduce: rows(mode.weights[1]!) };
    }
    const stem = batchNorm(conv(x, convKernel(store, "stem/conv", 3, x.shape[3], stemC)));
    let s0 = stem;
    let s1 = stem;
    let c = C;
    let prevReduce = false;
    for (let k = 0; k < L; k++) {
      const reduce = reductions.has(k);
      if (reduce) c *= 2;
      const out = cell(k, s0, s1, c, reduce, prevReduce, mode, w ? (reduce ? w.reduce : w.normal) : undefined);
      s0 = s1;
      s1 = out;
      prevReduce = reduce;
    }
    const pooled = tf.mean(s1, [1, 2]) as tf.Tensor2D;
    const features = s1.shape[3];
    const dense = store.get("head/dense", [features, opts.numClasses], features);
    return tf.add(tf.matMul(pooled, dense as tf.Tensor2D), store.zeros("head/bias", [opts.numClasses])) as tf.Tensor2D;
  }

  tf.tidy(() => {
    const [h, wd, ch] = opts.inputShape;
    const uniform = tf.fill([slots.length, ops.length], 1 / ops.length) as tf.Tensor2D;
    logits(tf.zeros([2, h, wd, ch]), { kind: "mixture", weights: [uniform, uniform] });
  });

  const net: DartsSupernet = {
    space: "darts",
    cells,
    alphas,
    store,
    genotypes,
    slots,
    logits,
    derive(values?: readonly number[][][]): DartsArch {
      const v = values ?? alphaValues(net);
      const soft = (m: number[][]) => m.map(softmaxRow);
      return { normal: deriveDartsCell(soft(v[0]!), ops, n), reduce: deriveDartsCell(soft(v[1]!), ops, n) };
    },
    format: (a: DartsArch) => genotypes.format(a),
    dispose() {
      store.dispose();
      for (const a of alphas) a.dispose();
    },
  };
  return net;
}
