/**
 * Spearman rank correlation of each zero-cost proxy with validation accuracy in NASLib's NB201 table
 * ($NASBOOK_DATA/nb201/nb201_naslib_zc_subset.csv), per dataset. Usage: npm run bench:zc-proxies [-- --data DIR].
 * Last stdout line: one JSON object.
 */
import { setDataDir } from "../src/data/dir.js";
import { loadZcTable, proxyCorrelations, ZC_DATASETS } from "../src/estimate/precomputedProxies.js";
import { stringFlag } from "./args.js";

setDataDir(stringFlag("data"));
const t0 = performance.now();
const rows = loadZcTable();
const results: { dataset: string; proxy: string; spearman: number; n: number }[] = [];
for (const dataset of ZC_DATASETS) {
  const corr = proxyCorrelations(rows, dataset).sort((a, b) => b.spearman - a.spearman);
  console.log(`${dataset}:`);
  for (const c of corr) {
    console.log(`  ${c.proxy.padEnd(10)} ${c.spearman.toFixed(3).padStart(7)}  (n=${c.n})`);
    results.push({ dataset, ...c });
  }
}
console.log(JSON.stringify({ bench: "zc-proxies", file: "nb201/nb201_naslib_zc_subset.csv", results, seconds: (performance.now() - t0) / 1000 }));
