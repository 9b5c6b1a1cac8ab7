/**
 * Hyperband (Li et al., JMLR 2018): successive halving in several brackets that trade the number of sampled
 * architectures against the epochs each starts with, from many candidates at a tiny budget to a few at the
 * full one. Bracket s (s_max down to 0) samples ceil((s_max + 1) / (s + 1) * eta^s) architectures and starts
 * them at maxEpochs * eta^-s epochs.
 */
import { throwIfAborted } from "../errors.js";
import { Rng } from "../rng.js";
import type { SearchSpace } from "../space/types.js";
import { successiveHalving, type HalvingResult, type RungTrial } from "./halving.js";
import type { Evaluator } from "./types.js";

export interface HyperbandOptions<A> {
  space: SearchSpace<A>;
  evaluator: Evaluator<A>;
  /** Epochs of a full training run (R). */
  maxEpochs: number;
  /** Smallest epoch budget of any rung (default 1). */
  minEpochs?: number;
  eta?: number;
  objective?: string;
  seed: number;
  signal?: AbortSignal;
  onTrial?: (t: RungTrial<A> & { bracket: number }) => void;
}

export interface Bracket {
  s: number;
  candidates: number;
  minEpochs: number;
}

export interface HyperbandResult<A> {
  brackets: (Bracket & { result: HalvingResult<A> })[];
  /** Best final-rung trial over all brackets. */
  best: RungTrial<A> | undefined;
  totalEpochs: number;
  seconds: number;
}

/** The brackets Hyperband runs for a maximum budget R, a minimum budget and eta. */
export function hyperbandBrackets(maxEpochs: number, minEpochs: number, eta: number): Bracket[] {
  if (!(maxEpochs >= minEpochs) || !(minEpochs > 0) || !(eta > 1)) {
    throw new RangeError(`hyperband needs 0 < minEpochs <= maxEpochs and eta > 1, got ${minEpochs}, ${maxEpochs}, ${eta}`);
  }
  const sMax = Math.floor(Math.log(maxEpochs / minEpochs) / Math.log(eta) + 1e-9);
  const out: Bracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    out.push({ s, candidates: Math.ceil(((sMax + 1) / (s + 1)) * eta ** s), minEpochs: maxEpochs * eta ** -s });
  }
  return out;
}

/** Runs Hyperband: architectures sampled from `space` with a seeded Rng, each bracket by successive halving. */
export async function hyperband<A>(opts: HyperbandOptions<A>): Promise<HyperbandResult<A>> {
  const eta = opts.eta ?? 3;
  const rng = new Rng(`hyperband/${opts.seed}`);
  const brackets: HyperbandResult<A>["brackets"] = [];
  for (const b of hyperbandBrackets(opts.maxEpochs, opts.minEpochs ?? 1, eta)) {
    throwIfAborted(opts.signal);
    const candidates = Array.from({ length: b.candidates }, () => opts.space.sample(rng));
    const result = await successiveHalving(candidates, {
      evaluator: opts.evaluator,
      minEpochs: b.minEpochs,
      maxEpochs: opts.maxEpochs,
      eta,
      objective: opts.objective,
      seed: opts.seed,
      key: (a) => opts.space.format(a),
      signal: opts.signal,
      onTrial: (t) => opts.onTrial?.({ ...t, bracket: b.s }),
    });
    brackets.push({ ...b, result });
  }
  const finals = brackets.map((b) => b.result.best).filter((t): t is RungTrial<A> => t !== undefined && t.epochs === Math.round(opts.maxEpochs));
  const best = finals.sort((a, b) => b.fitness - a.fitness)[0];
  return {
    brackets,
    best,
    totalEpochs: brackets.reduce((s, b) => s + b.result.totalEpochs, 0),
    seconds: brackets.reduce((s, b) => s + b.result.seconds, 0),
  };
}
