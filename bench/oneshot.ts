/**
 * bench:oneshot — how well four weight-sharing methods rank architectures, over several seeds: SPOS (uniform
 * single paths), ENAS (controller-sampled paths), DARTS (first order, softmax mixture) and GDAS (hard Gumbel
 * samples), each training an NB201 supernet for real on MNIST (the 10k-test-set split, 14x14). For every method
 * and seed: Kendall tau between shared-weight and stand-alone validation accuracy over the same 30 NB201
 * architectures, the derived architecture and its short stand-alone accuracy. Per method: mean tau with a 95%
 * t-interval over seeds. The stand-alone side is trained once per architecture (shared by all methods and seeds),
 * and a second stand-alone seed gives the noise ceiling of the comparison (tau between two stand-alone seeds).
 * As a diagnostic, each side's tau with the number of conv edges of the architectures.
 * Last stdout line: one JSON object.
 *
 *   NASBOOK_DATA=../shared/data npm run bench:oneshot [-- --seeds 3 --steps 300 --darts-steps 100 --kendall 30 --methods 15]
 */
import { initBackend } from "../src/backend/index.js";
import { nb201Supernet, type Nb201Supernet } from "../src/model/supernetNb201.js";
import type { WeightSharingSearch } from "../src/model/supernetSearch.js";
import { kendallTau } from "../src/predict/rank.js";
import { formatNb201, nb201Space, type Nb201Arch } from "../src/space/nb201.js";
import { dartsSearch } from "../src/strategy/darts.js";
import { enasSearch } from "../src/strategy/enas.js";
import { gdasSearch } from "../src/strategy/gdas.js";
import { oneShotSearch } from "../src/strategy/oneShot.js";
import { cachedStandalone, numberFlags, qualityReport, searchData, skipCount } from "./weightSharingSetup.js";
import { distinctArchs } from "../src/estimate/weightSharing.js";
import { Rng } from "../src/rng.js";
import { mean as meanOf, std as stdOf } from "./stats.js";

const flags = numberFlags(process.argv.slice(2), {
  seeds: 3, steps: 300, dartsSteps: 100, enasEpochs: 6, kendall: 30, channels: 4, kendallExamples: 3000, evaluations: 48, ceiling: 1,
  // Which methods run, as a bit mask: 1 SPOS, 2 ENAS, 4 DARTS, 8 GDAS.
  methods: 15,
});
const backend = await initBackend();
const t0 = performance.now();
const data = await searchData();
console.log(data.note);
const space = nb201Space();

type Method = { label: string; make: (net: Nb201Supernet, seed: number) => WeightSharingSearch<Nb201Arch> };
const allMethods: Method[] = [
  {
    label: "spos",
    make: (net, seed) => oneShotSearch({
      supernet: net, space, data, steps: flags.steps, batchSize: 64, evolution: { population: 16, evaluations: flags.evaluations }, evalExamples: 500,
      recordEvery: flags.steps, seed,
    }),
  },
  {
    label: "enas",
    // As many shared-weight steps as SPOS, plus 20 controller updates per epoch.
    make: (net, seed) => enasSearch({
      supernet: net, space, data, epochs: flags.enasEpochs, weightSteps: Math.max(1, Math.round(flags.steps / flags.enasEpochs)), controllerSteps: 20,
      batchSize: 64, controller: { learningRate: 0.01 }, rewardExamples: 128, evalExamples: 500, finalSamples: 16, seed,
    }),
  },
  {
    label: "darts-v1",
    // Each mixture step runs all 5 ops of every edge: fewer iterations for a comparable compute budget.
    make: (net, seed) => dartsSearch({ supernet: net, data, order: 1, steps: flags.dartsSteps, batchSize: 64, alphaLearningRate: 6e-3, format: formatNb201, seed, recordEvery: flags.dartsSteps }),
  },
  {
    label: "gdas",
    // One sampled path per forward pass, like SPOS, plus an alpha step per iteration; alpha rate scaled as DARTS'.
    make: (net, seed) => gdasSearch({ supernet: net, data, steps: flags.steps, batchSize: 64, alphaLearningRate: 6e-3, format: formatNb201, seed, recordEvery: flags.steps }),
  },
];

const methods = allMethods.filter((_, i) => (flags.methods >> i) & 1);

/** Mean and 95% t-interval half-width (two-sided) of a small sample. */
function meanCi(xs: number[]): { mean: number; ci95: number; n: number } {
  const n = xs.length;
  const mean = meanOf(xs);
  if (n < 2) return { mean, ci95: NaN, n };
  const sd = stdOf(xs);
  const t975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262][n - 1] ?? 1.96;
  return { mean, ci95: (t975 * sd) / Math.sqrt(n), n };
}

const standalone = cachedStandalone(data, flags.kendallExamples);
const rows: Record<string, unknown>[] = [];
const taus = new Map<string, number[]>(methods.map((m) => [m.label, []]));
for (let seed = 0; seed < flags.seeds; seed++) {
  for (const m of methods) {
    const net = nb201Supernet({ inputShape: data.train.shape, numClasses: data.train.numClasses, seed, channels: flags.channels });
    const search = m.make(net, seed);
    const r = await search.run();
    search.dispose();
    const report = await qualityReport(net, data, standalone, flags.kendall, `${m.label} seed ${seed}`);
    const derivedStandalone = await standalone.evaluate(r.derived, { seed: 0 });
    net.dispose();
    taus.get(m.label)!.push(report.kendallTau);
    // Diagnostic: how each side ranks architectures by their number of parametric (conv) edges.
    const good = report.rows.filter((row) => row.error === undefined);
    const convEdges = good.map((row) => (row.arch.match(/conv/g) ?? []).length);
    const row = {
      method: m.label,
      seed,
      kendallTau: +report.kendallTau.toFixed(4),
      spearman: +report.spearman.toFixed(4),
      tauSupernetVsConvEdges: +kendallTau(good.map((row) => row.supernetAcc), convEdges).toFixed(4),
      tauStandaloneVsConvEdges: +kendallTau(good.map((row) => row.standaloneAcc), convEdges).toFixed(4),
      derived: formatNb201(r.derived),
      nb201Index: space.toIndex(r.derived),
      skipEdges: skipCount(r.derived),
      derivedSupernetAcc: r.proposals[0]!.supernetAcc,
      derivedStandaloneValAcc: derivedStandalone.metrics.val_acc,
      trainSteps: r.steps,
      searchSeconds: +r.seconds.toFixed(1),
    };
    console.log(`${m.label} seed ${seed}: tau ${row.kendallTau}, derived ${row.derived} (stand-alone val ${row.derivedStandaloneValAcc?.toFixed(1)}%), search ${row.searchSeconds} s`);
    rows.push(row);
  }
}

// Noise ceiling: the same stand-alone training with another seed, ranked against the first.
let ceiling: number | undefined;
if (flags.ceiling > 0) {
  const archs = distinctArchs(nb201Space(), flags.kendall, new Rng("weight-sharing-report"));
  const first: number[] = [];
  const second: number[] = [];
  const other = cachedStandalone(data, flags.kendallExamples);
  for (const [i, a] of archs.entries()) {
    first.push((await standalone.evaluate(a, { seed: 7 + i })).metrics.val_acc ?? NaN);
    second.push((await other.evaluate(a, { seed: 1007 + i })).metrics.val_acc ?? NaN);
  }
  ceiling = kendallTau(first, second);
  console.log(`stand-alone vs stand-alone (another seed): tau ${ceiling.toFixed(3)} over ${archs.length} archs`);
}

const summary = Object.fromEntries(
  methods.map((m) => {
    const s = meanCi(taus.get(m.label)!);
    console.log(`${m.label}: Kendall tau ${s.mean.toFixed(3)} +- ${s.ci95.toFixed(3)} (95% CI over ${s.n} seeds)`);
    return [m.label, { kendallTauMean: +s.mean.toFixed(4), kendallTauCi95: +s.ci95.toFixed(4), seeds: s.n, perSeed: taus.get(m.label)!.map((t) => +t.toFixed(4)) }];
  }),
);

console.log(JSON.stringify({
  bench: "oneshot",
  kendallArchs: flags.kendall,
  summary,
  standaloneSeedTau: ceiling === undefined ? null : +ceiling.toFixed(4),
  flags,
  runs: rows,
  data: data.note,
  backend: backend.name,
  totalSeconds: +((performance.now() - t0) / 1000).toFixed(1),
}));
