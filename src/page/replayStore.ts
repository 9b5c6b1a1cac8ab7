/**
 * The trial store of a live page: the results the notebook's trials had when it was exported (same content keys as
 * in Node, so a search asking for a trial the author ran gets its result back: a replay), plus what the page computes
 * itself. It counts which is which, so the page can say how each trial was obtained.
 */
import { decodeResult, encodeResult } from "../exec/resultCodec.js";
import type { TrialStore } from "../exec/types.js";
import type { TrialResult } from "../estimate/types.js";

/** How a trial key's result was obtained in this page. */
export type TrialOrigin = "replayed" | "computed";

export interface ReplayStore extends TrialStore {
  /** Results embedded in the page. */
  readonly embedded: number;
  /** Store hits on embedded results, and results computed in this page (put), so far. */
  readonly replayed: number;
  readonly computed: number;
  /** Where a key's result came from, if the page has it. */
  origin(key: string): TrialOrigin | undefined;
}

/** A store pre-filled with `entries` (key, encoded result), as exported. */
export function replayStore(entries: Iterable<readonly [string, unknown]>): ReplayStore {
  const embedded = new Map<string, unknown>(entries);
  const computedHere = new Map<string, unknown>();
  let replayed = 0;
  let computed = 0;
  return {
    name: "this page",
    embedded: embedded.size,
    get replayed() {
      return replayed;
    },
    get computed() {
      return computed;
    },
    origin(key) {
      return computedHere.has(key) ? "computed" : embedded.has(key) ? "replayed" : undefined;
    },
    async get(key): Promise<TrialResult | undefined> {
      const here = computedHere.get(key);
      if (here !== undefined) return decodeResult(structuredClone(here));
      const data = embedded.get(key);
      if (data === undefined) return undefined;
      const r = decodeResult(structuredClone(data));
      if (r) replayed++;
      return r;
    },
    async put(key, result) {
      if (embedded.has(key) || computedHere.has(key)) return;
      computedHere.set(key, encodeResult(result));
      computed++;
    },
  };
}
