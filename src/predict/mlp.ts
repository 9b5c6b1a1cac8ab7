/**
 * A small fully connected regression network in plain JavaScript (ReLU hidden layers, linear output, mean squared
 * error, Adam). Predictors refit it after every few queries on at most a few thousand rows, where typed-array loops
 * beat tensor libraries' per-op overhead, and the arithmetic is deterministic (same seed, same weights).
 */
import { Rng } from "../rng.js";
import { adamUpdate } from "./adam.js";

export interface MlpTrainOptions {
  /** Passes over the data (default 100). */
  epochs?: number;
  /** Rows per Adam step (default 32). */
  batchSize?: number;
  /** Adam step size (default 0.01). */
  learningRate?: number;
  /** L2 penalty on weights, not biases (default 1e-4). */
  weightDecay?: number;
  /** Training loss: `l2` = mean squared error (default), `l1` = mean absolute error (PNAS's surrogate loss). */
  loss?: "l2" | "l1";
}

interface Layer {
  readonly inputs: number;
  readonly outputs: number;
  /** outputs x inputs, row-major. */
  readonly w: Float64Array;
  readonly b: Float64Array;
}

export function checkMlpTrainOptions(who: string, o: MlpTrainOptions): Required<MlpTrainOptions> {
  const r = { epochs: o.epochs ?? 100, batchSize: o.batchSize ?? 32, learningRate: o.learningRate ?? 0.01, weightDecay: o.weightDecay ?? 1e-4, loss: o.loss ?? "l2" };
  if (r.loss !== "l2" && r.loss !== "l1") throw new RangeError(`${who}: loss must be "l2" or "l1", got "${String(r.loss)}"`);
  if (!(Number.isInteger(r.epochs) && r.epochs >= 1)) throw new RangeError(`${who}: epochs must be an integer >= 1, got ${r.epochs}`);
  if (!(Number.isInteger(r.batchSize) && r.batchSize >= 1)) throw new RangeError(`${who}: batchSize must be an integer >= 1, got ${r.batchSize}`);
  if (!(r.learningRate > 0 && Number.isFinite(r.learningRate))) throw new RangeError(`${who}: learningRate must be a positive number, got ${r.learningRate}`);
  if (!(r.weightDecay >= 0 && Number.isFinite(r.weightDecay))) throw new RangeError(`${who}: weightDecay must be >= 0, got ${r.weightDecay}`);
  return r;
}

/** A multi-layer perceptron regressor: `inputs -> hidden... -> 1`. */
export class Mlp {
  private readonly layers: Layer[];

  /** He-initialised weights drawn from `rng`. */
  constructor(readonly inputs: number, readonly hidden: readonly number[], rng: Rng) {
    if (!(Number.isInteger(inputs) && inputs >= 1)) throw new RangeError(`Mlp: inputs must be a positive integer, got ${inputs}`);
    for (const h of hidden) if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`Mlp: hidden sizes must be positive integers, got [${hidden.join(", ")}]`);
    const sizes = [inputs, ...hidden, 1];
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const nIn = sizes[l]!;
      const nOut = sizes[l + 1]!;
      const w = new Float64Array(nIn * nOut);
      const scale = Math.sqrt(2 / nIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal(0, scale);
      this.layers.push({ inputs: nIn, outputs: nOut, w, b: new Float64Array(nOut) });
    }
  }

  /** Forward pass keeping every layer's activations (post-ReLU for hidden layers). */
  private forward(x: SparseRow, acts: Float64Array[]): number {
    // First layer: encodings are sparse one-hot vectors, so only their non-zeros are visited.
    const first = this.layers[0]!;
    const a0 = acts[0]!;
    const single = this.layers.length === 1;
    for (let o = 0; o < first.outputs; o++) {
      let s = first.b[o]!;
      const row = o * first.inputs;
      for (let k = 0; k < x.idx.length; k++) s += first.w[row + x.idx[k]!]! * x.val[k]!;
      a0[o] = single || s > 0 ? s : 0;
    }
    for (let l = 1; l < this.layers.length; l++) {
      const { inputs, outputs, w, b } = this.layers[l]!;
      const input = acts[l - 1]!;
      const out = acts[l]!;
      const last = l === this.layers.length - 1;
      for (let o = 0; o < outputs; o++) {
        let s = b[o]!;
        const row = o * inputs;
        for (let i = 0; i < inputs; i++) s += w[row + i]! * input[i]!;
        out[o] = last || s > 0 ? s : 0;
      }
    }
    return acts[this.layers.length - 1]![0]!;
  }

  private newActs(): Float64Array[] {
    return this.layers.map((l) => new Float64Array(l.outputs));
  }

  private checkRow(x: Float32Array, who: string): void {
    if (x.length !== this.inputs) throw new RangeError(`${who}: expected ${this.inputs} features, got ${x.length}`);
  }

  predictOne(x: Float32Array): number {
    this.checkRow(x, "Mlp.predict");
    return this.forward(sparseRow(x), this.newActs());
  }

  /**
   * Minimises the mean squared (or absolute) error on (x, y) with Adam, starting from the current weights, so a
   * second call continues training (warm start); rows are shuffled with `rng` each epoch.
   */
  fit(x: readonly Float32Array[], y: ArrayLike<number>, rng: Rng, options: MlpTrainOptions = {}): void {
    const o = checkMlpTrainOptions("Mlp.fit", options);
    if (x.length !== y.length) throw new RangeError(`Mlp.fit: ${x.length} rows but ${y.length} targets`);
    if (x.length === 0) throw new RangeError("Mlp.fit: no training rows; evaluate some architectures first");
    for (const row of x) this.checkRow(row, "Mlp.fit");
    const rows = x.map(sparseRowOf);
    const L = this.layers.length;
    const gw = this.layers.map((l) => new Float64Array(l.w.length));
    const gb = this.layers.map((l) => new Float64Array(l.b.length));
    const mw = this.layers.map((l) => new Float64Array(l.w.length));
    const vw = this.layers.map((l) => new Float64Array(l.w.length));
    const mb = this.layers.map((l) => new Float64Array(l.b.length));
    const vb = this.layers.map((l) => new Float64Array(l.b.length));
    const acts = this.newActs();
    const deltas = this.layers.map((l) => new Float64Array(l.outputs));
    const order = Array.from({ length: x.length }, (_, i) => i);
    let step = 0;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      rng.shuffle(order);
      for (let start = 0; start < order.length; start += o.batchSize) {
        const end = Math.min(order.length, start + o.batchSize);
        for (let l = 0; l < L; l++) {
          gw[l]!.fill(0);
          gb[l]!.fill(0);
        }
        for (let k = start; k < end; k++) {
          const i = order[k]!;
          this.accumulate(rows[i]!, y[i]!, 1 / (end - start), o.loss, acts, deltas, gw, gb);
        }
        step++;
        for (let l = 0; l < L; l++) {
          const { w, b } = this.layers[l]!;
          adamUpdate(w, gw[l]!, mw[l]!, vw[l]!, { lr: o.learningRate, step, decay: o.weightDecay });
          adamUpdate(b, gb[l]!, mb[l]!, vb[l]!, { lr: o.learningRate, step });
        }
      }
    }
  }

  /**
   * Adds one row's loss gradient, scaled by `weight`, to (gw, gb). A method of its own (not inlined in fit's loops)
   * so V8 optimises it once instead of on-stack-replacing fit's loop at every call: short warm refits were 3-4x
   * slower per row than one long fit otherwise.
   */
  private accumulate(
    xi: SparseRow, target: number, weight: number, loss: "l1" | "l2",
    acts: Float64Array[], deltas: Float64Array[], gw: Float64Array[], gb: Float64Array[],
  ): void {
    const L = this.layers.length;
    const pred = this.forward(xi, acts);
    const err = pred - target;
    deltas[L - 1]![0] = (loss === "l2" ? 2 * err : Math.sign(err)) * weight;
    for (let l = L - 1; l >= 1; l--) {
      const { inputs, outputs, w } = this.layers[l]!;
      const d = deltas[l]!;
      const input = acts[l - 1]!;
      const gwl = gw[l]!;
      const gbl = gb[l]!;
      const prev = deltas[l - 1]!;
      prev.fill(0);
      for (let out = 0; out < outputs; out++) {
        const dv = d[out]!;
        if (dv === 0) continue;
        gbl[out]! += dv;
        const row = out * inputs;
        for (let i = 0; i < inputs; i++) {
          gwl[row + i]! += dv * input[i]!;
          prev[i]! += w[row + i]! * dv;
        }
      }
      for (let i = 0; i < inputs; i++) if (input[i]! <= 0) prev[i] = 0; // ReLU gate
    }
    const first = this.layers[0]!;
    const d0 = deltas[0]!;
    const gw0 = gw[0]!;
    const gb0 = gb[0]!;
    for (let out = 0; out < first.outputs; out++) {
      const dv = d0[out]!;
      if (dv === 0) continue;
      gb0[out]! += dv;
      const row = out * first.inputs;
      for (let q = 0; q < xi.idx.length; q++) gw0[row + xi.idx[q]!]! += dv * xi.val[q]!;
    }
  }
}

/** Non-zero entries of a feature vector. */
interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

/**
 * Sparse forms of rows already seen: predictors refit on the same (cached) encodings every round, so each row is
 * converted once, not once per fit. Keyed weakly, so rows nobody holds any more are dropped.
 */
const sparseCache = new WeakMap<Float32Array, SparseRow>();

function sparseRowOf(x: Float32Array): SparseRow {
  let r = sparseCache.get(x);
  if (r === undefined) sparseCache.set(x, (r = sparseRow(x)));
  return r;
}

function sparseRow(x: Float32Array): SparseRow {
  let nz = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) nz++;
  const idx = new Int32Array(nz);
  const val = new Float64Array(nz);
  for (let i = 0, k = 0; i < x.length; i++) {
    if (x[i] !== 0) {
      idx[k] = i;
      val[k++] = x[i]!;
    }
  }
  return { idx, val };
}
