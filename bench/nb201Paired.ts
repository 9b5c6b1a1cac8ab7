/**
 * bench:nb201-paired — learning strategies against regularized evolution on NAS-Bench-201, on the SAME seeds:
 * mean ± std of the 200-epoch test accuracy of the architecture with the best search signal, for each dataset at
 * each query budget, plus a paired comparison (per-seed differences) of every strategy with the baseline.
 * Same protocol, seeds and strategy settings as bench:nb201 (it uses bench/nb201Strategies.ts).
 *
 * `--first-seed N` runs seeds N .. N + seeds - 1: a held-out range, to check a setting chosen on seeds 0-99.
 *
 *   npm run bench:nb201-paired -- [--seeds 100] [--first-seed 0] [--queries 100] [--baseline regularized-evolution]
 *                                 [--strategies predictor-evolution,delta-nas] [--datasets cifar10,cifar100,ImageNet16-120]
 */
import { setDataDir } from "../src/data/dir.js";
import { NB201_DATASETS, loadNb201Table, nb201Dataset, nb201TableEvaluator, type Nb201Dataset } from "../src/estimate/nb201Table.js";
import { search } from "../src/search.js";
import { nb201Space, type Nb201Arch } from "../src/space/nb201.js";
import type { SpaceStrategyFactory, StrategyFactory } from "../src/search.js";
import { nb201Ablations, nb201Strategies, nb201ZeroCostStrategies } from "./nb201Strategies.js";
import { existsSync } from "node:fs";
import { defaultZeroCostTablePath, readZeroCostTable } from "../src/estimate/nb201ZeroCostSpace.js";
import { pairedComparison, type PairedComparison } from "./pairedComparison.js";
import { stringFlag } from "./args.js";
import { mean, std } from "./stats.js";

function arg(name: string, fallback: string): string {
  return stringFlag(name) ?? fallback;
}

const seeds = Number(arg("seeds", "100"));
const firstSeed = Number(arg("first-seed", "0"));
if (!(Number.isInteger(firstSeed) && firstSeed >= 0)) throw new Error(`--first-seed must be an integer >= 0, got ${arg("first-seed", "0")}`);
const queryLevels = arg("queries", "100").split(",").map(Number);
const baseline = arg("baseline", "regularized-evolution");
const dataArg = stringFlag("data");
if (dataArg !== undefined) setDataDir(dataArg);
// The zero-cost strategies join when the whole-space table exists (bench:zc-space).
const zcTable = existsSync(defaultZeroCostTablePath()) ? readZeroCostTable(defaultZeroCostTablePath()) : undefined;
const all: Record<string, StrategyFactory | SpaceStrategyFactory<Nb201Arch>> = { ...nb201Strategies(), ...nb201Ablations(), ...(zcTable ? nb201ZeroCostStrategies(zcTable) : {}) };
const wanted = [baseline, ...arg("strategies", "predictor-evolution,delta-nas").split(",").filter((s) => s !== baseline)];
for (const w of wanted) if (!all[w]) throw new Error(`unknown strategy "${w}" (strategies: ${Object.keys(all).join(", ")})`);
const datasets = arg("datasets", NB201_DATASETS.join(",")).split(",").map(nb201Dataset);

const space = nb201Space();
const table = loadNb201Table();

const maxQ = Math.max(...queryLevels);
const perSeed = new Map<string, number[]>(); // `${strategy}|${dataset}|${queries}` -> test acc per seed
const seconds = new Map<string, number>();
/** Delta-NAS: share of training pairs within maxDistance, and pairs per fit, from each run's final snapshot. */
const pairStats = new Map<string, { withinDistance: number[]; pairs: number[] }>();
const results: { strategy: string; dataset: Nb201Dataset; queries: number; seeds: number; mean: number; std: number }[] = [];
for (const dataset of datasets) {
  const evaluator = nb201TableEvaluator({ dataset, table });
  for (const name of wanted) {
    const t0 = performance.now();
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const { history, snapshot } = await search({ space, strategy: all[name]!, evaluator, budget: { queries: maxQ }, seed, snapshotEvery: 0 }).result();
      const w = snapshot.predictor?.withinDistance;
      if (typeof w === "number") {
        const k = `${name}|${dataset}`;
        if (!pairStats.has(k)) pairStats.set(k, { withinDistance: [], pairs: [] });
        pairStats.get(k)!.withinDistance.push(w);
        pairStats.get(k)!.pairs.push(snapshot.predictor!.trainSize);
      }
      let best: (typeof history)[number] | undefined;
      for (const t of history) {
        if (!best || t.fitness > best.fitness) best = t;
        if (queryLevels.includes(t.index + 1)) {
          const k = `${name}|${dataset}|${t.index + 1}`;
          if (!perSeed.has(k)) perSeed.set(k, []);
          perSeed.get(k)!.push(best.result.metrics.test_acc!);
        }
      }
    }
    seconds.set(`${name}|${dataset}`, (performance.now() - t0) / 1000);
    for (const q of queryLevels) {
      const xs = perSeed.get(`${name}|${dataset}|${q}`)!;
      results.push({ strategy: name, dataset, queries: q, seeds, mean: mean(xs), std: std(xs) });
      console.log(`${name.padEnd(24)} ${dataset.padEnd(15)} q=${String(q).padEnd(4)} ${mean(xs).toFixed(2)} ± ${std(xs).toFixed(2)}  (${(seconds.get(`${name}|${dataset}`)! / seeds).toFixed(2)} s/run)`);
    }
  }
}

const paired: PairedComparison[] = [];
console.log(`\npaired comparison with ${baseline} (same seeds): mean difference ± std, 95% CI, wins/ties/losses, permutation p`);
for (const dataset of datasets) {
  for (const q of queryLevels) {
    const base = perSeed.get(`${baseline}|${dataset}|${q}`)!;
    for (const name of wanted.slice(1)) {
      const c = pairedComparison(perSeed.get(`${name}|${dataset}|${q}`)!, base, { strategy: name, baseline, dataset, queries: q });
      paired.push(c);
      console.log(
        `${name.padEnd(24)} ${dataset.padEnd(15)} q=${String(q).padEnd(4)} ${c.meanDiff >= 0 ? "+" : ""}${c.meanDiff.toFixed(3)} ± ${c.stdDiff.toFixed(3)}  ` +
          `CI [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}]  ${c.wins}/${c.ties}/${c.losses}  p=${c.pValue.toFixed(4)}`,
      );
    }
  }
}

const round = (x: number) => +x.toFixed(4);
console.log(JSON.stringify({
  bench: "nb201-paired",
  baseline,
  firstSeed,
  results: results.map((r) => ({ ...r, mean: round(r.mean), std: round(r.std) })),
  paired: paired.map((c) => ({ ...c, meanDiff: round(c.meanDiff), stdDiff: round(c.stdDiff), ci95: c.ci95.map(round), pValue: round(c.pValue) })),
  // Delta-NAS training pairs at the last fit of each run (mean over seeds): share within maxDistance, pairs used.
  deltaPairs: Object.fromEntries([...pairStats].map(([k, v]) => [k, { withinDistance: round(mean(v.withinDistance)), pairs: round(mean(v.pairs)), runs: v.pairs.length }])),
  secondsPerRun: Object.fromEntries([...seconds].map(([k, s]) => [k, round(s / seeds)])),
  optimum: Object.fromEntries(datasets.map((d) => [d, table.optimum(d)])),
}));
