/**
 * The LSTM controller of Zoph & Le, "Neural Architecture Search with Reinforcement Learning" (ICLR 2017), in tfjs:
 * it emits a space's decisions one after another. A categorical decision is a softmax over its choices, read from
 * the LSTM's hidden state; the chosen choice's embedding is the next input. Skip connections use anchor points: when
 * the decisions for layer i's inputs arrive, the controller takes one step and gives each earlier layer j a sigmoid
 * P(j -> i) = sigmoid(v . tanh(W_prev h_j + W_curr h_i)), where h_j is the state in which layer j's last setting was
 * decided and h_i the state of layer i's anchor step; the mean of the chosen layers' states is the next input.
 *
 * Parameters live in a ParamSet (plain arrays); every computation runs inside tf.tidy on the 'cpu' backend, so the
 * controller is deterministic and holds no tensors between calls.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../rng.js";
import type { Decision } from "../space/types.js";
import { onCpuBackend, ParamSet } from "../predict/paramSet.js";

export interface ControllerOptions {
  /** LSTM hidden units (default 32; Zoph & Le used 35). */
  hidden?: number;
  /** Uniform initialisation range (default 0.08, as Zoph & Le). */
  initScale?: number;
  /** Logits are tanh-squashed to [-c, c] (Bello et al. 2017; ENAS uses 2.5); 0 disables (default 0). */
  logitClip?: number;
  /** Softmax temperature at sampling and in the loss (default 1). */
  temperature?: number;
}

/** A step of the decision sequence: one categorical decision, or the group of anchors of one layer. */
type Step =
  | { kind: "categorical"; index: number; decision: Extract<Decision, { kind: "categorical" }> }
  | { kind: "anchors"; layer: number; indices: number[]; from: number[] };

export interface PolicyEntry {
  decision: string;
  choices: string[];
  probs: number[];
}

/** One sampled or scored sequence: log-probability and entropy summed over decisions. */
interface Rollout {
  logProb: tf.Tensor1D;
  entropy: tf.Tensor1D;
}

function groupSteps(decisions: readonly Decision[]): Step[] {
  const steps: Step[] = [];
  decisions.forEach((d, index) => {
    if (d.kind === "categorical") {
      if (d.choices.length < 1) throw new RangeError(`controller: decision ${d.name} has no choices`);
      steps.push({ kind: "categorical", index, decision: d });
      return;
    }
    if (!(Number.isInteger(d.from) && d.from >= 0 && d.from < d.layer)) {
      throw new RangeError(`controller: anchor ${d.name} connects layer ${d.from} into ${d.layer}; an anchor must look back (0 <= from < layer)`);
    }
    const last = steps[steps.length - 1];
    if (last && last.kind === "anchors" && last.layer === d.layer) {
      last.indices.push(index);
      last.from.push(d.from);
    } else steps.push({ kind: "anchors", layer: d.layer, indices: [index], from: [d.from] });
  });
  return steps;
}

export class LstmController {
  readonly params = new ParamSet();
  readonly hidden: number;
  private readonly steps: Step[];
  private readonly logitClip: number;
  private readonly temperature: number;

  /** Builds the controller for `decisions`, initialising every weight from `rng`. */
  constructor(readonly decisions: readonly Decision[], rng: Rng, opts: ControllerOptions = {}) {
    const H = (this.hidden = opts.hidden ?? 32);
    const scale = opts.initScale ?? 0.08;
    this.logitClip = opts.logitClip ?? 0;
    this.temperature = opts.temperature ?? 1;
    if (!(Number.isInteger(H) && H >= 1)) throw new RangeError(`controller: hidden must be a positive integer, got ${H}`);
    if (!(scale > 0)) throw new RangeError(`controller: initScale must be > 0, got ${scale}`);
    if (!(this.logitClip >= 0)) throw new RangeError(`controller: logitClip must be >= 0, got ${this.logitClip}`);
    if (!(this.temperature > 0)) throw new RangeError(`controller: temperature must be > 0, got ${this.temperature}`);
    if (decisions.length === 0) throw new RangeError("controller: the space has no decisions to make");
    this.steps = groupSteps(decisions);
    const p = this.params;
    p.add("lstm_kernel", [2 * H, 4 * H], rng, scale);
    // Forget-gate bias 1 (Jozefowicz et al. 2015) so early gradients flow through the cell.
    p.add("lstm_bias", [4 * H], rng, 0, 0);
    p.values[p.at("lstm_bias")]!.fill(1, H, 2 * H);
    p.add("start", [1, H], rng, scale);
    this.steps.forEach((s, k) => {
      if (s.kind !== "categorical") return;
      const c = s.decision.choices.length;
      p.add(`head${s.index}_w`, [H, c], rng, scale);
      p.add(`head${s.index}_b`, [c], rng, 0, 0);
      // The last step's choice is never fed back, so it has no embedding (and no gradient to compute).
      if (k < this.steps.length - 1) p.add(`embed${s.index}`, [c, H], rng, scale);
    });
    if (this.steps.some((s) => s.kind === "anchors")) {
      p.add("anchor_prev", [H, H], rng, scale);
      p.add("anchor_curr", [H, H], rng, scale);
      p.add("anchor_v", [H, 1], rng, scale);
    }
  }

  /**
   * The controller's forward pass over a batch. `choose(step, probs)` returns the choices of that step for every
   * row: sampled from `probs` when generating, or given actions when scoring. `onProbs` sees every step's
   * probabilities (for the policy view).
   */
  private forward(
    P: tf.Tensor[],
    batch: number,
    choose: (decisionIndex: number, probs: tf.Tensor2D) => number[],
  ): Rollout {
    const H = this.hidden;
    const get = (name: string) => P[this.params.at(name)]!;
    const kernel = get("lstm_kernel") as tf.Tensor2D;
    const bias = get("lstm_bias") as tf.Tensor1D;
    let h = tf.zeros([batch, H]) as tf.Tensor2D;
    let c = tf.zeros([batch, H]) as tf.Tensor2D;
    let input = tf.tile(get("start"), [batch, 1]) as tf.Tensor2D;
    const lstm = (x: tf.Tensor2D) => {
      const z = tf.add(tf.matMul(tf.concat([x, h], 1), kernel), bias);
      const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
      h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
    };
    const clip = (logits: tf.Tensor2D): tf.Tensor2D => {
      let l = logits;
      if (this.logitClip > 0) l = tf.mul(tf.tanh(l), this.logitClip);
      return this.temperature === 1 ? l : tf.div(l, this.temperature);
    };
    let logProb = tf.zeros([batch]) as tf.Tensor1D;
    let entropy = tf.zeros([batch]) as tf.Tensor1D;
    const stateAtLayerEnd = new Map<number, tf.Tensor2D>();
    for (const [k, step] of this.steps.entries()) {
      const last = k === this.steps.length - 1;
      if (step.kind === "categorical") {
        lstm(input);
        const nChoices = step.decision.choices.length;
        const logits = clip(tf.add(tf.matMul(h, get(`head${step.index}_w`) as tf.Tensor2D), get(`head${step.index}_b`)));
        const logp = tf.logSoftmax(logits) as tf.Tensor2D;
        const probs = tf.exp(logp) as tf.Tensor2D;
        const actions = choose(step.index, probs);
        const mask = tf.oneHot(tf.tensor1d(actions, "int32"), nChoices) as tf.Tensor2D;
        logProb = tf.add(logProb, tf.sum(tf.mul(mask, logp), 1));
        entropy = tf.sub(entropy, tf.sum(tf.mul(probs, logp), 1));
        if (!last) input = tf.gather(get(`embed${step.index}`), tf.tensor1d(actions, "int32")) as tf.Tensor2D;
        continue;
      }
      // Anchor point of layer `step.layer`: the state so far summarises the previous layer.
      stateAtLayerEnd.set(step.layer - 1, h);
      lstm(input);
      const curr = tf.matMul(h, get("anchor_curr") as tf.Tensor2D);
      let count = tf.zeros([batch, 1]) as tf.Tensor2D;
      let sum = tf.zeros([batch, H]) as tf.Tensor2D;
      step.indices.forEach((decisionIndex, k) => {
        const prevState = stateAtLayerEnd.get(step.from[k]!) ?? tf.zerosLike(h);
        const z = tf.matMul(tf.tanh(tf.add(tf.matMul(prevState, get("anchor_prev") as tf.Tensor2D), curr)), get("anchor_v") as tf.Tensor2D);
        const logit = clip(z as tf.Tensor2D); // [batch, 1]
        // log sigmoid(z) = -softplus(-z); tf.logSigmoid's custom gradient loses its input inside tf.grads + tidy.
        const logYes = tf.neg(tf.softplus(tf.neg(logit)));
        const logNo = tf.neg(tf.softplus(logit));
        const logp = tf.concat([logNo, logYes], 1) as tf.Tensor2D;
        const probs = tf.exp(logp) as tf.Tensor2D;
        const actions = choose(decisionIndex, probs);
        const a = tf.tensor2d(actions, [batch, 1]);
        logProb = tf.add(logProb, tf.squeeze(tf.add(tf.mul(a, logYes), tf.mul(tf.sub(1, a), logNo)), [1]));
        entropy = tf.sub(entropy, tf.sum(tf.mul(probs, logp), 1));
        sum = tf.add(sum, tf.mul(a, prevState)) as tf.Tensor2D;
        count = tf.add(count, a) as tf.Tensor2D;
      });
      input = tf.div(sum, tf.maximum(count, 1)) as tf.Tensor2D;
    }
    return { logProb, entropy };
  }

  /** Samples `count` choice vectors (same order as `decisions`) in one batched pass, drawing from `rng`. */
  sample(rng: Rng, count = 1): number[][] {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`controller.sample: count must be an integer >= 1, got ${count}`);
    const out = Array.from({ length: count }, () => new Array<number>(this.decisions.length).fill(0));
    onCpuBackend(() =>
      tf.tidy(() => {
        this.forward(this.params.tensors(), count, (i, probs) => {
          const p = probs.dataSync();
          const width = p.length / count;
          return out.map((row, r) => (row[i] = rng.weighted(p.subarray(r * width, (r + 1) * width))));
        });
      }),
    );
    return out;
  }

  /** The most probable choice at each step given the earlier most probable ones, with each step's probabilities. */
  greedy(): { choices: number[]; policy: PolicyEntry[] } {
    const choices = new Array<number>(this.decisions.length).fill(0);
    const policy: PolicyEntry[] = new Array(this.decisions.length);
    onCpuBackend(() =>
      tf.tidy(() => {
        this.forward(this.params.tensors(), 1, (i, probs) => {
          const p = Array.from(probs.dataSync());
          const d = this.decisions[i]!;
          choices[i] = p.indexOf(Math.max(...p));
          policy[i] = { decision: d.name, choices: d.kind === "categorical" ? [...d.choices] : ["no", "yes"], probs: p };
          return [choices[i]!];
        });
      }),
    );
    return { choices, policy };
  }

  /** Log-probability of each choice vector under the current policy. */
  logProb(batch: readonly (readonly number[])[]): Float64Array {
    let out = new Float64Array(0);
    onCpuBackend(() =>
      tf.tidy(() => {
        const { logProb } = this.forward(this.params.tensors(), batch.length, (i) => batch.map((c) => c[i]!));
        out = Float64Array.from(logProb.dataSync());
      }),
    );
    return out;
  }

  /** The REINFORCE loss -mean(advantage * log p) - entropyWeight * mean(entropy) and its gradient per parameter. */
  gradients(batch: readonly (readonly number[])[], advantages: readonly number[], entropyWeight: number): { loss: number; grads: Float32Array[] } {
    if (batch.length !== advantages.length || batch.length === 0) {
      throw new RangeError(`controller: need one advantage per choice vector (got ${batch.length} and ${advantages.length})`);
    }
    const grads: Float32Array[] = [];
    let loss = NaN;
    onCpuBackend(() =>
      tf.tidy(() => {
        const adv = tf.tensor1d(advantages as number[]);
        const f = (...P: tf.Tensor[]) => {
          const { logProb, entropy } = this.forward(P, batch.length, (i) => batch.map((c) => c[i]!));
          return tf.sub(tf.neg(tf.mean(tf.mul(adv, logProb))), tf.mul(entropyWeight, tf.mean(entropy))) as tf.Scalar;
        };
        const { value, grads: g } = tf.valueAndGrads(f)(this.params.tensors());
        for (const t of g) grads.push(Float32Array.from(t.dataSync()));
        loss = value.dataSync()[0]!;
      }),
    );
    return { loss, grads };
  }

  /** One REINFORCE step (Williams 1992) with Adam on `gradients(...)`. Returns the loss before the step. */
  reinforce(batch: readonly (readonly number[])[], advantages: readonly number[], opts: { learningRate: number; entropyWeight: number; clipNorm?: number }): number {
    const { loss, grads } = this.gradients(batch, advantages, opts.entropyWeight);
    this.params.applyAdam(grads, opts.learningRate, opts.clipNorm);
    return loss;
  }
}
