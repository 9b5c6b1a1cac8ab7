/**
 * A space's one-decision neighbourhood by brute force: change each decision to each of its other values, keep the
 * valid results whose key differs from the original, one per key. Reference for `space.neighbours`.
 */
import { InvalidArchError } from "../../src/errors.js";
import type { Mutable, SearchSpace, Sequential } from "../../src/space/types.js";

export function bruteForceNeighbourKeys<A>(space: SearchSpace<A> & Sequential<A> & Mutable<A>, a: A): Set<string> {
  const choices = space.toChoices(a);
  const self = space.key(a);
  const keys = new Set<string>();
  space.decisions().forEach((d, i) => {
    const arity = d.kind === "categorical" ? d.choices.length : 2;
    for (let v = 0; v < arity; v++) {
      if (v === choices[i]) continue;
      const c = choices.slice();
      c[i] = v;
      let b: A;
      try {
        b = space.fromChoices(c);
        space.validate(b);
      } catch (e) {
        if (e instanceof InvalidArchError) continue;
        throw e;
      }
      if (space.key(b) !== self) keys.add(space.key(b));
    }
  });
  return keys;
}
