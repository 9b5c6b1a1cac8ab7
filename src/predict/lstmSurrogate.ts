/**
 * The PNAS surrogate (Liu et al., "Progressive Neural Architecture Search", ECCV 2018): an LSTM reads a cell as a
 * sequence of tokens (inputs and ops, one token per symbol) and a linear layer on its last hidden state predicts
 * the cell's accuracy, trained with the L1 loss as in the paper. Sequences of different lengths are left-padded, so the last step is always the cell's last
 * symbol. Written in tfjs, trained full-batch with Adam on the 'cpu' backend (deterministic; no tensor is kept
 * between calls: weights live in a ParamSet).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.js";
import { onCpuBackend, ParamSet } from "./paramSet.js";

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

  /** Forward pass: standardised predictions for left-padded sequences (pad id = vocabulary). */
  private forward(P: tf.Tensor[], seqs: readonly (readonly number[])[], len: number): tf.Tensor1D {
    const p = this.params!;
    const [embed, kernel, bias, outW, outB] = ["embed", "kernel", "bias", "out_w", "out_b"].map((n) => P[p.at(n)]!);
    const H = this.o.hidden;
    const n = seqs.length;
    let h = tf.zeros([n, H]) as tf.Tensor2D;
    let c = tf.zeros([n, H]) as tf.Tensor2D;
    for (let t = 0; t < len; t++) {
      const ids = seqs.map((s) => (t - (len - s.length) >= 0 ? s[t - (len - s.length)]! : this.vocabulary));
      const x = tf.gather(embed!, tf.tensor1d(ids, "int32")) as tf.Tensor2D;
      const z = tf.add(tf.matMul(tf.concat([x, h], 1), kernel as tf.Tensor2D), bias!);
      const [i, f, g, o] = tf.split(z, 4, 1);
      const cNew = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
      const hNew = tf.mul(tf.sigmoid(o!), tf.tanh(cNew)) as tf.Tensor2D;
      // Padding steps leave the state at zero, so padded and unpadded sequences are read the same way.
      const real = tf.tensor2d(ids.map((id) => (id === this.vocabulary ? 0 : 1)), [n, 1]);
      c = tf.add(tf.mul(real, cNew), tf.mul(tf.sub(1, real), c)) as tf.Tensor2D;
      h = tf.add(tf.mul(real, hNew), tf.mul(tf.sub(1, real), h)) as tf.Tensor2D;
    }
    return tf.reshape(tf.add(tf.matMul(h, outW as tf.Tensor2D), outB!), [n]) as tf.Tensor1D;
  }

  /** Refits from scratch (weights drawn from `rng`). */
  fit(seqs: readonly (readonly number[])[], y: ArrayLike<number>, rng: Rng): void {
    if (seqs.length !== y.length) throw new RangeError(`LstmSurrogate.fit: ${seqs.length} sequences but ${y.length} targets`);
    if (seqs.length === 0) throw new RangeError("LstmSurrogate.fit: no training cells; evaluate some first");
    const len = this.checkTokens(seqs);
    let m = 0;
    for (let i = 0; i < y.length; i++) m += y[i]!;
    m /= y.length;
    let v = 0;
    for (let i = 0; i < y.length; i++) v += (y[i]! - m) ** 2;
    this.yMean = m;
    this.yStd = Math.sqrt(v / y.length) || 1;
    const z = Array.from({ length: y.length }, (_, i) => (y[i]! - this.yMean) / this.yStd);
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
    for (let epoch = 0; epoch < this.o.epochs; epoch++) {
      const grads: Float32Array[] = [];
      onCpuBackend(() =>
        tf.tidy(() => {
          const target = tf.tensor1d(z);
          const f = (...P: tf.Tensor[]) => {
            const err = tf.sub(this.forward(P, seqs, len), target);
            const fit = tf.mean(this.loss === "l1" ? tf.abs(err) : tf.square(err));
            const l2 = tf.addN(P.map((w) => tf.sum(tf.square(w))));
            return tf.add(fit, tf.mul(this.o.weightDecay, l2)) as tf.Scalar;
          };
          for (const g of tf.grads(f)(p.tensors())) grads.push(Float32Array.from(g.dataSync()));
        }),
      );
      p.applyAdam(grads, this.o.learningRate, 5);
    }
    this.trainSize = seqs.length;
  }

  predict(seqs: readonly (readonly number[])[]): Float64Array {
    if (!this.params) throw new Error("LstmSurrogate: predict before fit; call fit() on evaluated cells first");
    if (seqs.length === 0) return new Float64Array(0);
    const len = this.checkTokens(seqs);
    let out = new Float64Array(0);
    onCpuBackend(() =>
      tf.tidy(() => {
        const pred = this.forward(this.params!.tensors(), seqs, len).dataSync();
        out = Float64Array.from(pred, (v) => this.yMean + this.yStd * v);
      }),
    );
    return out;
  }
}
