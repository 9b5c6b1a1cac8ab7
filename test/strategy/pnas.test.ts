import { describe, expect, it } from "vitest";
import { search } from "../../src/search.js";
import { pnas, pnasCells } from "../../src/strategy/pnas.js";
import { NB201_GROWTH, nb201Progressive, pnasNb201 } from "../../src/strategy/pnasNb201.js";
import { nb201Space, type Nb201Arch } from "../../src/space/nb201.js";
import { pnasSpace, type PnasArch } from "../../src/space/pnas.js";
import type { Evaluator } from "../../src/estimate/types.js";

function scoreEvaluator<A>(score: (a: A) => number): Evaluator<A> {
  return { name: "score", objective: "val_acc", evaluate: async (a) => ({ metrics: { val_acc: score(a) }, cost: { seconds: 0 }, status: "ok" }) };
}

/** NB201 score with a known unique optimum: conv 3x3 on every edge except a skip on 0 -> 3. */
const OPT: Nb201Arch = ["nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_3x3"];
const nb201Score = (a: Nb201Arch) => a.reduce((s, op, e) => s + (op === OPT[e] ? 1 : op === "none" ? 0 : 0.3), 0);

describe("nb201Progressive (PNAS adaptation to NAS-Bench-201)", () => {
  const g = nb201Progressive();

  it("grows one node per level: 5 one-edge cells, then 25 and 125 children per cell", () => {
    const l1 = g.grow(g.root(), 0);
    expect(l1).toHaveLength(5);
    expect(l1.every((a) => a.filter((op) => op !== "none").length <= 1 && a[0] === "none")).toBe(true);
    expect(g.grow(l1[1]!, 1)).toHaveLength(25);
    expect(g.grow(g.grow(l1[1]!, 1)[7]!, 2)).toHaveLength(125);
    expect(g.grow(l1[1]!, 3)).toEqual([]);
  });

  it("reaches every one of the 15,625 cells exactly once at level 3", () => {
    const space = nb201Space();
    const seen = new Set<string>();
    for (const a of g.grow(g.root(), 0)) for (const b of g.grow(a, 1)) for (const c of g.grow(b, 2)) seen.add(space.format(c));
    expect(seen.size).toBe(15_625);
    expect(NB201_GROWTH.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("tokenises a cell as one token per edge in growth order", () => {
    expect(g.tokens(OPT)).toEqual([0 * 5 + 1, 1 * 5 + 3, 2 * 5 + 3, 3 * 5 + 3, 4 * 5 + 3, 5 * 5 + 3]);
  });
});

describe("pnas", () => {
  it("with the MLP surrogate finds the known NB201 optimum within 100 queries, level by level", async () => {
    const r = await search({ space: nb201Space(), strategy: pnasNb201({ beam: 20, surrogate: "mlp" }), evaluator: scoreEvaluator(nb201Score), budget: { queries: 100 }, seed: 1 }).result();
    expect(r.best!.arch).toEqual(OPT);
    // Level 1 evaluates all 5 one-edge cells first.
    expect(r.history.slice(0, 5).every((t) => t.arch.filter((op) => op !== "none").length <= 1)).toBe(true);
    expect(r.snapshot.level).toBe(3);
    // One quality record per surrogate-ranked beam of 20: level 2 once, then level 3 (beams past the last level
    // rank the rest of its pool, refitted); the surrogate ranks its beams better than chance on average.
    const quality = r.snapshot.levelQuality as { level: number; kendallTau: number; n: number }[];
    expect(quality.map((q) => q.level)).toEqual([2, 3, 3, 3]);
    expect(quality.every((q) => q.n === 20)).toBe(true);
    expect(quality.reduce((s, q) => s + q.kendallTau, 0) / quality.length).toBeGreaterThan(0.15);
    expect(new Set(r.history.map((t) => t.key)).size).toBe(r.history.length);
  }, 60_000);

  it("with the LSTM surrogate (the paper's) finds the optimum of a small PNAS block space", async () => {
    const space = pnasSpace({ maxBlocks: 2, ops: ["identity", "sep_conv_3x3", "max_pool_3x3"] });
    // Reward sep convs, penalise identity, and reward using block 0 inside block 1 (a deeper cell).
    const score = (a: PnasArch) =>
      a.blocks.reduce((s, b) => s + [b.op1, b.op2].reduce((t, op) => t + (op === "sep_conv_3x3" ? 2 : op === "identity" ? -1 : 0), 0), 0) +
      (a.blocks[1] && (a.blocks[1].in1 === 2 || a.blocks[1].in2 === 2) ? 1 : 0);
    // Brute force over every 2-block cell (the best cell has 2 blocks: more sep convs).
    let best = -Infinity;
    for (const a of space.expand(space.empty())) for (const b of space.expand(a)) best = Math.max(best, score(b));
    const r = await search({
      space, strategy: pnas(pnasCells(space), { beam: 8, surrogate: "lstm", lstmMembers: 2, lstm: { epochs: 40, hidden: 16 } }),
      evaluator: scoreEvaluator(score), budget: { queries: 40 }, seed: 2,
    }).result();
    expect(r.best!.fitness).toBe(best);
    expect(r.snapshot.predictor!.name).toMatch(/^2xlstm/);
  }, 120_000);

  it("is deterministic for a seed", async () => {
    const run = () => search({ space: nb201Space(), strategy: pnasNb201({ beam: 5, surrogate: "mlp" }), evaluator: scoreEvaluator(nb201Score), budget: { queries: 20 }, seed: 5 }).result();
    expect((await run()).history.map((t) => t.archString)).toEqual((await run()).history.map((t) => t.archString));
  }, 60_000);

  it("rejects a bad beam or surrogate", () => {
    expect(() => pnasNb201({ beam: 0 })).toThrow(/beam must be an integer >= 1/);
    expect(() => pnasNb201({ surrogate: "gp" as "mlp" })).toThrow(/surrogate must be "lstm" or "mlp"/);
  });
});
