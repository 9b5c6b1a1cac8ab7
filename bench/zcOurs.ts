/**
 * Checks our synflow against NASLib's: for a seeded sample of the architectures in
 * $NASBOOK_DATA/nb201/nb201_naslib_zc_subset.csv (cifar10 rows), builds the NAS-Bench-201 network (C=16, N=5,
 * 32x32x3, 10 classes), computes synflow (data-independent: an all-ones input) and params with our code, and
 * reports the Spearman correlation with NASLib's precomputed values and with validation accuracy.
 * Usage: npm run bench:zc-ours [-- --n 40 --seed 0 --data DIR]. Last stdout line: one JSON object.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend/index.js";
import { setDataDir } from "../src/data/dir.js";
import { loadZcTable, spearmanCorrelation } from "../src/estimate/precomputedProxies.js";
import { synflow } from "../src/estimate/proxies.js";
import { NB201_PAPER, nb201Model } from "../src/model/nb201.js";
import { Rng } from "../src/rng.js";
import { parseNb201 } from "../src/space/nb201.js";
import { stringFlag } from "./args.js";

const arg = (name: string) => stringFlag(name.replace(/^--/, ""));
setDataDir(arg("--data"));
const n = Number(arg("--n") ?? 40);
const seed = Number(arg("--seed") ?? 0);
const backend = await initBackend();
const rows = new Rng(`zc-ours/${seed}`).sample(
  loadZcTable().filter((r) => r.dataset === "cifar10" && r.scores.synflow !== undefined),
  n,
);
const t0 = performance.now();
const ours: number[] = [];
for (const row of rows) {
  const b = nb201Model(parseNb201(row.arch), { ...NB201_PAPER, inputShape: [32, 32, 3], numClasses: 10, seed });
  const x = tf.zeros([1, 32, 32, 3]);
  const y = tf.zeros([1], "int32");
  const s = await synflow(b.model, { x, y });
  tf.dispose([x, y]);
  b.model.dispose();
  // Our raw synflow overflows float32 for the largest cells; compare in log space (ranks are unchanged).
  ours.push(Math.log(s));
  if (row.scores.params !== undefined && Math.abs(b.params - row.scores.params * 1e6) > 0.5) console.log(`params differ for ${row.arch}`);
}
const seconds = (performance.now() - t0) / 1000;
const finite = ours.map((v, i) => [v, i] as const).filter(([v]) => Number.isFinite(v));
const rhoNaslib = spearmanCorrelation(finite.map(([v]) => v), finite.map(([, i]) => rows[i]!.scores.synflow!));
const rhoAcc = spearmanCorrelation(finite.map(([v]) => v), finite.map(([, i]) => rows[i]!.valAccuracy));
// NASLib's synflow over the same architectures (those where ours is finite), for a like-for-like comparison.
const rhoNaslibAcc = spearmanCorrelation(finite.map(([, i]) => rows[i]!.scores.synflow!), finite.map(([, i]) => rows[i]!.valAccuracy));
console.log(`${rows.length} cifar10 architectures (${finite.length} with finite synflow), backend ${backend.name}, ${seconds.toFixed(1)} s`);
console.log(`Spearman(our synflow, NASLib synflow) = ${rhoNaslib.toFixed(3)}`);
console.log(`Spearman(our synflow, val accuracy)   = ${rhoAcc.toFixed(3)}  (NASLib's synflow on the same archs: ${rhoNaslibAcc.toFixed(3)})`);
console.log(JSON.stringify({ bench: "zc-ours", backend: backend.name, n: rows.length, finite: finite.length, spearmanVsNaslib: rhoNaslib, spearmanVsAccuracy: rhoAcc, naslibSpearmanVsAccuracy: rhoNaslibAcc, seconds }));
