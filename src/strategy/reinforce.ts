/**
 * REINFORCE with an LSTM controller (Zoph & Le, "Neural Architecture Search with Reinforcement Learning", ICLR 2017):
 * the controller samples every decision of the space; after each batch of results the policy gradient
 * (R - b) * grad log p(arch) with an exponential-moving-average baseline b and an entropy bonus updates it.
 * Advantages are divided by the running standard deviation of the rewards, so one learning rate works whatever
 * the scale of the objective (percent accuracy, a bit count ...).
 *
 * Every update uses the whole batch of `batch` architectures sampled from the current policy, as the estimator
 * requires (an i.i.d. sample of the policy). Evaluation is deterministic on a benchmark table, so an architecture
 * sampled again gets its known reward without a new query; that is a reward, never a reason to resample. Only
 * `sampling: "novelty"` departs from this (see its documentation).
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { SearchSpace, Sequential } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { Strategy, StrategyFactory, StrategySnapshot } from "./types.js";
import { Population } from "./population.js";
import { LstmController, type ControllerOptions } from "./controller.js";

export interface ReinforceOptions extends ControllerOptions {
  /** Adam step size (default 0.05). */
  learningRate?: number;
  /** Weight of the policy's entropy in the loss (default 0.01). */
  entropyWeight?: number;
  /** Decay of the moving-average baseline (default 0.9, as NAS-Bench-201's REINFORCE). */
  baselineDecay?: number;
  /**
   * Architectures sampled together and used for one policy update (Zoph & Le's m; default 10). Sampling and the
   * update are one batched pass each, which is what keeps the controller cheap.
   */
  batch?: number;
  /** Global gradient-norm clip (default 5). */
  clipNorm?: number;
  /**
   * When the controller samples an architecture it has already been told about, reuse that reward in the update
   * instead of spending a query on it again. Default true. False: every sample is queried (Zoph & Le trained every
   * sampled child).
   */
  reuseRewards?: boolean;
  /**
   * `policy` (default): each update's batch is exactly `batch` samples of the policy, known ones included; the
   * REINFORCE gradient is unbiased. `novelty`: known samples are capped at `batch` per update and the controller
   * resamples (up to 4x as many, 3 times) until it has `batch` NEW architectures; spends every query on a new
   * architecture, but the batch over-represents the policy's unlikely choices, so the gradient is BIASED (toward
   * whatever the policy has not tried). Kept for comparison with round 1, which did this.
   */
  sampling?: "policy" | "novelty";
  /**
   * Under `policy` sampling with reused rewards, a converged policy may sample only known architectures, so
   * updates cost no query. After this many such updates in a row, the known samples of the next batch are queried
   * again (default 10), so a search always progresses and its cost stays bounded.
   */
  maxFreeUpdates?: number;
}

interface Episode {
  choices: number[];
  format: string;
  /** Filled in when the architecture's result is told (or at once when it was evaluated before). */
  reward: number | undefined;
}

export function reinforce(opts: ReinforceOptions = {}): StrategyFactory {
  const name = "reinforce";
  const lr = opts.learningRate ?? 0.05;
  const entropyWeight = opts.entropyWeight ?? 0.01;
  const decay = opts.baselineDecay ?? 0.9;
  const batch = opts.batch ?? 10;
  const clipNorm = opts.clipNorm ?? 5;
  const reuse = opts.reuseRewards ?? true;
  const sampling = opts.sampling ?? "policy";
  const maxFree = opts.maxFreeUpdates ?? 10;
  if (sampling !== "policy" && sampling !== "novelty") throw new RangeError(`${name}: sampling must be "policy" or "novelty", got "${String(sampling)}"`);
  if (!(Number.isInteger(maxFree) && maxFree >= 0)) throw new RangeError(`${name}: maxFreeUpdates must be an integer >= 0, got ${maxFree}`);
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`${name}: learningRate must be a positive number, got ${lr}`);
  if (!(entropyWeight >= 0)) throw new RangeError(`${name}: entropyWeight must be >= 0, got ${entropyWeight}`);
  if (!(decay >= 0 && decay < 1)) throw new RangeError(`${name}: baselineDecay must be in [0, 1), got ${decay}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`${name}: batch must be an integer >= 1, got ${batch}`);
  if (!(clipNorm > 0)) throw new RangeError(`${name}: clipNorm must be > 0, got ${clipNorm}`);
  return {
    name,
    create<A>(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      requireCapabilities(name, space, ["decisions", "fromChoices", "toChoices"]);
      const seq = space as SearchSpace<A> & Sequential<A>;
      const controller = new LstmController(seq.decisions(), rng, opts);
      const history = new Population<A>(space, Infinity);
      /** Episodes of the current batch. */
      let episodes: Episode[] = [];
      let queue: A[] = []; // sampled, not yet asked
      const rewards = new Map<string, number>(); // format -> reward of evaluated archs
      let baseline: number | undefined;
      let count = 0;
      let mean = 0;
      let m2 = 0; // Welford accumulators of all rewards, for the advantage scale
      let minReward = Infinity;
      let updates = 0;
      let freeUpdates = 0; // consecutive updates whose batch was all known
      let lastLoss = NaN;

      /** Updates the policy once every episode of the batch has its reward. */
      const maybeUpdate = () => {
        if (episodes.length === 0 || episodes.some((e) => e.reward === undefined)) return;
        for (const e of episodes) {
          count++;
          const d = e.reward! - mean;
          mean += d / count;
          m2 += d * (e.reward! - mean);
        }
        const std = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
        const scale = std > 1e-12 ? std : 1;
        const advantages: number[] = [];
        for (const e of episodes) {
          baseline ??= e.reward!;
          advantages.push((e.reward! - baseline) / scale);
        }
        // The baseline moves after the whole batch, so every episode of a batch is compared with the same value.
        for (const e of episodes) baseline = decay * baseline! + (1 - decay) * e.reward!;
        lastLoss = controller.reinforce(episodes.map((e) => e.choices), advantages, { learningRate: lr, entropyWeight, clipNorm });
        updates++;
        episodes = [];
      };

      /**
       * `policy` sampling: one batch of `batch` samples, every one an episode of the next update. Known
       * architectures get their reward at once; the others (each distinct one once) are queued. A batch of known
       * architectures only is an update at no query cost; the loop samples again.
       */
      const samplePolicyBatch = () => {
        while (queue.length === 0) {
          const requery = !reuse || freeUpdates >= maxFree;
          const queued = new Set<string>();
          for (const choices of controller.sample(rng, batch)) {
            const arch = seq.fromChoices(choices);
            const format = space.format(arch);
            const reward = requery ? undefined : rewards.get(format);
            episodes.push({ choices, format, reward });
            if (reward === undefined && !queued.has(format)) {
              queued.add(format);
              queue.push(arch);
            }
          }
          if (queue.length === 0) {
            freeUpdates++;
            maybeUpdate();
          } else freeUpdates = 0;
        }
      };

      /**
       * `novelty` sampling (round 1's, biased; see the option): known architectures join the update at once, at
       * most `batch` of them; a retry samples up to 4x as many until a new one turns up; after 3 retries a known
       * architecture is queried again.
       */
      const sampleNoveltyBatch = () => {
        let known = 0;
        for (let tries = 0; queue.length === 0; tries++) {
          const queued = new Set<string>();
          for (const choices of controller.sample(rng, batch * 2 ** Math.min(tries, 2))) {
            const arch = seq.fromChoices(choices);
            const format = space.format(arch);
            const reward = reuse ? rewards.get(format) : undefined;
            if (reward !== undefined && tries < 3) {
              if (known < batch) episodes.push({ choices, format, reward });
              known++;
              continue;
            }
            episodes.push({ choices, format, reward: undefined });
            if (!queued.has(format)) {
              queued.add(format);
              queue.push(arch);
            }
            if (tries > 0 && queue.length >= batch) break;
          }
        }
      };
      const sampleBatch = sampling === "policy" ? samplePolicyBatch : sampleNoveltyBatch;

      return {
        name,
        ask(n: number): A[] {
          const out: A[] = [];
          while (out.length < n) {
            if (queue.length === 0) sampleBatch();
            out.push(queue.shift()!);
          }
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          history.add(arch, result, fitness);
          const f = space.format(arch);
          // A failed trial gets the worst reward seen so far: discouraged, without an arbitrary scale.
          const reward = Number.isFinite(fitness) ? fitness : Number.isFinite(minReward) ? minReward : 0;
          if (Number.isFinite(fitness)) minReward = Math.min(minReward, fitness);
          rewards.set(f, reward);
          for (const e of episodes) if (e.format === f && e.reward === undefined) e.reward = reward;
          maybeUpdate();
        },
        snapshot(): StrategySnapshot {
          const { choices, policy } = controller.greedy();
          return {
            strategy: name,
            step: history.told,
            population: history.view(),
            policy,
            greedy: space.format(seq.fromChoices(choices)),
            baseline,
            updates,
            sampling,
            loss: lastLoss,
          };
        },
      };
    },
  };
}
