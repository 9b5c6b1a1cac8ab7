/**
 * bench:darts — DARTS on the NB201 supernet, trained for real on MNIST (the 10k-test-set split, 14x14):
 * first order, second order, first order with the DARTS- remedy, and first order after a weight-only warm-up
 * (the remedy for the collapse onto parameter-free ops that this setting shows). For each: the derived architecture, its
 * NB201 index, skip connections, search seconds and stand-alone accuracy; then the weight-sharing quality report
 * (Kendall tau over 30 NB201 architectures) of the DARTS supernet. Last stdout line: one JSON object.
 *
 *   NASBOOK_DATA=../shared/data npm run bench:darts [-- --steps 200 --v2-steps 30 --warmup 100 --kendall 30 --epochs 2]
 */
import { initBackend } from "../src/backend/index.js";
import { nb201Supernet, type Nb201Supernet } from "../src/model/supernetNb201.js";
import { formatNb201, nb201Space, NB201_OPS, type Nb201Arch } from "../src/space/nb201.js";
import { dartsSearch, type DartsRemedy } from "../src/strategy/darts.js";
import { cachedStandalone, numberFlags, qualityReport, searchData, skipCount, trainDerived } from "./weightSharingSetup.js";
import { mean } from "./stats.js";

const flags = numberFlags(process.argv.slice(2), { steps: 200, v2Steps: 30, warmup: 100, kendall: 30, epochs: 2, channels: 4, seed: 0, kendallExamples: 4000 });
const backend = await initBackend();
const t0 = performance.now();
const data = await searchData();
console.log(data.note);
const space = nb201Space();

interface Run {
  label: string;
  order: 1 | 2;
  steps: number;
  remedy: DartsRemedy;
  /** Weight-only steps before alpha moves (PC-DARTS warms up 15 of 50 epochs); alpha still gets `steps` updates. */
  warmup?: number;
}
const runs: Run[] = [
  { label: "darts-v1", order: 1, steps: flags.steps, remedy: { kind: "none" } },
  { label: "darts-v2", order: 2, steps: flags.v2Steps, remedy: { kind: "none" } },
  { label: "darts-minus-v1", order: 1, steps: flags.steps, remedy: { kind: "darts-minus", beta0: 1 } },
  { label: "darts-v1-warmup", order: 1, steps: flags.steps + flags.warmup, warmup: flags.warmup, remedy: { kind: "none" } },
];

const SKIP = NB201_OPS.indexOf("skip_connect");
const results: Record<string, unknown>[] = [];
const supernets = new Map<string, Nb201Supernet>();
for (const run of runs) {
  const net = nb201Supernet({ inputShape: data.train.shape, numClasses: data.train.numClasses, seed: flags.seed, channels: flags.channels });
  // DARTS' alpha rate is 3e-4 for ~4,900 steps (NB201: 50 epochs); 6e-3 gives these few hundred steps a similar reach.
  const search = dartsSearch({
    supernet: net, data, order: run.order, steps: run.steps, batchSize: 64, alphaLearningRate: 6e-3, remedy: run.remedy, warmupSteps: run.warmup,
    format: formatNb201, seed: flags.seed, recordEvery: Math.max(1, Math.floor(run.steps / 10)),
  });
  const r = await search.run({
    onSnapshot: (s) => {
      const skip = (s.policy ?? []).map((e) => e.probs[SKIP]!);
      console.log(`  [${run.label} step ${s.step}] train loss ${Number(s.trainLoss).toFixed(3)} val loss ${Number(s.valLoss).toFixed(3)} ` +
        `mean p(skip) ${(skip.reduce((a, b) => a + b, 0) / Math.max(1, skip.length)).toFixed(3)} derived ${s.derived}`);
    },
  });
  search.dispose();
  supernets.set(run.label, net);
  const derived: Nb201Arch = r.derived;
  const trained = await trainDerived(derived, data, flags.epochs, flags.seed);
  const first = (r.snapshots[0]?.policy ?? []).map((e) => e.probs[SKIP]!);
  const last = (r.snapshots.at(-1)?.policy ?? []).map((e) => e.probs[SKIP]!);
  const row = {
    run: run.label,
    order: run.order,
    remedy: run.remedy.kind,
    warmupSteps: run.warmup ?? 0,
    steps: r.steps,
    derived: formatNb201(derived),
    nb201Index: space.toIndex(derived),
    skipEdges: skipCount(derived),
    meanSkipWeightStart: +mean(first).toFixed(4),
    meanSkipWeightEnd: +mean(last).toFixed(4),
    supernetAcc: r.proposals[0]!.supernetAcc,
    searchSeconds: +r.seconds.toFixed(1),
    standaloneAccuracy: trained.metrics.test_acc,
    standaloneValAccuracy: trained.metrics.val_acc,
    standaloneSeconds: +trained.cost.seconds.toFixed(1),
    standaloneStatus: trained.status,
  };
  console.log(`${run.label}: derived ${row.derived} (NB201 index ${row.nb201Index}, ${row.skipEdges} skip edges), search ${row.searchSeconds} s, ` +
    `stand-alone test ${row.standaloneAccuracy?.toFixed(2)}% (${row.standaloneSeconds} s, ${flags.epochs} epochs), mean p(skip) ${row.meanSkipWeightStart} -> ${row.meanSkipWeightEnd}`);
  results.push(row);
}

const standalone = cachedStandalone(data, flags.kendallExamples);
const v1 = await qualityReport(supernets.get("darts-v1")!, data, standalone, flags.kendall, "darts-v1 supernet");
const minus = await qualityReport(supernets.get("darts-minus-v1")!, data, standalone, flags.kendall, "darts-minus supernet");
const warm = await qualityReport(supernets.get("darts-v1-warmup")!, data, standalone, flags.kendall, "darts-warmup supernet");
for (const net of supernets.values()) net.dispose();

const main = results[0]!;
console.log(JSON.stringify({
  bench: "darts",
  derived: main.derived,
  nb201Index: main.nb201Index,
  searchSeconds: main.searchSeconds,
  standaloneAccuracy: main.standaloneAccuracy,
  kendallTau: v1.kendallTau,
  kendallArchs: v1.archs,
  kendallSpearman: v1.spearman,
  kendallStandaloneSeconds: +v1.standaloneSeconds.toFixed(1),
  kendallSupernetSeconds: +v1.supernetSeconds.toFixed(1),
  kendallTauDartsMinus: minus.kendallTau,
  kendallTauDartsWarmup: warm.kendallTau,
  runs: results,
  data: data.note,
  backend: backend.name,
  totalSeconds: +((performance.now() - t0) / 1000).toFixed(1),
}));
