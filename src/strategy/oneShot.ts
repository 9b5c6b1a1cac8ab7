/**
 * One-shot search with uniform single-path sampling (SPOS: Guo et al., "Single Path One-Shot Neural Architecture
 * Search with Uniform Sampling", ECCV 2020). Phase 1 trains the supernet's shared weights, each step on one
 * sub-network drawn uniformly from the space, so every architecture's weights are trained equally often and no
 * architecture parameters are learned. Phase 2 searches the space with the weights frozen: regularized evolution
 * (Real et al. 2019, the strategy of `evolution.ts`; SPOS uses an evolutionary search too) whose fitness is a
 * sub-network's validation accuracy with the shared weights.
 */
import * as tf from "@tensorflow/tfjs";
import type { DataSplits } from "../data/types.js";
import { AbortError, requireCapabilities, throwIfAborted } from "../errors.js";
import type { Supernet } from "../model/supernet.js";
import type { Proposal, WeightSharingResult, WeightSharingRunOptions, WeightSharingSearch } from "../model/supernetSearch.js";
import { BatchStream, WeightTrainer, supernetAccuracy, type WeightTrainerOptions } from "../model/supernetTraining.js";
import { yieldToEventLoop } from "../eventLoop.js";
import { Rng } from "../rng.js";
import type { TrialResult } from "../estimate/types.js";
import type { Mutable, SearchSpace } from "../space/types.js";
import { regularizedEvolution } from "./evolution.js";
import type { SpaceStrategyFactory, StrategySnapshot } from "./types.js";

export interface OneShotSearchOptions<A> {
  supernet: Supernet<A>;
  /** The space sub-networks are drawn from (its `sample` must match the supernet, e.g. nb201Space()). */
  space: SearchSpace<A> & Mutable<A>;
  data: DataSplits;
  /** Single-path training steps. */
  steps: number;
  batchSize?: number;
  weights?: Omit<WeightTrainerOptions, "totalSteps">;
  /** Regularized evolution over sub-networks: population, total evaluations, tournament size (defaults 16, 64, 4). */
  evolution?: { population?: number; evaluations?: number; sampleSize?: number };
  /** Validation examples per shared-weight accuracy (default 500; batch norm uses batch statistics). */
  evalExamples?: number;
  /** Record a snapshot every this many training steps (default steps / 20). */
  recordEvery?: number;
  seed: number;
}

/** Shared-weight accuracy of sub-networks, cached by canonical key. */
export function sharedWeightEstimator<A>(net: Supernet<A>, space: SearchSpace<A>, data: DataSplits, evalExamples: number): { estimate(a: A): number; count(): number } {
  const cache = new Map<string, number>();
  return {
    estimate(a: A): number {
      const k = space.key(a);
      let v = cache.get(k);
      if (v === undefined) {
        v = supernetAccuracy(net, data.val, () => ({ kind: "path", arch: a }), { limit: evalExamples });
        cache.set(k, v);
      }
      return v;
    },
    count: () => cache.size,
  };
}

/** Trains `net` for `steps` single-path steps on archs from `pick`; returns the last loss, or stops on abort. */
export async function trainSinglePaths<A>(
  trainer: WeightTrainer,
  stream: BatchStream,
  pick: () => A,
  steps: number,
  onStep: (step: number, loss: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let step = 1; step <= steps; step++) {
    const arch = pick();
    const b = stream.next();
    let loss: number;
    try {
      loss = trainer.train(b, () => ({ kind: "path", arch }));
    } finally {
      tf.dispose([b.x, b.y]);
    }
    if (!Number.isFinite(loss)) throw new Error(`supernet training diverged: loss ${loss} at step ${step}; lower the weight learning rate`);
    onStep(step, loss);
    await yieldToEventLoop();
    throwIfAborted(signal);
  }
}

/** SPOS over `supernet`; see the module comment. */
export function oneShotSearch<A>(opts: OneShotSearchOptions<A>): WeightSharingSearch<A> {
  const name = "one-shot";
  requireCapabilities(name, opts.space, ["mutate"]);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new RangeError(`${name}: steps must be a positive integer, got ${opts.steps}`);
  const population = opts.evolution?.population ?? 16;
  const evaluations = opts.evolution?.evaluations ?? 64;
  const sampleSize = opts.evolution?.sampleSize ?? 4;
  if (!(Number.isInteger(population) && population >= 1 && Number.isInteger(evaluations) && evaluations >= population && sampleSize >= 1)) {
    throw new RangeError(`${name}: evolution needs integers population >= 1, evaluations >= population and sampleSize >= 1; got ${population}, ${evaluations}, ${sampleSize}`);
  }
  const net = opts.supernet;
  const space = opts.space;
  const rng = new Rng(`${opts.seed}/one-shot`);
  const trainer = new WeightTrainer(net, { ...opts.weights, totalSteps: opts.steps });
  const stream = new BatchStream(opts.data.train, opts.batchSize ?? 64, `${opts.seed}/one-shot-train`);
  const estimator = sharedWeightEstimator(net, space, opts.data, opts.evalExamples ?? 500);
  const recordEvery = opts.recordEvery ?? Math.max(1, Math.floor(opts.steps / 20));
  const evaluated: { arch: A; fitness: number; trial: number }[] = [];
  const snapshots: StrategySnapshot[] = [];
  const losses: { step: number; loss: number }[] = [];
  let phase: "train" | "evolve" | "done" = "train";
  let step = 0;

  const snapshot = (): StrategySnapshot => ({
    strategy: name,
    step: step + evaluated.length,
    phase,
    trainSteps: step,
    trainLoss: losses.at(-1)?.loss,
    lossHistory: losses.slice(),
    population: evaluated.map((m) => ({ arch: space.format(m.arch), fitness: m.fitness, trial: m.trial, metrics: { supernet_acc: m.fitness } })),
  });
  const record = (on?: (s: StrategySnapshot) => void) => {
    const s = snapshot();
    snapshots.push(s);
    on?.(s);
  };

  return {
    name,
    snapshot,
    async run(runOpts: WeightSharingRunOptions = {}): Promise<WeightSharingResult<A>> {
      const t0 = performance.now();
      let stoppedEarly: string | undefined;
      try {
        await trainSinglePaths(trainer, stream, () => space.sample(rng), opts.steps, (s, loss) => {
          step = s;
          losses.push({ step: s, loss });
          if (s % recordEvery === 0 || s === opts.steps) record(runOpts.onSnapshot);
        }, runOpts.signal);
        phase = "evolve";
        // Regularized evolution (src/strategy/evolution.ts) told each sub-network's shared-weight accuracy.
        const evolution = regularizedEvolution({ population, sample: Math.min(sampleSize, population) }).create(space, rng);
        while (evaluated.length < evaluations) {
          const arch = evolution.ask(1)[0]!;
          const fitness = estimator.estimate(arch);
          evaluated.push({ arch, fitness, trial: evaluated.length });
          evolution.tell(arch, { status: "ok", metrics: { supernet_acc: fitness }, cost: { seconds: 0 } }, fitness);
          if (evaluated.length % 8 === 0) {
            record(runOpts.onSnapshot);
            await yieldToEventLoop();
            throwIfAborted(runOpts.signal);
          }
        }
      } catch (e) {
        if (!(e instanceof AbortError)) throw e;
        stoppedEarly = "aborted";
      }
      phase = "done";
      if (evaluated.length === 0) {
        // Aborted during training: still propose something, the best of one random sub-network.
        const arch = space.sample(rng);
        evaluated.push({ arch, fitness: estimator.estimate(arch), trial: 0 });
      }
      record(runOpts.onSnapshot);
      const proposals = bestDistinct(evaluated, space, 10);
      return { derived: proposals[0]!.arch, proposals, seconds: (performance.now() - t0) / 1000, steps: step, stoppedEarly, snapshots };
    },
    dispose() {
      trainer.dispose();
    },
  };
}

/** The `n` best evaluated architectures, one per canonical key, best first (earliest on ties). */
export function bestDistinct<A>(evaluated: readonly { arch: A; fitness: number; trial: number }[], space: SearchSpace<A>, n: number): Proposal<A>[] {
  const seen = new Set<string>();
  const out: Proposal<A>[] = [];
  for (const m of [...evaluated].sort((a, b) => b.fitness - a.fitness || a.trial - b.trial)) {
    const k = space.key(m.arch);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ arch: m.arch, supernetAcc: m.fitness });
    if (out.length === n) break;
  }
  return out;
}

/**
 * The proposals of a weight-sharing search (DARTS, SPOS, ENAS) as an ask/tell strategy, so they go through an
 * Evaluator and the search loop like any other strategy's architectures: it asks them best first, then is exhausted.
 */
export function proposalStrategy<A>(result: WeightSharingResult<A>, name = "weight-sharing-proposals"): SpaceStrategyFactory<A> {
  return {
    name,
    create(space: SearchSpace<A>) {
      let next = 0;
      const told: { arch: string; fitness: number; trial: number; metrics: Record<string, number> }[] = [];
      return {
        name,
        ask(n: number): A[] {
          const out = result.proposals.slice(next, next + n).map((p) => p.arch);
          next += out.length;
          return out;
        },
        tell(arch: A, r: TrialResult, fitness: number) {
          const supernetAcc = result.proposals.find((p) => space.key(p.arch) === space.key(arch))?.supernetAcc;
          told.push({ arch: space.format(arch), fitness, trial: told.length, metrics: { ...r.metrics, ...(supernetAcc === undefined ? {} : { supernet_acc: supernetAcc }) } });
        },
        snapshot: (): StrategySnapshot => ({ strategy: name, step: told.length, population: told.slice() }),
      };
    },
  };
}
