/** The search progress display: a redrawn bar on a TTY, throttled plain lines otherwise, ETA from computed trials. */
import { describe, expect, it } from "vitest";
import { progressLine, searchProgress } from "../../src/exec/progress.js";
import { search, type SearchEvent } from "../../src/search.js";
import { randomSearch } from "../../src/strategy/random.js";
import { bitSpace, onesEvaluator } from "../fixtures/bitSpace.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 100, chunks, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { chunks: string[]; isTTY: boolean };
}
let hits = 0;
const trial = (i: number, fitness: number, cached: boolean, ok = true) => ({
  type: "trial", queries: i + 1, running: 2, cachedHits: (hits += cached ? 1 : 0),
  trial: { index: i, cached, fitness, result: { status: ok ? "ok" : "failed", metrics: {}, cost: { seconds: 1 } } },
  best: { fitness },
}) as unknown as SearchEvent<unknown>;

describe("search progress", () => {
  it("progressLine: done/total, cached, failed, running, best, ETA from the trials computed here", () => {
    const line = progressLine({ done: 5, total: 10, cached: 3, failed: 1, running: 2, best: 91.234 }, 20, { bar: true, width: 100 });
    expect(line).toMatch(/^\[#+\.+\]  5\/10  cached 3  failed 1  running 2  best 91\.23  ETA 50s$/); // 20 s for 2 computed → 10 s each
    expect(progressLine({ done: 10, total: 10, cached: 0, failed: 0, running: 0 }, 75)).toBe("10/10  cached 0  running 0  best -  in 1m15s");
  });

  it("on a TTY the line is redrawn in place; otherwise plain lines at most once a second plus new bests", () => {
    let t = 0;
    const tty = sink(true), plain = sink(false);
    const a = searchProgress({ stream: tty, total: 4, now: () => t });
    const b = searchProgress({ stream: plain, total: 4, now: () => t });
    for (const [i, f, c] of [[0, 50, false], [1, 50, true], [2, 60, false], [3, 60, false]] as const) {
      t += 10; // 10 ms apart: only new bests and the last trial get a plain line
      const e = trial(i, f, c);
      a.update(e);
      b.update(e);
    }
    const counts = b.finish();
    a.finish();
    expect(counts).toMatchObject({ done: 4, total: 4, cached: 1, failed: 0, best: 60 });
    expect(tty.chunks.every((s) => s.startsWith("\r") || s === "\n")).toBe(true);
    expect(tty.chunks.at(-1)).toBe("\n");
    expect(plain.chunks.every((s) => s.endsWith("\n") && !s.includes("\r"))).toBe(true);
    expect(plain.chunks.map((s) => s.split("  ")[0])).toEqual(["1/4", "3/4", "4/4"]);
  });

  it("a search's `progress` option sees every event without anyone iterating it", async () => {
    const out = sink(false);
    const space = bitSpace(6);
    const progress = searchProgress({ label: "random", total: 12, stream: out });
    await search({ space, strategy: randomSearch(), evaluator: onesEvaluator([1, 1, 1, 1, 1, 1]), budget: { queries: 12 }, seed: 1, store: false, progress }).result();
    const text = out.chunks.join("");
    expect(text).toMatch(/^random/m);
    expect(text).toMatch(/12\/12/); // the final count against the budget's total
  });
});
