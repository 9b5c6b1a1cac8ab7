/**
 * bench:latency-predictor — how well the per-kernel latency predictor (src/cost/latencyPredictor.ts) predicts the
 * measured latency of NAS-Bench-201 cells it was not fitted on, against a peer fitted in the same run (latency as a
 * linear function of FLOPs), and how noisy the measurements themselves are: the per-cell spread (IQR / median of the
 * timed inferences) and the test-retest agreement of cells measured twice (`nasbook latency-table --round 2`).
 * Reads the cells measured so far from the latency store (`nasbook latency-table`); a partial table is a uniform
 * random sample of the space, so a held-out part of it is an unbiased test set.
 *
 *   npm run bench:latency-predictor -- [--max 2000] [--held-out 0.3] [--seed 0] [--latency-store DIR]
 */
import os from "node:os";
import { kernelCounts, fitLatencyPredictor } from "../src/cost/latencyPredictor.js";
import { NB201_LATENCY_NETWORK, type Nb201LatencyRow } from "../src/cost/nb201Latency.js";
import { loadNb201LatencyTable } from "../src/latencyTable.js";
import { directoryStore } from "../src/exec/store.js";
import { modelBuilder } from "../src/model/build.js";
import { spearman } from "../src/predict/rank.js";
import { Rng } from "../src/rng.js";
import { nb201Space } from "../src/space/nb201.js";
import * as tf from "@tensorflow/tfjs";
import { numberFlags, stringFlag } from "./args.js";
import { mean } from "./stats.js";

const storeDir = stringFlag("latency-store");
const flags = numberFlags(process.argv.slice(2).filter((a, i, all) => !a.startsWith("--latency-store") && all[i - 1] !== "--latency-store"), { max: 2000, heldOut: 0.3, seed: 0 });
await tf.setBackend("cpu"); // only builds zero-initialised models to read their layers
const store = storeDir ? directoryStore(storeDir) : undefined;
const loadStart = os.loadavg()[0]!;

const round1 = await loadNb201LatencyTable(store ? { store } : {});
const round2 = await loadNb201LatencyTable({ ...(store ? { store } : {}), round: 2 });
const rows = new Rng(`latency-bench/${flags.seed}`).shuffle([...round1.rows.values()]).slice(0, flags.max);
if (rows.length < 50) throw new Error(`only ${rows.length} cells measured; run \`nasbook latency-table\` for a while first`);
console.log(`${round1.rows.size} cells measured (round 2: ${round2.rows.size}); using ${rows.length}`);

// Measurement noise: spread within a cell's timed inferences, and agreement of two separate measurements.
const clocks = { wall: "latency_ms", cpu: "latency_cpu_ms" } as const;
type Clock = keyof typeof clocks;
const value = (r: Nb201LatencyRow, c: Clock) => r[clocks[c]];
const spread = (c: Clock) => [...round1.rows.values()].map((r) => (c === "wall" ? r.latency_iqr_ms / r.latency_ms : r.latency_cpu_iqr_ms / r.latency_cpu_ms)).sort((a, b) => a - b);
const both = [...round2.rows.values()].filter((r) => round1.rows.has(r.arch));
const retest = (c: Clock) => both.length >= 10 ? {
  cells: both.length,
  spearman: +spearman(both.map((r) => value(round1.rows.get(r.arch)!, c)), both.map((r) => value(r, c))).toFixed(4),
  medianRelDiff: +[...both.map((r) => Math.abs(value(r, c) - value(round1.rows.get(r.arch)!, c)) / value(round1.rows.get(r.arch)!, c))].sort((a, b) => a - b)[Math.floor(both.length / 2)]!.toFixed(4),
} : undefined;

// Kernel counts of every used cell's network (zero-initialised: only the layers matter).
const space = nb201Space();
const build = modelBuilder(space, { channels: NB201_LATENCY_NETWORK.channels, cellsPerStage: NB201_LATENCY_NETWORK.cellsPerStage });
const t0 = performance.now();
const counts = rows.map((r) => {
  const b = build(space.parse(r.arch), { inputShape: NB201_LATENCY_NETWORK.inputShape, numClasses: NB201_LATENCY_NETWORK.numClasses, seed: 0, zeroInit: true });
  const c = kernelCounts(b.model);
  b.model.dispose();
  return c;
});
console.log(`kernel counts of ${rows.length} networks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const nTest = Math.round(rows.length * flags.heldOut);
const test = rows.slice(0, nTest).map((r, i) => ({ r, counts: counts[i]! }));
const trainAll = rows.slice(nTest).map((r, i) => ({ r, counts: counts[nTest + i]! }));

function scores(pred: number[], truth: number[]) {
  const rmse = Math.sqrt(mean(pred.map((p, i) => (p - truth[i]!) ** 2)));
  return {
    rmseMs: +rmse.toFixed(3), rmsePercentOfMean: +((100 * rmse) / mean(truth)).toFixed(1), spearman: +spearman(pred, truth).toFixed(4),
    within10Percent: +(pred.filter((p, i) => Math.abs(p - truth[i]!) <= 0.1 * truth[i]!).length / truth.length).toFixed(3),
  };
}

const results: Record<string, unknown>[] = [];
for (const clock of ["cpu", "wall"] as const) {
  const truth = test.map((t) => value(t.r, clock));
  for (const size of [25, 50, 100, 200, 500, 1000, trainAll.length].filter((s, i, a) => s <= trainAll.length && a.indexOf(s) === i)) {
    const train = trainAll.slice(0, size);
    const p = fitLatencyPredictor(train.map((t) => ({ counts: t.counts, latencyMs: value(t.r, clock) })));
    const kernel = test.map((t) => p.predict(t.counts).ms);
    // Peer: latency = a + b * FLOPs, least squares on the same training cells.
    const fx = train.map((t) => t.r.flops);
    const fy = train.map((t) => value(t.r, clock));
    const mx = mean(fx);
    const my = mean(fy);
    const b = fx.reduce((s, x, i) => s + (x - mx) * (fy[i]! - my), 0) / fx.reduce((s, x) => s + (x - mx) ** 2, 0);
    const flopsPred = test.map((t) => my + b * (t.r.flops - mx));
    const row = { clock, trainCells: size, kernels: p.table.size, predictor: scores(kernel, truth), flopsLinear: scores(flopsPred, truth) };
    results.push(row);
    console.log(`${clock} train ${String(size).padStart(5)} cells: per-kernel ${JSON.stringify(row.predictor)} | FLOPs-linear ${JSON.stringify(row.flopsLinear)}`);
  }
}

const q = (xs: number[], p: number) => +xs[Math.floor(p * (xs.length - 1))]!.toFixed(3);
const noise = Object.fromEntries((["cpu", "wall"] as const).map((c) => [c, { iqrOverMedian: { median: q(spread(c), 0.5), p90: q(spread(c), 0.9) }, retest: retest(c) }]));
console.log(`noise: ${JSON.stringify(noise)}`);
console.log(JSON.stringify({
  bench: "latency-predictor", cellsMeasured: round1.rows.size, used: rows.length, heldOut: nTest, load: { start: +loadStart.toFixed(2), end: +os.loadavg()[0]!.toFixed(2), cores: os.availableParallelism() },
  noise,
  results,
}));
