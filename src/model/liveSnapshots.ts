/**
 * A weight-sharing search (DARTS, SPOS, ENAS) as an async iterable: what a notebook cell returns to show the
 * supernet figure while the search trains. The search calls back with snapshots; a cell streams yields, so this
 * turns one into the other, and its last value carries the result.
 */
import type { StrategySnapshot } from "../strategy/types.js";
import type { WeightSharingResult, WeightSharingSearch } from "./supernetSearch.js";

/** One value of `liveSnapshots`: the search's state, and on the last value its result. */
export interface LiveSnapshot<A> {
  snapshot: StrategySnapshot;
  result?: WeightSharingResult<A>;
}

/** Runs `search`, yielding each recorded snapshot and finally `{ snapshot, result }`; `signal` aborts the run. */
export async function* liveSnapshots<A>(search: WeightSharingSearch<A>, signal?: AbortSignal): AsyncGenerator<LiveSnapshot<A>> {
  const queue: LiveSnapshot<A>[] = [];
  let wake = () => {};
  let finished = false;
  let failure: { error: unknown } | undefined;
  search.run({ signal, onSnapshot: (snapshot) => { queue.push({ snapshot }); wake(); } }).then(
    (result) => { queue.push({ snapshot: search.snapshot(), result }); finished = true; wake(); },
    (error: unknown) => { failure = { error }; finished = true; wake(); },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (finished) {
      if (failure) throw failure.error;
      return;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
