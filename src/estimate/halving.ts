/**
 * Successive halving (Jamieson & Talwalkar, AISTATS 2016; the subroutine of Hyperband): evaluate every
 * candidate at a small epoch budget, keep the best 1/eta, multiply the budget by eta, repeat until one
 * candidate or the maximum budget is left. Works with any evaluator that honours `budget.epochs`
 * (the train evaluator does). With a resumable evaluator (`startRun`, as the train evaluator has) a promoted
 * candidate continues its own run: same weights, optimizer state and data order, the learning-rate schedule
 * laid over the maximum budget (Li et al., JMLR 2018; Falkner et al., ICML 2018), so its 1-epoch result is the
 * first epoch of its 3-epoch run and the cost counts each epoch once. Any other evaluator is called again at
 * the larger budget (a table lookup, or a retrain from scratch whose epochs are all counted).
 */
import { throwIfAborted } from "../errors.js";
import { hashString } from "../rng.js";
import { isResumable, type ResumableRun } from "./resumable.js";
import type { Evaluator, TrialResult } from "./types.js";

export interface RungTrial<A> {
  arch: A;
  rung: number;
  epochs: number;
  result: TrialResult;
  /** The objective, or -Infinity for a failed trial or a missing metric. */
  fitness: number;
}

export interface HalvingOptions<A> {
  evaluator: Evaluator<A>;
  /** Epochs at the first rung. */
  minEpochs: number;
  /** Epochs at the last rung. */
  maxEpochs: number;
  /** Keep the best 1/eta at each rung and multiply epochs by eta (default 3). */
  eta?: number;
  /** Metric to maximise (default: the evaluator's objective). */
  objective?: string;
  seed: number;
  /** Names an architecture for per-architecture seeds (default JSON.stringify). */
  key?: (a: A) => string;
  signal?: AbortSignal;
  onTrial?: (t: RungTrial<A>) => void;
}

export interface HalvingResult<A> {
  trials: RungTrial<A>[];
  /** Best candidate of the last rung it reached, or undefined if every trial failed. */
  best: RungTrial<A> | undefined;
  /** Epochs per rung, e.g. [1, 3, 9]. */
  rungs: number[];
  /** Epochs actually trained (a continued run counts only its new epochs) and seconds, over all trials. */
  totalEpochs: number;
  seconds: number;
}

/** The epoch budget of each rung: minEpochs * eta^i, capped and ending at maxEpochs. */
export function rungEpochs(minEpochs: number, maxEpochs: number, eta: number): number[] {
  if (!(minEpochs > 0) || !(maxEpochs >= minEpochs) || !(eta > 1)) {
    throw new RangeError(`successive halving needs 0 < minEpochs <= maxEpochs and eta > 1, got minEpochs=${minEpochs}, maxEpochs=${maxEpochs}, eta=${eta}`);
  }
  const out: number[] = [];
  for (let r = minEpochs; r < maxEpochs * (1 - 1e-9); r *= eta) out.push(Math.max(1, Math.round(r)));
  out.push(Math.round(maxEpochs));
  return [...new Set(out)];
}

function fitnessOf(r: TrialResult, objective: string): number {
  const v = r.metrics[objective];
  return r.status === "ok" && typeof v === "number" && Number.isFinite(v) ? v : -Infinity;
}

/** Runs successive halving over `candidates`. */
export async function successiveHalving<A>(candidates: readonly A[], opts: HalvingOptions<A>): Promise<HalvingResult<A>> {
  const eta = opts.eta ?? 3;
  const rungs = rungEpochs(opts.minEpochs, opts.maxEpochs, eta);
  const objective = opts.objective ?? opts.evaluator.objective;
  const key = opts.key ?? ((a: A) => JSON.stringify(a));
  const trials: RungTrial<A>[] = [];
  const maxEpochs = rungs[rungs.length - 1]!;
  const evaluator = opts.evaluator;
  const runs = new Map<number, ResumableRun>();
  let survivors = candidates.map((arch, index) => ({ arch, index }));
  let lastRung: { trial: RungTrial<A>; index: number }[] = [];
  try {
    for (let rung = 0; rung < rungs.length && survivors.length > 0; rung++) {
      const epochs = rungs[rung]!;
      lastRung = [];
      for (const { arch, index } of survivors) {
        throwIfAborted(opts.signal);
        const seed = hashString(`${opts.seed}/${key(arch)}`);
        let result: TrialResult;
        if (isResumable(evaluator)) {
          let run = runs.get(index);
          if (!run) runs.set(index, (run = evaluator.startRun(arch, { seed, maxEpochs })));
          result = await run.continueTo(epochs, { signal: opts.signal });
        } else {
          result = await evaluator.evaluate(arch, { seed, budget: { epochs }, signal: opts.signal });
        }
        const t: RungTrial<A> = { arch, rung, epochs, result, fitness: fitnessOf(result, objective) };
        trials.push(t);
        lastRung.push({ trial: t, index });
        opts.onTrial?.(t);
      }
      // Stable sort: ties keep candidate order, so results are deterministic.
      const ranked = lastRung.slice().sort((a, b) => b.trial.fitness - a.trial.fitness);
      const keep = Math.max(1, Math.floor(ranked.length / eta));
      survivors = ranked.filter((t) => t.trial.fitness > -Infinity).slice(0, keep).map((t) => ({ arch: t.trial.arch, index: t.index }));
      // Free the runs of the candidates this rung eliminated.
      const alive = new Set(survivors.map((s) => s.index));
      for (const [index, run] of runs) {
        if (!alive.has(index)) {
          run.dispose();
          runs.delete(index);
        }
      }
      if (survivors.length === 1 && rung < rungs.length - 2) {
        // One candidate left: train it at the full budget (the remaining rungs would only re-run it).
        rung = rungs.length - 2;
      }
    }
  } finally {
    for (const run of runs.values()) run.dispose();
  }
  const best = lastRung.map((t) => t.trial).filter((t) => t.fitness > -Infinity).sort((a, b) => b.fitness - a.fitness)[0];
  return {
    trials,
    best,
    rungs,
    totalEpochs: trials.reduce((s, t) => s + (t.result.cost.epochs ?? t.epochs), 0),
    seconds: trials.reduce((s, t) => s + t.result.cost.seconds, 0),
  };
}
