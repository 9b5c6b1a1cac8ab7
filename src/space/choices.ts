/**
 * Decision vectors: one integer choice per decision of `space.decisions()`. Checking, sampling, neighbours,
 * crossover and enumeration of the vectors themselves, then the same operators lifted to architectures through a
 * space's `ChoiceCodec` (redrawing until the vector is a valid architecture).
 */
import { InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Decision } from "./types.js";

/** How many values a decision can take: its choices, or 2 (no/yes) for an anchor. */
export function decisionArity(d: Decision): number {
  return d.kind === "categorical" ? d.choices.length : 2;
}

/** Checks that `choices` is a vector of in-range integers for `decisions`; names the first bad entry. */
export function checkChoices(space: string, decisions: readonly Decision[], choices: readonly number[]): void {
  if (!Array.isArray(choices) || choices.length !== decisions.length) {
    throw new InvalidArchError(
      `${space}: expected ${decisions.length} choices (one per decision), got ${Array.isArray(choices) ? choices.length : typeof choices}; ` +
        `build the vector in the order of space.decisions()`,
    );
  }
  choices.forEach((c, i) => {
    const n = decisionArity(decisions[i]!);
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new InvalidArchError(
        `${space}: choice ${i} (${decisions[i]!.name}) is ${c}, must be an integer in 0..${n - 1}; see space.decisions()[${i}]`,
      );
    }
  });
}

/** One uniformly random choice per decision. */
export function sampleChoices(decisions: readonly Decision[], rng: Rng): number[] {
  return decisions.map((d) => rng.int(decisionArity(d)));
}

/** Every choice vector one decision away from `c`, in decision order then choice order. */
export function choiceNeighbours(decisions: readonly Decision[], c: readonly number[]): number[][] {
  const out: number[][] = [];
  decisions.forEach((d, i) => {
    for (let v = 0; v < decisionArity(d); v++) {
      if (v === c[i]) continue;
      const n = c.slice();
      n[i] = v;
      out.push(n);
    }
  });
  return out;
}

/** Uniform crossover: each decision comes from `a` or `b` with probability 1/2. */
export function uniformCrossover<T>(a: readonly T[], b: readonly T[], rng: Rng): T[] {
  return a.map((x, i) => (rng.bool() ? x : b[i]!));
}

/** Every choice vector of `decisions` (brute force; for tests and tiny spaces). */
export function* allChoices(decisions: readonly Decision[]): Generator<number[]> {
  const arity = decisions.map(decisionArity);
  const c = arity.map(() => 0);
  for (;;) {
    yield c.slice();
    let i = c.length - 1;
    while (i >= 0 && c[i] === arity[i]! - 1) c[i--] = 0;
    if (i < 0) return;
    c[i]!++;
  }
}

/** What a space provides so the shared operators can work on its choice vectors. */
export interface ChoiceCodec<A> {
  decisions(): Decision[];
  toChoices(a: A): number[];
  /** Builds an arch; throws `InvalidArchError` for a vector that is not a valid arch. */
  fromChoices(c: readonly number[]): A;
  key(a: A): string;
}

/** Builds `a` from `c`, or undefined if the vector is not a valid architecture. */
export function tryFromChoices<A>(codec: ChoiceCodec<A>, c: readonly number[]): A | undefined {
  try {
    return codec.fromChoices(c);
  } catch (e) {
    if (e instanceof InvalidArchError) return undefined;
    throw e;
  }
}

/** Uniform over decisions, redrawn until valid (so uniform over the valid architectures). */
export function sampleValid<A>(codec: ChoiceCodec<A>, rng: Rng, space: string): A {
  const ds = codec.decisions();
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const a = tryFromChoices(codec, sampleChoices(ds, rng));
    if (a !== undefined) return a;
  }
  throw new InvalidArchError(`${space}: could not sample a valid architecture in 10,000 draws; check the space options`);
}

/**
 * All valid architectures one decision away whose key differs from `a`'s, one per key (first in decision
 * order), so a local search never spends a query on an isomorphic copy of where it stands.
 */
export function keyedNeighbours<A>(codec: ChoiceCodec<A>, a: A, candidates?: Iterable<readonly number[]>): A[] {
  const seen = new Set([codec.key(a)]);
  const out: A[] = [];
  for (const c of candidates ?? choiceNeighbours(codec.decisions(), codec.toChoices(a))) {
    const b = tryFromChoices(codec, c);
    if (b === undefined) continue;
    const k = codec.key(b);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(b);
  }
  return out;
}

/**
 * Mutation (Real et al. 2019): change one uniformly chosen decision to a different value, redrawing until the
 * result is valid and not key-equal to `a`. The result is therefore key-equal to one of `keyedNeighbours(a)`.
 */
export function mutateOneDecision<A>(codec: ChoiceCodec<A>, a: A, rng: Rng, space: string): A {
  const ds = codec.decisions();
  const c = codec.toChoices(a);
  const k = codec.key(a);
  const changeable = ds.map((d, i) => i).filter((i) => decisionArity(ds[i]!) > 1);
  for (let attempt = 0; attempt < 1000 && changeable.length > 0; attempt++) {
    const i = rng.choice(changeable);
    const n = c.slice();
    n[i] = (c[i]! + 1 + rng.int(decisionArity(ds[i]!) - 1)) % decisionArity(ds[i]!);
    const b = tryFromChoices(codec, n);
    if (b !== undefined && codec.key(b) !== k) return b;
  }
  const all = keyedNeighbours(codec, a);
  if (all.length === 0) throw new InvalidArchError(`${space}: this architecture has no neighbour with a different key; enlarge the space`);
  return rng.choice(all);
}

/** Uniform crossover of two parents' choice vectors, redrawn until valid; falls back to a copy of a parent. */
export function crossoverChoices<A>(codec: ChoiceCodec<A>, a: A, b: A, rng: Rng): A {
  const ca = codec.toChoices(a);
  const cb = codec.toChoices(b);
  for (let attempt = 0; attempt < 100; attempt++) {
    const child = tryFromChoices(codec, uniformCrossover(ca, cb, rng));
    if (child !== undefined) return child;
  }
  return codec.fromChoices(rng.bool() ? ca : cb);
}
