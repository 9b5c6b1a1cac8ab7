/**
 * The LSTM controller of Zoph & Le, "Neural Architecture Search with Reinforcement Learning" (ICLR 2017): it emits
 * a space's decisions one after another. A categorical decision is a softmax over its choices, read from the
 * LSTM's hidden state; the chosen choice's embedding is the next input. Skip connections use anchor points: when
 * the decisions for layer i's inputs arrive, the controller takes one step and gives each earlier layer j a sigmoid
 * P(j -> i) = sigmoid(v . tanh(W_prev h_j + W_curr h_i)), where h_j is the state in which layer j's last setting was
 * decided and h_i the state of layer i's anchor step; the mean of the chosen layers' states is the next input.
 *
 * Written in plain typed-array arithmetic with a hand-written backward pass (checked against tfjs autodiff in
 * test/strategy/controller.test.ts). The controller is a few thousand multiply-adds per decision: tensor-library
 * overhead dominated its cost on tfjs 'cpu', and initialising that backend printed tfjs's "install the node
 * backend" banner into saved notebooks. Same seed, same arithmetic, same samples, on any machine.
 */
import type { Rng } from "../rng.js";
import type { Decision, PolicyRow } from "../space/types.js";
import { ParamSet } from "../predict/paramSet.js";
import { lstmStep, lstmStepBackward, type LstmStepCache } from "../predict/lstmCell.js";

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

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log(1 + e^x) without overflow. */
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** What one LSTM step keeps for the backward pass, and where its previous state is. */
interface LstmCache extends LstmStepCache {
  /** Index of the previous state in the tape (-1 = the zero initial state). */
  prev: number;
}

/** One decision's record for the backward pass. */
type DecisionCache =
  | { kind: "categorical"; step: number; head: number; raw: Float64Array; probs: Float64Array; logp: Float64Array; action: number }
  | {
      kind: "anchor";
      step: number;
      /** Tape index of h_j (-1 = a zero state: the layer's state was never recorded). */
      source: number;
      u: Float64Array; // tanh(W_prev h_j + W_curr h_i)
      raw: number;
      action: number;
    };

/** How an input to an LSTM step was formed, to route its gradient back. */
type InputSource =
  | { kind: "start" }
  | { kind: "embed"; index: number; action: number }
  | { kind: "anchors"; sources: number[]; count: number };

/** The forward pass of one choice vector, kept for the backward pass. */
interface Tape {
  steps: LstmCache[];
  inputs: InputSource[];
  decisions: DecisionCache[];
  logProb: number;
  entropy: number;
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
    // Kernel rows: the step's input (H) then the previous hidden state (H); columns: gates i, f, g, o (H each).
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

  private value(name: string): Float32Array {
    return this.params.values[this.params.at(name)]!;
  }

  /** Logit after the optional tanh clip and temperature, and its derivative with respect to the raw logit. */
  private squash(raw: number): [number, number] {
    if (this.logitClip > 0) {
      const t = Math.tanh(raw);
      return [(this.logitClip * t) / this.temperature, (this.logitClip * (1 - t * t)) / this.temperature];
    }
    return [raw / this.temperature, 1 / this.temperature];
  }

  /** One LSTM step from the state at tape index `prev` (-1 = zeros). */
  private lstm(x: Float64Array, prev: number, tape: LstmCache[]): LstmCache {
    const H = this.hidden;
    const p = prev >= 0 ? tape[prev] : undefined;
    return { ...lstmStep(this.value("lstm_kernel"), this.value("lstm_bias"), H, H, x, p?.h, p?.c), prev };
  }

  /**
   * The forward pass of one choice vector. `choose(decisionIndex, probs)` picks each choice: sampled when
   * generating, given when scoring, the argmax for the greedy policy.
   */
  private run(choose: (decisionIndex: number, probs: Float64Array) => number): Tape {
    const H = this.hidden;
    const tape: Tape = { steps: [], inputs: [], decisions: [], logProb: 0, entropy: 0 };
    let input = Float64Array.from(this.value("start"));
    let source: InputSource = { kind: "start" };
    const stateAtLayerEnd = new Map<number, number>(); // layer -> tape index of the state that summarises it
    for (const [k, step] of this.steps.entries()) {
      const last = k === this.steps.length - 1;
      const prev = tape.steps.length - 1;
      if (step.kind === "categorical") {
        const cache = this.lstm(input, prev, tape.steps);
        tape.steps.push(cache);
        tape.inputs.push(source);
        const t = tape.steps.length - 1;
        const n = step.decision.choices.length;
        const W = this.value(`head${step.index}_w`);
        const b = this.value(`head${step.index}_b`);
        const raw = new Float64Array(n);
        const logits = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          let s = b[j]!;
          for (let r = 0; r < H; r++) s += cache.h[r]! * W[r * n + j]!;
          raw[j] = s;
          logits[j] = this.squash(s)[0];
        }
        let max = -Infinity;
        for (const l of logits) max = Math.max(max, l);
        let sum = 0;
        for (const l of logits) sum += Math.exp(l - max);
        const lse = max + Math.log(sum);
        const logp = logits.map((l) => l - lse);
        const probs = logp.map(Math.exp);
        const action = choose(step.index, probs);
        tape.logProb += logp[action]!;
        for (let j = 0; j < n; j++) tape.entropy -= probs[j]! * logp[j]!;
        tape.decisions.push({ kind: "categorical", step: t, head: step.index, raw, probs, logp, action });
        if (!last) {
          const E = this.value(`embed${step.index}`);
          input = Float64Array.from(E.subarray(action * H, (action + 1) * H));
          source = { kind: "embed", index: step.index, action };
        }
        continue;
      }
      // Anchor point of layer `step.layer`: the state so far summarises the previous layer.
      stateAtLayerEnd.set(step.layer - 1, prev);
      const cache = this.lstm(input, prev, tape.steps);
      tape.steps.push(cache);
      tape.inputs.push(source);
      const t = tape.steps.length - 1;
      const Wc = this.value("anchor_curr");
      const Wp = this.value("anchor_prev");
      const v = this.value("anchor_v");
      const curr = matVec(cache.h, Wc, H, H);
      const sum = new Float64Array(H);
      const sources: number[] = [];
      step.indices.forEach((decisionIndex, a) => {
        const src = stateAtLayerEnd.get(step.from[a]!) ?? -1;
        const hj = src >= 0 ? tape.steps[src]!.h : undefined;
        const pre = hj ? matVec(hj, Wp, H, H) : new Float64Array(H);
        const u = new Float64Array(H);
        let raw = 0;
        for (let r = 0; r < H; r++) {
          u[r] = Math.tanh(pre[r]! + curr[r]!);
          raw += u[r]! * v[r]!;
        }
        const [logit] = this.squash(raw);
        const logYes = -softplus(-logit);
        const logNo = -softplus(logit);
        const probs = Float64Array.from([Math.exp(logNo), Math.exp(logYes)]);
        const action = choose(decisionIndex, probs);
        tape.logProb += action === 1 ? logYes : logNo;
        tape.entropy -= probs[0]! * logNo + probs[1]! * logYes;
        tape.decisions.push({ kind: "anchor", step: t, source: src, u, raw, action });
        if (action === 1) {
          sources.push(src);
          if (hj) for (let r = 0; r < H; r++) sum[r]! += hj[r]!;
        }
      });
      const count = Math.max(1, sources.length);
      input = sum.map((s) => s / count);
      source = { kind: "anchors", sources, count };
    }
    return tape;
  }

  /** Samples `count` choice vectors (same order as `decisions`), drawing from `rng`. */
  sample(rng: Rng, count = 1): number[][] {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`controller.sample: count must be an integer >= 1, got ${count}`);
    return Array.from({ length: count }, () => {
      const row = new Array<number>(this.decisions.length).fill(0);
      this.run((i, probs) => (row[i] = rng.weighted(probs)));
      return row;
    });
  }

  /** The most probable choice at each step given the earlier most probable ones, with each step's probabilities. */
  greedy(): { choices: number[]; policy: PolicyRow[] } {
    const choices = new Array<number>(this.decisions.length).fill(0);
    const policy: PolicyRow[] = new Array(this.decisions.length);
    this.run((i, probs) => {
      const p = Array.from(probs);
      const d = this.decisions[i]!;
      choices[i] = p.indexOf(Math.max(...p));
      policy[i] = { decision: d.name, choices: d.kind === "categorical" ? [...d.choices] : ["no", "yes"], probs: p };
      return choices[i]!;
    });
    return { choices, policy };
  }

  private checkChoices(c: readonly number[]): void {
    if (c.length !== this.decisions.length) throw new RangeError(`controller: a choice vector needs ${this.decisions.length} entries, got ${c.length}`);
  }

  /** Log-probability of each choice vector under the current policy. */
  logProb(batch: readonly (readonly number[])[]): Float64Array {
    return Float64Array.from(batch, (c) => {
      this.checkChoices(c);
      return this.run((i) => c[i]!).logProb;
    });
  }

  /** The REINFORCE loss -mean(advantage * log p) - entropyWeight * mean(entropy) and its gradient per parameter. */
  gradients(batch: readonly (readonly number[])[], advantages: readonly number[], entropyWeight: number): { loss: number; grads: Float32Array[] } {
    if (batch.length !== advantages.length || batch.length === 0) {
      throw new RangeError(`controller: need one advantage per choice vector (got ${batch.length} and ${advantages.length})`);
    }
    const acc = this.params.values.map((v) => new Float64Array(v.length));
    let loss = 0;
    batch.forEach((c, r) => {
      this.checkChoices(c);
      const tape = this.run((i) => c[i]!);
      const gLogProb = -advantages[r]! / batch.length;
      const gEntropy = -entropyWeight / batch.length;
      loss += gLogProb * tape.logProb + gEntropy * tape.entropy;
      this.backward(tape, gLogProb, gEntropy, acc);
    });
    return { loss, grads: acc.map((g) => Float32Array.from(g)) };
  }

  /** Accumulates d(gLogProb * logProb + gEntropy * entropy)/d(params) into `acc` (reverse-mode, by hand). */
  private backward(tape: Tape, gLogProb: number, gEntropy: number, acc: Float64Array[]): void {
    const H = this.hidden;
    const grad = (name: string) => acc[this.params.at(name)]!;
    const T = tape.steps.length;
    const dh = tape.steps.map(() => new Float64Array(H));
    const dInput = tape.steps.map(() => new Float64Array(H)); // gradient of each step's input
    // Heads and anchors: their gradients land on the hidden states they read.
    const anchorCurr = new Map<number, Float64Array>(); // step -> d(W_curr h_i)
    for (const d of tape.decisions) {
      const hi = tape.steps[d.step]!.h;
      if (d.kind === "categorical") {
        const n = d.probs.length;
        let E = 0;
        for (let j = 0; j < n; j++) E -= d.probs[j]! * d.logp[j]!;
        const W = this.value(`head${d.head}_w`);
        const gW = grad(`head${d.head}_w`);
        const gb = grad(`head${d.head}_b`);
        for (let j = 0; j < n; j++) {
          const p = d.probs[j]!;
          // d logp[a]/d l_j = [j = a] - p_j;  d E/d l_j = -p_j (logp_j + E).
          const gl = gLogProb * ((j === d.action ? 1 : 0) - p) + gEntropy * (-p * (d.logp[j]! + E));
          const graw = gl * this.squash(d.raw[j]!)[1];
          gb[j]! += graw;
          for (let r = 0; r < H; r++) {
            gW[r * n + j]! += hi[r]! * graw;
            dh[d.step]![r]! += W[r * n + j]! * graw;
          }
        }
        continue;
      }
      const [logit, dlogit] = this.squash(d.raw);
      const s = sigmoid(logit);
      // d log p(action)/d logit = action - s;  d E/d logit = -s (1 - s) logit.
      const gl = gLogProb * (d.action - s) + gEntropy * (-s * (1 - s) * logit);
      const graw = gl * dlogit;
      const v = this.value("anchor_v");
      const gv = grad("anchor_v");
      const gu = new Float64Array(H);
      for (let r = 0; r < H; r++) {
        gv[r]! += d.u[r]! * graw;
        gu[r] = v[r]! * graw * (1 - d.u[r]! * d.u[r]!);
      }
      let gc = anchorCurr.get(d.step);
      if (!gc) anchorCurr.set(d.step, (gc = new Float64Array(H)));
      for (let r = 0; r < H; r++) gc[r]! += gu[r]!;
      if (d.source >= 0) {
        const hj = tape.steps[d.source]!.h;
        const Wp = this.value("anchor_prev");
        const gWp = grad("anchor_prev");
        for (let a = 0; a < H; a++) {
          for (let r = 0; r < H; r++) {
            gWp[a * H + r]! += hj[a]! * gu[r]!;
            dh[d.source]![a]! += Wp[a * H + r]! * gu[r]!;
          }
        }
      }
    }
    for (const [step, gc] of anchorCurr) {
      const hi = tape.steps[step]!.h;
      const Wc = this.value("anchor_curr");
      const gWc = grad("anchor_curr");
      for (let a = 0; a < H; a++) {
        for (let r = 0; r < H; r++) {
          gWc[a * H + r]! += hi[a]! * gc[r]!;
          dh[step]![a]! += Wc[a * H + r]! * gc[r]!;
        }
      }
    }
    // Through time, last step first: every use of h_t (heads, anchors, step t + 1) is later than t.
    const K = this.value("lstm_kernel");
    const gK = grad("lstm_kernel");
    const gBias = grad("lstm_bias");
    let dcNext: Float64Array = new Float64Array(H);
    for (let t = T - 1; t >= 0; t--) {
      const s = tape.steps[t]!;
      // The input of step t + 1 built from anchor sources passes its gradient to those states.
      if (t + 1 < T) {
        const src = tape.inputs[t + 1]!;
        if (src.kind === "anchors") for (const j of src.sources) if (j >= 0) for (let r = 0; r < H; r++) dh[j]![r]! += dInput[t + 1]![r]! / src.count;
      }
      const prev = s.prev >= 0 ? tape.steps[s.prev] : undefined;
      const dx = dInput[t]!;
      const dcPrev = lstmStepBackward(K, gK, gBias, H, H, s, prev?.h, prev?.c, dh[t]!, dcNext, dx, prev ? dh[s.prev]! : undefined);
      dcNext = dcPrev;
      const src = tape.inputs[t]!;
      if (src.kind === "start") {
        const g = grad("start");
        for (let r = 0; r < H; r++) g[r]! += dx[r]!;
      } else if (src.kind === "embed") {
        const g = grad(`embed${src.index}`);
        for (let r = 0; r < H; r++) g[src.action * H + r]! += dx[r]!;
      }
      // An input built from anchor sources is routed at the top of iteration t - 1: its sources precede step t.
    }
  }

  /** One REINFORCE step (Williams 1992) with Adam on `gradients(...)`. Returns the loss before the step. */
  reinforce(batch: readonly (readonly number[])[], advantages: readonly number[], opts: { learningRate: number; entropyWeight: number; clipNorm?: number }): number {
    const { loss, grads } = this.gradients(batch, advantages, opts.entropyWeight);
    this.params.applyAdam(grads, opts.learningRate, opts.clipNorm);
    return loss;
  }
}

/** x (length n) times the row-major n x m matrix W. */
function matVec(x: Float64Array, W: Float32Array, n: number, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let a = 0; a < n; a++) {
    const xa = x[a]!;
    if (xa !== 0) for (let r = 0; r < m; r++) out[r]! += xa * W[a * m + r]!;
  }
  return out;
}
