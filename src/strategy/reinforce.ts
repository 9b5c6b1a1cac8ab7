/**
 * REINFORCE with an LSTM controller (Zoph & Le, "Neural Architecture Search with Reinforcement Learning", ICLR 2017):
 * the controller samples every decision of the space; after each batch of results the policy gradient
 * (R - b) * grad log p(arch) with an exponential-moving-average baseline b and an entropy bonus updates it.
 * Advantages are divided by the running standard deviation of the rewards, so one learning rate works whatever
 * the scale of the objective (percent accuracy, a bit count ...).
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { StrategyFactory } from "../search.js";
import type { SearchSpace, Sequential } from "../space/types.js";
import type { TrialResult } from "../estimate/types.js";
import type { Strategy, StrategySnapshot } from "./types.js";
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
   * instead of spending a query on it again. Default true.
   */
  reuseRewards?: boolean;
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
       * Samples a batch. Architectures already evaluated get their known reward at once and join the batch's
       * update without costing a query; the others are queued. A converged policy samples mostly known
       * architectures, so a retry samples up to 4x as many (one batched pass) until a new one turns up; after 3
       * retries a known architecture is queried again. At most `batch` known episodes join an update, so one
       * update per batch stays cheap.
       */
      const sampleBatch = () => {
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
            loss: lastLoss,
          };
        },
      };
    },
  };
}
