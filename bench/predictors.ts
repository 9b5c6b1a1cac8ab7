/**
 * bench:predictors — how well each predictor ranks unseen NAS-Bench-201 architectures as a function of the number of
 * training points: Kendall tau and Spearman between predicted and true search signal (12-epoch validation accuracy)
 * on held-out architectures, mean over repeats. Also the Delta-NAS difference predictor, scored on held-out pairs one
 * mutation apart (predicted vs true accuracy difference).
 *
 *   npm run bench:predictors -- [--dataset cifar10] [--sizes 20,50,100,200,500] [--repeats 5] [--test 500] [--lstm]
 */
import { setDataDir } from "../src/data/dir.js";
import { loadNb201Table, nb201Dataset, nb201TableEvaluator } from "../src/estimate/nb201Table.js";
import { Rng } from "../src/rng.js";
import { nb201Space, type Nb201Arch } from "../src/space/nb201.js";
import { encodedPredictor, type ArchPredictor } from "../src/predict/archPredictor.js";
import { mlpEnsemble } from "../src/predict/ensemble.js";
import { DeltaPredictor } from "../src/predict/delta.js";
import { LstmSurrogate } from "../src/predict/lstmSurrogate.js";
import { kendallTau, spearman } from "../src/predict/rank.js";
import { nb201Progressive } from "../src/strategy/pnasNb201.js";
import { FAST_ENSEMBLE } from "../src/strategy/predictorEvolution.js";
import { booleanFlag, stringFlag } from "./args.js";
import { mean as meanOf, std as stdOf } from "./stats.js";

function arg(name: string, fallback: string): string {
  return stringFlag(name) ?? fallback;
}
const dataArg = stringFlag("data");
if (dataArg !== undefined) setDataDir(dataArg);
const dataset = nb201Dataset(arg("dataset", "cifar10"));
const sizes = arg("sizes", "20,50,100,200,500").split(",").map(Number);
const repeats = Number(arg("repeats", "5"));
const testSize = Number(arg("test", "500"));
const withLstm = booleanFlag("lstm");

const space = nb201Space();
const table = loadNb201Table();
const ev = nb201TableEvaluator({ dataset, table });
const signal = (a: Nb201Arch) => table.query(table.row(a), ev.dataset).val_acc;
const all = space.all();

type Named = { name: string; make: () => ArchPredictor<Nb201Arch> };
const growth = nb201Progressive();
const predictors: Named[] = [
  { name: "mlp-ensemble:onehot", make: () => encodedPredictor(space, "onehot", mlpEnsemble(FAST_ENSEMBLE)) },
  { name: "mlp-ensemble:adjacency", make: () => encodedPredictor(space, "adjacency", mlpEnsemble(FAST_ENSEMBLE)) },
  { name: "mlp-ensemble:path (BANANAS)", make: () => encodedPredictor(space, "path", mlpEnsemble(FAST_ENSEMBLE)) },
  { name: "mlp-ensemble:onehot (5x[32,32], 100 epochs)", make: () => encodedPredictor(space, "onehot", mlpEnsemble({ members: 5, hidden: [32, 32], epochs: 100 })) },
];
if (withLstm) {
  predictors.push({
    name: "lstm (PNAS surrogate)",
    make: () => {
      const m = new LstmSurrogate(growth.vocabulary, { epochs: 100 });
      return {
        get name() { return m.name; },
        get trainSize() { return m.trainSize; },
        fit: (archs, y, rng) => m.fit(archs.map(growth.tokens), y, rng),
        predict: (archs) => { const mean = m.predict(archs.map(growth.tokens)); return { mean, std: new Float64Array(mean.length) }; },
      };
    },
  });
}

const rows: { predictor: string; trainSize: number; kendallTau: number; spearman: number; kendallStd: number; fitSeconds: number }[] = [];

for (const p of predictors) {
  for (const n of sizes) {
    const taus: number[] = [];
    const rhos: number[] = [];
    let fitSeconds = 0;
    for (let r = 0; r < repeats; r++) {
      const rng = new Rng(`predictors/${r}`);
      const idx = rng.sample(all.map((_, i) => i), n + testSize);
      const train = idx.slice(0, n).map((i) => all[i]!);
      const test = idx.slice(n).map((i) => all[i]!);
      const model = p.make();
      const t0 = performance.now();
      model.fit(train, train.map(signal), rng);
      fitSeconds += (performance.now() - t0) / 1000;
      const pred = model.predict(test).mean;
      const truth = test.map(signal);
      taus.push(kendallTau(pred, truth));
      rhos.push(spearman(pred, truth));
    }
    rows.push({ predictor: p.name, trainSize: n, kendallTau: meanOf(taus), spearman: meanOf(rhos), kendallStd: stdOf(taus), fitSeconds: fitSeconds / repeats });
    console.log(`${p.name.padEnd(44)} n=${String(n).padEnd(4)} tau ${meanOf(taus).toFixed(3)} ± ${stdOf(taus).toFixed(3)}  spearman ${meanOf(rhos).toFixed(3)}  fit ${(fitSeconds / repeats).toFixed(3)} s`);
  }
}

// Delta-NAS: train on n architectures (pairs within distance 2), test on held-out pairs one mutation apart.
const deltaRows: { predictor: string; trainSize: number; pairs: number; kendallTau: number; spearman: number }[] = [];
for (const n of sizes) {
  const taus: number[] = [];
  const rhos: number[] = [];
  let pairs = 0;
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(`predictors/delta/${r}`);
    // Close architectures, as evolution produces them: random parents plus their mutations.
    const parents = rng.sample(all, Math.max(2, Math.round(n / 4)));
    const train: Nb201Arch[] = [...parents];
    while (train.length < n) train.push(space.mutate(rng.choice(train), rng));
    const model = new DeltaPredictor(space, mlpEnsemble(FAST_ENSEMBLE), { encoding: "onehot", maxDistance: 2, maxPairs: 300 });
    model.fit(train, train.map(signal), rng);
    pairs += model.trainSize;
    const pred: number[] = [];
    const truth: number[] = [];
    for (let k = 0; k < testSize; k++) {
      const a = rng.choice(all);
      const b = space.mutate(a, rng);
      pred.push(model.predict(a, [b]).mean[0]!);
      truth.push(signal(b) - signal(a));
    }
    taus.push(kendallTau(pred, truth));
    rhos.push(spearman(pred, truth));
  }
  deltaRows.push({ predictor: "delta:onehot", trainSize: n, pairs: Math.round(pairs / repeats), kendallTau: meanOf(taus), spearman: meanOf(rhos) });
  console.log(`${"delta:onehot (differences of 1-mutation pairs)".padEnd(44)} n=${String(n).padEnd(4)} tau ${meanOf(taus).toFixed(3)}  spearman ${meanOf(rhos).toFixed(3)}  (${Math.round(pairs / repeats)} training pairs)`);
}

const round = (x: number) => +x.toFixed(4);
console.log(JSON.stringify({
  bench: "predictors",
  dataset,
  testSize,
  repeats,
  results: rows.map((r) => ({ ...r, kendallTau: round(r.kendallTau), spearman: round(r.spearman), kendallStd: round(r.kendallStd), fitSeconds: round(r.fitSeconds) })),
  delta: deltaRows.map((r) => ({ ...r, kendallTau: round(r.kendallTau), spearman: round(r.spearman) })),
}));
