/**
 * A weight-sharing search (DARTS, SPOS, ENAS) as an async iterable: what a notebook cell returns to show the
 * supernet figure while the search trains. The search calls back with snapshots; a cell streams yields, so this
 * turns one into the other, and its last value carries the result.
 */
import { asyncChannel } from "../asyncChannel.js";
import type { StrategySnapshot } from "../strategy/types.js";
import type { WeightSharingResult, WeightSharingSearch } from "./supernetSearch.js";

/** One value of `liveSnapshots`: the search's state, and on the last value its result. */
export interface LiveSnapshot<A> {
  /** The latest snapshot. */
  snapshot: StrategySnapshot;
  /** Every snapshot so far, oldest first (what the policy figure's slider steps through). */
  snapshots: StrategySnapshot[];
  result?: WeightSharingResult<A>;
}

/** Runs `search`, yielding each recorded snapshot and finally `{ snapshot, result }`; `signal` aborts the run. */
export function liveSnapshots<A>(search: WeightSharingSearch<A>, signal?: AbortSignal): AsyncIterableIterator<LiveSnapshot<A>> {
  const values = asyncChannel<LiveSnapshot<A>>();
  const seen: StrategySnapshot[] = [];
  search.run({ signal, onSnapshot: (snapshot) => { seen.push(snapshot); values.push({ snapshot, snapshots: seen.slice() }); } }).then(
    (result) => {
      values.push({ snapshot: search.snapshot(), snapshots: result.snapshots.slice(), result });
      values.end();
    },
    (error: unknown) => values.end({ error }),
  );
  return values.iterator;
}
