/**
 * `npm run bench:controls`: how long moving a control takes to show, through the real kernel. A slider feeds a
 * 100-query NB201 table search (regularized evolution, the slider sets its population) and the search's population
 * plot. Each move sends the widget `update` a frontend sends; the time is until the comm message's `idle`, which
 * the kernel sends once everything the move re-ran has settled and its outputs are out. The peer, in the same run: the
 * same change made as a plain cell edit (an execute request of `const population = N`), until its idle.
 * The NB201 table: `--data DIR` / NASBOOK_DATA when it has nb201/nb201_all.csv, else a generated table of 15,625 rows.
 * No trial store (every move recomputes its search). `--moves 50`.
 * Last stdout line: {"bench":"controls","moves":…,"medianMs":…,"p95Ms":…,"editMedianMs":…,"editP95Ms":…,"ratioP95":…,"loadAverage":…}.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KernelClient, nasbookKernelArgv } from "../kernel/client.js";
import { encode, type JupyterMessage } from "../kernel/wire.js";
import { nb201Csv } from "../test/fixtures/nb201Csv.js";
import { numberFlags, stringFlag } from "./args.js";
import { percentile } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { moves } = numberFlags(process.argv.slice(2).filter((a, i, all) => !a.startsWith("--data") && all[i - 1] !== "--data"), { moves: 50 });
const dataDir = stringFlag("data") ?? process.env["NASBOOK_DATA"];
const realTable = dataDir ? resolve(dataDir, "nb201", "nb201_all.csv") : undefined;
const work = mkdtempSync(join(tmpdir(), "nasbook-bench-controls-"));
let table = realTable && existsSync(realTable) ? realTable : join(work, "nb201_all.csv");
if (table !== realTable) writeFileSync(table, nb201Csv(15625));

process.env["NASBOOK_TRIALS"] = "off";
const client = await KernelClient.launch(nasbookKernelArgv(root), { cwd: work });

async function ok(code: string, cellId: string): Promise<JupyterMessage[]> {
  const { reply, iopub } = await client.execute(code, { cellId });
  if (reply.content["status"] !== "ok") throw new Error(`${cellId} failed: ${JSON.stringify(reply.content)}`);
  return iopub;
}

const search = (population: string) =>
  `const result = await nas.search({ space, strategy: nas.regularizedEvolution({ population: ${population}, sample: 5 }), evaluator, budget: { queries: 100 }, seed: 0 }).result();\n` +
  "result.history.length";
await ok(`const space = nas.nb201Space();\nconst evaluator = nas.nb201TableEvaluator({ table: nas.Nb201Table.load(${JSON.stringify(table)}) });`, "setup");
const opened = await ok('const population = nas.ui.range([5, 50], { value: 20, step: 1, label: "population" })', "control");
const modelId = String(opened.filter((m) => m.header.msg_type === "comm_open").at(-1)!.content["comm_id"]);
await ok(search("population"), "search");
await ok('nas.viz.populationScatter(result.snapshot, { cost: "params_M", title: `population ${population}` })', "plot");

/** One move: the widget update a frontend sends; ms until its idle. */
async function move(value: number): Promise<number> {
  const frames = encode(client.signer, client.session, "comm_msg", { comm_id: modelId, data: { method: "update", state: { value }, buffer_paths: [] } }, {});
  const msgId = (JSON.parse(frames[2]!.toString()) as { msg_id: string }).msg_id;
  const t0 = performance.now();
  await client.sendRaw(frames);
  const iopub = await client.untilIdle(msgId);
  const ms = performance.now() - t0;
  if (!iopub.some((m) => m.header.msg_type === "update_display_data")) throw new Error(`move to ${value} updated nothing`);
  return ms;
}

const values = Array.from({ length: moves }, (_, i) => 5 + ((i * 7) % 46));
const moved: number[] = [];
for (const v of values) moved.push(await move(v));

// The peer: the same change as an edit of a plain cell (the search cell, edited, reads it from there).
await ok("const populationValue = 20", "peer-value");
await ok(search("populationValue"), "search");
const edited: number[] = [];
for (const v of values) {
  const t0 = performance.now();
  await ok(`const populationValue = ${v}`, "peer-value");
  edited.push(performance.now() - t0);
}
await client.close();

const med = (xs: number[]) => percentile(xs, 0.5);
const p95 = (xs: number[]) => percentile(xs, 0.95);
const r = (x: number) => +x.toFixed(1);
console.log(`moving the control: median ${r(med(moved))} ms, p95 ${r(p95(moved))} ms over ${moves} moves (table: ${table === realTable ? "NB201" : "generated"})`);
console.log(`the same change as a cell edit: median ${r(med(edited))} ms, p95 ${r(p95(edited))} ms`);
console.log(JSON.stringify({
  bench: "controls", moves, medianMs: r(med(moved)), p95Ms: r(p95(moved)), editMedianMs: r(med(edited)), editP95Ms: r(p95(edited)),
  ratioP95: +(p95(moved) / p95(edited)).toFixed(3), loadAverage: +loadavg()[0]!.toFixed(2),
}));
process.exit(0);
