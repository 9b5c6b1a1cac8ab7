/**
 * bench:zc-space — scores every NAS-Bench-201 cell with nasbook's zero-cost proxies (nb201ZeroCostEvaluator), on the
 * worker pool, each network a content-addressed trial in the machine's trial store: a killed run continues where it
 * stopped, a second run computes nothing. Writes the table (default ~/.cache/nasbook/nb201-zero-cost.json, or
 * $NASBOOK_CACHE/...) and prints what the pass cost: the summed thread CPU seconds of every scored network, and this
 * run's own CPU and wall seconds.
 *
 *   npm run bench:zc-space -- [--workers 2] [--cells classes|all] [--limit N] [--channels 8] [--cells-per-stage 1]
 *                             [--batch 32] [--batch-seed 0] [--images mnist|noise] [--out FILE] [--data DIR]
 *
 * `--batch-seed S` draws another batch of digits: a second, independently scored table (new trials), to see how much
 * what the searches find depends on the draw.
 *
 * Last stdout line: one JSON object.
 */
import { setDataDir } from "../src/data/dir.js";
import { defaultZeroCostTablePath, scoreNb201Space, writeZeroCostTable } from "../src/estimate/nb201ZeroCostSpace.js";
import { stringFlag } from "./args.js";

const dataArg = stringFlag("data");
if (dataArg !== undefined) setDataDir(dataArg);
const num = (name: string) => (stringFlag(name) === undefined ? undefined : Number(stringFlag(name)));
const cells = (stringFlag("cells") ?? "classes") as "classes" | "all";
const limit = num("limit");
const images = stringFlag("images") as "mnist" | "noise" | undefined;
const out = stringFlag("out") ?? (limit === undefined ? defaultZeroCostTablePath() : undefined);
// The pool's threads rebuild the evaluator from its recipe: --data reaches them as the evaluator's dataDir (setDataDir
// only sets this thread's default).
const proxy = { channels: num("channels"), cellsPerStage: num("cells-per-stage"), batchSize: num("batch"), batchSeed: num("batch-seed"), images, dataDir: dataArg };

const c0 = process.cpuUsage();
const t0 = performance.now();
let last = 0;
const table = await scoreNb201Space({
  proxy,
  cells,
  workers: num("workers") ?? 2,
  limit,
  onProgress: ({ done, total, cached }) => {
    if (done === total || performance.now() - last > 30_000) {
      last = performance.now();
      console.error(`${done}/${total} networks (${cached} from the trial store), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  },
});
const c = process.cpuUsage(c0);
if (out) writeZeroCostTable(table, out);
const m = table.meta;
console.log(`${m.scored} of ${m.networks} networks (${m.cells}), ${m.failed} failed; batch: ${m.batch}`);
console.log(`scoring cost: ${m.cpuSeconds.toFixed(0)} CPU-s summed over the networks (${(m.cpuSeconds / m.scored).toFixed(2)} per network), ${m.wallSeconds.toFixed(0)} s wall summed`);
console.log(`this run: ${((c.user + c.system) / 1e6).toFixed(0)} CPU-s, ${((performance.now() - t0) / 1000).toFixed(0)} s wall${out ? `; table: ${out}` : ""}`);
console.log(JSON.stringify({ bench: "zc-space", ...m, cpuSecondsPerNetwork: m.cpuSeconds / m.scored, runCpuSeconds: (c.user + c.system) / 1e6, runWallSeconds: (performance.now() - t0) / 1000, out }));
