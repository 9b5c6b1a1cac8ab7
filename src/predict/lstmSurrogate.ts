/**
 * The PNAS surrogate (Liu et al., "Progressive Neural Architecture Search", ECCV 2018): an LSTM reads a cell as a
 * sequence of tokens (inputs and ops, one token per symbol) and a linear layer on its last hidden state predicts
 * the cell's accuracy, trained with the L1 loss as in the paper. The LSTM reads each cell's symbols from the zero
 * state, so the last step is always the cell's last symbol (the same as left-padding with steps that leave the
 * state at zero). Trained full-batch with Adam; plain typed-array arithmetic with the LSTM cell of
 * src/predict/lstmCell.ts (the REINFORCE controller's) and a hand-written backward pass, checked against tfjs
 * autodiff in test/predict/lstmSurrogate.test.ts. No tensor, no tfjs backend: deterministic on any machine.
 */
import { Rng } from "../rng.js";
import { ParamSet } from "./paramSet.js";
import { lstmStep, lstmStepBackward, type LstmStepCache } from "./lstmCell.js";

export interface LstmSurrogateOptions {
  /** Token embedding size (default 16). */
  embedding?: number;
  /** LSTM units (default 32; PNAS used 100). */
  hidden?: number;
  /** Full-batch Adam steps per fit (default 150). */
  epochs?: number;
  learningRate?: number;
  /** L2 penalty on all weights (default 1e-4). */
  weightDecay?: number;
  /** Training loss: `l1` = mean absolute error, as PNAS (default); `l2` = mean squared error. */
  loss?: "l1" | "l2";
}

export class LstmSurrogate {
  readonly name: string;
  trainSize = 0;
  private params: ParamSet | undefined;
  private yMean = 0;
  private yStd = 1;
  private readonly o: Required<Omit<LstmSurrogateOptions, "loss">>;
  private readonly loss: "l1" | "l2";

  /** `vocabulary` = number of distinct tokens (token ids 0..vocabulary-1). */
  constructor(readonly vocabulary: number, opts: LstmSurrogateOptions = {}) {
    this.o = { embedding: opts.embedding ?? 16, hidden: opts.hidden ?? 32, epochs: opts.epochs ?? 150, learningRate: opts.learningRate ?? 0.01, weightDecay: opts.weightDecay ?? 1e-4 };
    if (!(Number.isInteger(vocabulary) && vocabulary >= 1)) throw new RangeError(`LstmSurrogate: vocabulary must be a positive integer, got ${vocabulary}`);
    for (const k of ["embedding", "hidden", "epochs"] as const) {
      if (!(Number.isInteger(this.o[k]) && this.o[k] >= 1)) throw new RangeError(`LstmSurrogate: ${k} must be a positive integer, got ${this.o[k]}`);
    }
    this.loss = opts.loss ?? "l1";
    if (this.loss !== "l1" && this.loss !== "l2") throw new RangeError(`LstmSurrogate: loss must be "l1" or "l2", got "${String(this.loss)}"`);
    if (!(this.o.learningRate > 0)) throw new RangeError(`LstmSurrogate: learningRate must be > 0, got ${this.o.learningRate}`);
    this.name = `lstm(${this.o.embedding}/${this.o.hidden})`;
  }

  private checkTokens(seqs: readonly (readonly number[])[]): number {
    let len = 0;
    for (const s of seqs) {
      if (s.length === 0) throw new RangeError("LstmSurrogate: an empty token sequence; every cell must have at least one symbol");
      for (const t of s) if (!(Number.isInteger(t) && t >= 0 && t < this.vocabulary)) throw new RangeError(`LstmSurrogate: token ${t} is outside 0..${this.vocabulary - 1}`);
      len = Math.max(len, s.length);
    }
    return len;
  }

  private value(name: string): Float32Array {
    return this.params!.values[this.params!.at(name)]!;
  }

  /** Forward pass of one sequence: the standardised prediction and the steps for the backward pass. */
  private forward(seq: readonly number[]): { pred: number; steps: LstmStepCache[] } {
    const { embedding: E, hidden: H } = this.o;
    const embed = this.value("embed"), K = this.value("kernel"), bias = this.value("bias");
    const steps: LstmStepCache[] = [];
    for (const token of seq) {
      const prev = steps[steps.length - 1];
      steps.push(lstmStep(K, bias, E, H, Float64Array.from(embed.subarray(token * E, (token + 1) * E)), prev?.h, prev?.c));
    }
    const h = steps[steps.length - 1]!.h;
    const outW = this.value("out_w");
    let pred = this.value("out_b")[0]!;
    for (let r = 0; r < H; r++) pred += h[r]! * outW[r]!;
    return { pred, steps };
  }

  /**
   * The training loss mean(|pred - target|) (or squared) + weightDecay * sum of squared weights on standardised
   * targets `z`, and its gradient per parameter (ParamSet order).
   */
  lossAndGradients(seqs: readonly (readonly number[])[], z: readonly number[]): { loss: number; grads: Float32Array[] } {
    if (!this.params) throw new Error("LstmSurrogate: no weights yet; call fit() first");
    const p = this.params;
    const { embedding: E, hidden: H } = this.o;
    const acc = p.values.map((v) => new Float64Array(v.length));
    const gEmbed = acc[p.at("embed")]!, gK = acc[p.at("kernel")]!, gBias = acc[p.at("bias")]!;
    const gOutW = acc[p.at("out_w")]!, gOutB = acc[p.at("out_b")]!;
    const K = this.value("kernel"), outW = this.value("out_w");
    const n = seqs.length;
    let loss = 0;
    seqs.forEach((seq, s) => {
      const { pred, steps } = this.forward(seq);
      const err = pred - z[s]!;
      loss += (this.loss === "l1" ? Math.abs(err) : err * err) / n;
      const dPred = (this.loss === "l1" ? Math.sign(err) : 2 * err) / n;
      const T = steps.length;
      const hLast = steps[T - 1]!.h;
      gOutB[0]! += dPred;
      let dh: Float64Array = new Float64Array(H);
      for (let r = 0; r < H; r++) {
        gOutW[r]! += hLast[r]! * dPred;
        dh[r] = outW[r]! * dPred;
      }
      let dc: Float64Array = new Float64Array(H);
      const dx = new Float64Array(E);
      for (let t = T - 1; t >= 0; t--) {
        const prev = t > 0 ? steps[t - 1] : undefined;
        const dhPrev = new Float64Array(H);
        dc = lstmStepBackward(K, gK, gBias, E, H, steps[t]!, prev?.h, prev?.c, dh, dc, dx, prev ? dhPrev : undefined);
        const row = seq[t]! * E;
        for (let r = 0; r < E; r++) gEmbed[row + r]! += dx[r]!;
        dh = dhPrev;
      }
    });
    // L2 penalty on every weight (the padding row of the embedding included, as before).
    p.values.forEach((w, k) => {
      const g = acc[k]!;
      for (let i = 0; i < w.length; i++) {
        loss += this.o.weightDecay * w[i]! * w[i]!;
        g[i]! += 2 * this.o.weightDecay * w[i]!;
      }
    });
    return { loss, grads: acc.map((g) => Float32Array.from(g)) };
  }

  /** Initialises the weights from `rng` without training (fit does this first). */
  init(rng: Rng): void {
    const { embedding: E, hidden: H } = this.o;
    const p = new ParamSet();
    const r = new Rng(rng.nextUint32());
    p.add("embed", [this.vocabulary + 1, E], r, 0.1);
    p.add("kernel", [E + H, 4 * H], r, Math.sqrt(1 / (E + H)));
    p.add("bias", [4 * H], r, 0, 0);
    p.values[p.at("bias")]!.fill(1, H, 2 * H);
    p.add("out_w", [H, 1], r, Math.sqrt(1 / H));
    p.add("out_b", [1], r, 0, 0);
    this.params = p;
  }

  /** The weights (ParamSet order: embed, kernel, bias, out_w, out_b), for checks against a reference. */
  get weights(): ParamSet | undefined {
    return this.params;
  }

  /** Refits from scratch (weights drawn from `rng`). */
  fit(seqs: readonly (readonly number[])[], y: ArrayLike<number>, rng: Rng): void {
    if (seqs.length !== y.length) throw new RangeError(`LstmSurrogate.fit: ${seqs.length} sequences but ${y.length} targets`);
    if (seqs.length === 0) throw new RangeError("LstmSurrogate.fit: no training cells; evaluate some first");
    this.checkTokens(seqs);
    let m = 0;
    for (let i = 0; i < y.length; i++) m += y[i]!;
    m /= y.length;
    let v = 0;
    for (let i = 0; i < y.length; i++) v += (y[i]! - m) ** 2;
    this.yMean = m;
    this.yStd = Math.sqrt(v / y.length) || 1;
    const z = Array.from({ length: y.length }, (_, i) => (y[i]! - this.yMean) / this.yStd);
    this.init(rng);
    for (let epoch = 0; epoch < this.o.epochs; epoch++) {
      const { grads } = this.lossAndGradients(seqs, z);
      this.params!.applyAdam(grads, this.o.learningRate, 5);
    }
    this.trainSize = seqs.length;
  }

  predict(seqs: readonly (readonly number[])[]): Float64Array {
    if (!this.params) throw new Error("LstmSurrogate: predict before fit; call fit() on evaluated cells first");
    this.checkTokens(seqs);
    return Float64Array.from(seqs, (seq) => this.yMean + this.yStd * this.forward(seq).pred);
  }
}
