/**
 * bench:oneshot — one-shot / SPOS and ENAS on the NB201 supernet, trained for real on MNIST (the 10k-test-set
 * split, 14x14). For each: the derived architecture, its NB201 index, search seconds and stand-alone accuracy;
 * then the weight-sharing quality report (Kendall tau over 30 NB201 architectures between shared-weight and
 * stand-alone accuracy) for the SPOS supernet and the ENAS supernet. Last stdout line: one JSON object.
 *
 *   NASBOOK_DATA=../shared/data npm run bench:oneshot [-- --steps 400 --enas-epochs 8 --kendall 30 --epochs 2]
 */
import { initBackend } from "../src/backend/index.js";
import { nb201Supernet, type Nb201Supernet } from "../src/model/supernetNb201.js";
import type { WeightSharingResult, WeightSharingSearch } from "../src/model/supernetSearch.js";
import { formatNb201, nb201Space, type Nb201Arch } from "../src/space/nb201.js";
import { enasSearch } from "../src/strategy/enas.js";
import { oneShotSearch } from "../src/strategy/oneShot.js";
import { cachedStandalone, numberFlags, qualityReport, searchData, skipCount, trainDerived } from "./weightSharingSetup.js";

const flags = numberFlags(process.argv.slice(2), { steps: 400, enasEpochs: 8, kendall: 30, epochs: 2, channels: 4, seed: 0, kendallExamples: 3000, evaluations: 64 });
const backend = await initBackend();
const t0 = performance.now();
const data = await searchData();
console.log(data.note);
const space = nb201Space();

const makeNet = () => nb201Supernet({ inputShape: data.train.shape, numClasses: data.train.numClasses, seed: flags.seed, channels: flags.channels });
const searches: { label: string; net: Nb201Supernet; make: (net: Nb201Supernet) => WeightSharingSearch<Nb201Arch> }[] = [
  {
    label: "spos",
    net: makeNet(),
    make: (net) => oneShotSearch({
      supernet: net, space, data, steps: flags.steps, batchSize: 64, evolution: { population: 16, evaluations: flags.evaluations }, evalExamples: 500,
      recordEvery: Math.max(1, Math.floor(flags.steps / 8)), seed: flags.seed,
    }),
  },
  {
    label: "enas",
    net: makeNet(),
    // As many shared-weight steps as SPOS (epochs x 50), plus 20 controller updates per epoch.
    make: (net) => enasSearch({
      supernet: net, space, data, epochs: flags.enasEpochs, weightSteps: Math.max(1, Math.round(flags.steps / flags.enasEpochs)), controllerSteps: 20,
      batchSize: 64, controller: { learningRate: 0.01 }, rewardExamples: 128, evalExamples: 500, finalSamples: 16, seed: flags.seed,
    }),
  },
];

const rows: Record<string, unknown>[] = [];
for (const s of searches) {
  const search = s.make(s.net);
  const r: WeightSharingResult<Nb201Arch> = await search.run({
    onSnapshot: (snap) => {
      if (s.label === "spos") console.log(`  [spos ${snap.phase} step ${snap.trainSteps}] train loss ${Number(snap.trainLoss).toFixed(3)}, sub-networks evaluated ${snap.population?.length ?? 0}`);
      else {
        const e = (snap.epochs as { epoch: number; trainLoss: number; meanReward: number }[]).at(-1);
        if (e) console.log(`  [enas epoch ${e.epoch}] train loss ${e.trainLoss.toFixed(3)}, mean reward ${(100 * e.meanReward).toFixed(1)}%, greedy ${snap.greedy}`);
      }
    },
  });
  search.dispose();
  const trained = await trainDerived(r.derived, data, flags.epochs, flags.seed);
  const row = {
    run: s.label,
    derived: formatNb201(r.derived),
    nb201Index: space.toIndex(r.derived),
    skipEdges: skipCount(r.derived),
    supernetAcc: r.proposals[0]!.supernetAcc,
    topProposals: r.proposals.slice(0, 5).map((p) => ({ arch: formatNb201(p.arch), supernetAcc: p.supernetAcc })),
    trainSteps: r.steps,
    searchSeconds: +r.seconds.toFixed(1),
    standaloneAccuracy: trained.metrics.test_acc,
    standaloneValAccuracy: trained.metrics.val_acc,
    standaloneSeconds: +trained.cost.seconds.toFixed(1),
    standaloneStatus: trained.status,
  };
  console.log(`${s.label}: derived ${row.derived} (NB201 index ${row.nb201Index}), shared-weight val ${row.supernetAcc?.toFixed(1)}%, search ${row.searchSeconds} s, ` +
    `stand-alone test ${row.standaloneAccuracy?.toFixed(2)}% (${row.standaloneSeconds} s, ${flags.epochs} epochs)`);
  rows.push(row);
}

const standalone = cachedStandalone(data, flags.kendallExamples);
const spos = await qualityReport(searches[0]!.net, data, standalone, flags.kendall, "spos supernet");
const enas = await qualityReport(searches[1]!.net, data, standalone, flags.kendall, "enas supernet");
for (const s of searches) s.net.dispose();

const main = rows[0]!;
console.log(JSON.stringify({
  bench: "oneshot",
  derived: main.derived,
  nb201Index: main.nb201Index,
  searchSeconds: main.searchSeconds,
  standaloneAccuracy: main.standaloneAccuracy,
  kendallTau: spos.kendallTau,
  kendallArchs: spos.archs,
  kendallSpearman: spos.spearman,
  kendallStandaloneSeconds: +spos.standaloneSeconds.toFixed(1),
  kendallSupernetSeconds: +spos.supernetSeconds.toFixed(1),
  kendallTauEnas: enas.kendallTau,
  kendallRows: spos.rows.map((r, i) => ({ arch: r.arch, standaloneAcc: r.standaloneAcc, sposAcc: r.supernetAcc, enasAcc: enas.rows[i]!.supernetAcc })),
  runs: rows,
  data: data.note,
  backend: backend.name,
  totalSeconds: +((performance.now() - t0) / 1000).toFixed(1),
}));
