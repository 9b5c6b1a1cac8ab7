/**
 * bench:nb201 — every strategy on NAS-Bench-201 (cifar10, cifar100, ImageNet16-120) at 100 and 300 queries over
 * `--seeds N` seeds: mean ± std of the 200-epoch test accuracy of the architecture with the best search signal
 * (12-epoch validation accuracy). Also the pure loop overhead of 10,000 regularized-evolution queries, and the
 * `scaling` of the learning strategies: CPU seconds (process.cpuUsage, user + system) of one search (cifar10,
 * seed 0) at each of `--scaling` query budgets.
 *
 *   npm run bench:nb201 -- [--seeds 100] [--strategies random,regularized-evolution,local-search] [--queries 100,300]
 *                          [--scaling 100,1000,10000 | none] [--scaling-strategies predictor-evolution,delta-nas,reinforce] [--data DIR]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { setDataDir } from "../src/data/dir.js";
import { figuresPage, searchCurves, type SearchCurvePoint, type CurveRun } from "../src/viz/index.js";
import { NB201_DATASETS, loadNb201Table, nb201TableEvaluator, type Nb201Dataset } from "../src/estimate/nb201Table.js";
import { search } from "../src/search.js";
import { nb201Space, nb201Key, type Nb201Arch } from "../src/space/nb201.js";
import { nb201Strategies } from "./nb201Strategies.js";
import { stringFlag } from "./args.js";
import { mean, std } from "./stats.js";

function arg(name: string, fallback: string): string {
  return stringFlag(name) ?? fallback;
}

const seeds = Number(arg("seeds", "100"));
const queryLevels = arg("queries", "100,300").split(",").map(Number);
const dataArg = stringFlag("data");
if (dataArg !== undefined) setDataDir(dataArg);
const all = nb201Strategies();
const wanted = arg("strategies", Object.keys(all).join(",")).split(",");
for (const w of wanted) if (!all[w]) throw new Error(`unknown strategy "${w}" (strategies: ${Object.keys(all).join(", ")})`);

const space = nb201Space();
const table = loadNb201Table();

const results: { strategy: string; dataset: Nb201Dataset; queries: number; seeds: number; mean: number; std: number; perSeed: number[] }[] = [];
const curves: { dataset: Nb201Dataset; run: CurveRun }[] = [];
const maxQ = Math.max(...queryLevels);
const t0 = performance.now();
for (const name of wanted) {
  const factory = all[name]!;
  for (const dataset of NB201_DATASETS) {
    const evaluator = nb201TableEvaluator({ dataset, table });
    const atLevel = new Map<number, number[]>(queryLevels.map((q) => [q, []]));
    for (let seed = 0; seed < seeds; seed++) {
      // One run to the largest budget; the best at a smaller budget is the best among its first q trials.
      const { history } = await search({ space, strategy: factory, evaluator, budget: { queries: maxQ }, seed }).result();
      let best: (typeof history)[number] | undefined;
      const points: SearchCurvePoint[] = [];
      for (const t of history) {
        if (!best || t.fitness > best.fitness) best = t;
        points.push({ queries: t.index + 1, seconds: t.elapsed, best: best.result.metrics.test_acc! });
        if (atLevel.has(t.index + 1)) atLevel.get(t.index + 1)!.push(best.result.metrics.test_acc!);
      }
      if (seed < 20) curves.push({ dataset, run: { strategy: name, seed, points } });
    }
    for (const [queries, xs] of atLevel) {
      results.push({ strategy: name, dataset, queries, seeds, mean: mean(xs), std: std(xs), perSeed: xs });
      console.log(`${name.padEnd(24)} ${dataset.padEnd(15)} q=${String(queries).padEnd(4)} ${mean(xs).toFixed(2)} ± ${std(xs).toFixed(2)}  (optimum ${table.optimum(dataset).toFixed(2)})`);
    }
  }
}
const searchSeconds = (performance.now() - t0) / 1000;

// Pure overhead: 10,000 regularized-evolution queries against the table.
const reaFactory = all["regularized-evolution"]!;
const ev = nb201TableEvaluator({ dataset: "cifar10", table });
const r0 = performance.now();
await search({ space, strategy: reaFactory, evaluator: ev, budget: { queries: 10_000 }, seed: 0, snapshotEvery: 0 }).result();
const rea10kSeconds = (performance.now() - r0) / 1000;
console.log(`10,000 regularized-evolution queries: ${rea10kSeconds.toFixed(3)} s`);

// Scaling: CPU time of one search per budget. A strategy that runs out of new architectures ends early; the number
// of queries actually made is reported with it.
const scalingArg = arg("scaling", "100,1000,10000"); // "none" skips it
const scalingLevels = scalingArg === "none" ? [] : scalingArg.split(",").filter(Boolean).map(Number);
const scalingStrategies = arg("scaling-strategies", "predictor-evolution,delta-nas,reinforce").split(",").filter(Boolean);
const scaling: { strategy: string; queries: number; made: number; cpuSeconds: number; wallSeconds: number; best: number }[] = [];
for (const name of scalingStrategies) {
  if (!all[name]) throw new Error(`unknown strategy "${name}" in --scaling-strategies`);
  for (const queries of scalingLevels) {
    if (name === "reinforce" && queries > 1000) continue; // its cost per query does not depend on history length
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const r = await search({ space, strategy: all[name]!, evaluator: ev, budget: { queries }, seed: 0, snapshotEvery: 0 }).result();
    const c = process.cpuUsage(c0);
    const row = { strategy: name, queries, made: r.history.length, cpuSeconds: +((c.user + c.system) / 1e6).toFixed(2), wallSeconds: +((performance.now() - w0) / 1000).toFixed(2), best: r.best!.result.metrics.test_acc! };
    scaling.push(row);
    console.log(`scaling ${name.padEnd(22)} ${String(queries).padStart(6)} queries (${row.made} made): ${row.cpuSeconds} CPU-s`);
  }
}

// Search curves (best-so-far test accuracy of the best-by-signal architecture, mean ± s.d. over 20 seeds).
const figures = NB201_DATASETS.map((d) =>
  searchCurves(curves.filter((c) => c.dataset === d).map((c) => c.run), { title: `NAS-Bench-201 ${d}: 200-epoch test accuracy of the best-by-validation architecture`, metric: "test accuracy (%)", timePanel: true }),
);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/nb201-search-curves.html", figuresPage(figures, { title: "bench:nb201 search curves" }));
console.log("search curves: bench/results/nb201-search-curves.html");

// How our canonical key partitions the table compared with NATS-Bench's unique strings.
const isoClasses = new Set(table.isoKey).size;
const ourClasses = new Set(space.all().map(nb201Key)).size;

console.log(JSON.stringify({
  bench: "nb201",
  results: results.map(({ perSeed: _, ...r }) => ({ ...r, mean: +r.mean.toFixed(3), std: +r.std.toFixed(3) })),
  rea10kSeconds: +rea10kSeconds.toFixed(4),
  scaling,
  searchSeconds: +searchSeconds.toFixed(1),
  optimum: Object.fromEntries(NB201_DATASETS.map((d) => [d, table.optimum(d)])),
  isoClasses: { nats: isoClasses, ours: ourClasses },
}));
