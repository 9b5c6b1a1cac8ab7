/**
 * bench:nb201-mo — multi-objective search on NAS-Bench-201: maximise the 12-epoch validation accuracy (the search
 * signal) and minimise a cost (FLOPs or params of the benchmark's network, or the latency measured on this machine
 * with `nasbook latency-table`). Quality figure: the hypervolume of everything a search evaluated, with both
 * objectives scaled to [0, 1] by the table's range and the reference point at the worst corner, as a fraction of
 * the hypervolume of the whole table's true front. Reported at each query budget over seeds, and paired with random
 * search on the same seeds (mean difference, 95% interval, wins/ties/losses, sign-flip permutation p).
 *
 *   npm run bench:nb201-mo -- [--seeds 30] [--queries 50,100,300] [--cost flops|params|latency|latency-cpu] [--dataset cifar10]
 *                             [--strategies nsga2,mo-regularized-evolution] [--latency-store DIR] [--data DIR]
 */
import { setDataDir } from "../src/data/dir.js";
import { combineEvaluators } from "../src/cost/combined.js";
import { nb201CostEvaluator } from "../src/cost/nb201Costs.js";
import { nb201LatencyEvaluator } from "../src/cost/nb201Latency.js";
import { loadNb201LatencyTable, requireCompleteTable } from "../src/latencyTable.js";
import { directoryStore } from "../src/exec/store.js";
import { evaluatorFingerprint } from "../src/exec/trialKey.js";
import { loadNb201Table, nb201Dataset, nb201TableEvaluator } from "../src/estimate/nb201Table.js";
import { search } from "../src/search.js";
import { nb201Space, parseNb201 } from "../src/space/nb201.js";
import { hypervolume } from "../src/strategy/hypervolume.js";
import { moRegularizedEvolution } from "../src/strategy/moEvolution.js";
import { nonDominatedSort } from "../src/strategy/nondominated.js";
import { nsga2 } from "../src/strategy/nsga2.js";
import { randomSearch } from "../src/strategy/random.js";
import type { StrategyFactory } from "../src/strategy/types.js";
import { stringFlag } from "./args.js";
import { pairedComparison, type PairedComparison } from "./pairedComparison.js";
import { mean, std } from "./stats.js";

const arg = (name: string, fallback: string) => stringFlag(name) ?? fallback;
const dataArg = stringFlag("data");
if (dataArg !== undefined) setDataDir(dataArg);
const seeds = Number(arg("seeds", "30"));
const queryLevels = arg("queries", "50,100,300").split(",").map(Number);
const cost = arg("cost", "flops");
if (!["flops", "params", "latency", "latency-cpu"].includes(cost)) throw new Error(`--cost must be flops, params, latency (wall clock) or latency-cpu, got ${cost}`);
const dataset = nb201Dataset(arg("dataset", "cifar10"));
const costMetric = cost === "latency" ? "latency_ms" : cost === "latency-cpu" ? "latency_cpu_ms" : cost;
const objectives = ["max:val_acc", `min:${costMetric}`] as const;

const strategies: Record<string, StrategyFactory> = {
  random: randomSearch(),
  nsga2: nsga2({ objectives: [...objectives], population: 20 }),
  "mo-regularized-evolution": moRegularizedEvolution({ objectives: [...objectives], population: 20, sample: 5 }),
};
const wanted = ["random", ...arg("strategies", "nsga2,mo-regularized-evolution").split(",").filter((s) => s !== "random")];
for (const w of wanted) if (!strategies[w]) throw new Error(`unknown strategy "${w}" (strategies: ${Object.keys(strategies).join(", ")})`);

const space = nb201Space();
const table = loadNb201Table();
let latency: NonNullable<Parameters<typeof nb201CostEvaluator>[0]>["latency"];
if (cost.startsWith("latency")) {
  const storeDir = stringFlag("latency-store");
  const t = await loadNb201LatencyTable(storeDir ? { store: directoryStore(storeDir) } : {});
  requireCompleteTable(t);
  latency = { rows: t.rows, fingerprint: await evaluatorFingerprint(nb201LatencyEvaluator()) };
}
const costs = nb201CostEvaluator({ latency });
const evaluator = combineEvaluators(nb201TableEvaluator({ dataset, table }), costs);

// The whole table: objective ranges (for scaling), and the true front's hypervolume.
const acc: number[] = [];
const cst: number[] = [];
for (let r = 0; r < table.size; r++) {
  const arch = parseNb201(table.arch[r]!);
  acc.push(table.query(r, dataset).val_acc);
  cst.push((await costs.evaluate(arch, { seed: 0 })).metrics[costMetric]!);
}
const [accLo, accHi] = [Math.min(...acc), Math.max(...acc)];
const [costLo, costHi] = [Math.min(...cst), Math.max(...cst)];
const scaled = (a: number, c: number) => [(accHi - a) / (accHi - accLo), (c - costLo) / (costHi - costLo)];
const ref = [1, 1];
const allPoints = acc.map((a, i) => scaled(a, cst[i]!));
const trueFront = nonDominatedSort(allPoints)[0]!;
const trueHv = hypervolume(trueFront.map((i) => allPoints[i]!), ref);
console.log(`NB201 ${dataset}: val_acc vs ${costMetric}; true front ${trueFront.length} cells, hypervolume ${trueHv.toFixed(4)} of the unit square`);

const maxQ = Math.max(...queryLevels);
const perSeed = new Map<string, number[]>(); // `${strategy}|${q}` -> hypervolume ratio per seed
const frontSizes = new Map<string, number[]>();
const seconds = new Map<string, number>();
for (const name of wanted) {
  const t0 = performance.now();
  for (let seed = 0; seed < seeds; seed++) {
    const { history } = await search({ space, strategy: strategies[name]!, evaluator, budget: { queries: maxQ }, seed, snapshotEvery: 0, store: false }).result();
    const pts: number[][] = [];
    for (const t of history) {
      if (t.result.status === "ok") pts.push(scaled(t.result.metrics.val_acc!, t.result.metrics[costMetric]!));
      if (queryLevels.includes(t.index + 1)) {
        const k = `${name}|${t.index + 1}`;
        if (!perSeed.has(k)) perSeed.set(k, []);
        perSeed.get(k)!.push(hypervolume(pts, ref) / trueHv);
        if (!frontSizes.has(k)) frontSizes.set(k, []);
        frontSizes.get(k)!.push(nonDominatedSort(pts)[0]!.length);
      }
    }
  }
  seconds.set(name, (performance.now() - t0) / 1000 / seeds);
  for (const q of queryLevels) {
    const xs = perSeed.get(`${name}|${q}`)!;
    console.log(`${name.padEnd(26)} q=${String(q).padEnd(4)} hypervolume ${mean(xs).toFixed(4)} ± ${std(xs).toFixed(4)} of the true front's  (front ${mean(frontSizes.get(`${name}|${q}`)!).toFixed(1)} cells; ${seconds.get(name)!.toFixed(2)} s/run)`);
  }
}

const paired: PairedComparison[] = [];
console.log("\npaired with random search (same seeds): mean difference ± std, 95% CI, wins/ties/losses, permutation p");
for (const q of queryLevels) {
  for (const name of wanted.slice(1)) {
    const c = pairedComparison(perSeed.get(`${name}|${q}`)!, perSeed.get(`random|${q}`)!, { strategy: name, baseline: "random", dataset, queries: q });
    paired.push(c);
    console.log(`${name.padEnd(26)} q=${String(q).padEnd(4)} ${c.meanDiff >= 0 ? "+" : ""}${c.meanDiff.toFixed(4)} ± ${c.stdDiff.toFixed(4)}  CI [${c.ci95[0].toFixed(4)}, ${c.ci95[1].toFixed(4)}]  ${c.wins}/${c.ties}/${c.losses}  p=${c.pValue.toFixed(4)}`);
  }
}

const round = (x: number) => +x.toFixed(4);
console.log(JSON.stringify({
  bench: "nb201-mo", dataset, objectives, seeds, trueFront: trueFront.length, trueHypervolume: round(trueHv),
  results: wanted.flatMap((s) => queryLevels.map((q) => {
    const xs = perSeed.get(`${s}|${q}`)!;
    return { strategy: s, queries: q, hypervolumeRatio: round(mean(xs)), std: round(std(xs)), front: round(mean(frontSizes.get(`${s}|${q}`)!)) };
  })),
  paired: paired.map((c) => ({ strategy: c.strategy, queries: c.queries, meanDiff: round(c.meanDiff), ci95: c.ci95.map(round), wins: c.wins, ties: c.ties, losses: c.losses, pValue: round(c.pValue) })),
  secondsPerRun: Object.fromEntries([...seconds].map(([k, s]) => [k, round(s)])),
}));
