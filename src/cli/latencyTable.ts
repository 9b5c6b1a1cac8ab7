/**
 * `nasbook latency-table`: measures the latency of every NAS-Bench-201 cell on this machine (see
 * src/cost/nb201LatencyTable.ts), into a directory trial store; stop it any time, the next run goes on.
 */
import { buildNb201LatencyTable, defaultLatencyDir, loadNb201LatencyTable } from "../latencyTable.js";
import { directoryStore } from "../exec/store.js";
import { CliUsageError, parseCli, positiveInt } from "./args.js";

const HELP = `usage: nasbook latency-table [--store DIR] [--workers N] [--limit N] [--repeats N] [--round N] [--status]

Times the NAS-Bench-201 network (C=16, N=5, 32x32x3, batch 1) of every cell on the wasm backend, median of
--repeats timed inferences (default 7) after 2 warm-up ones, and stores each cell as a trial in --store
(default ${defaultLatencyDir()}). Resumable: cells already stored are skipped. --workers N > 1 measures on
a worker-thread pool (faster, but cells timed side by side disturb each other on a busy machine).
--round N measures again as a separate table (test-retest). --status only counts the stored cells.
--order-seed N shuffles the order differently: two processes with different seeds fill one store side by side
(each skips what the other stored). Each cell records the wall-clock and the CPU time of its inferences.`;

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseCli("latency-table", argv, {
      store: { type: "string" }, workers: { type: "string" }, limit: { type: "string" }, repeats: { type: "string" },
      round: { type: "string" }, status: { type: "boolean" }, "order-seed": { type: "string" },
    });
  } catch (e) {
    if (e instanceof CliUsageError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const num = (flag: string) => (typeof v[flag] === "string" ? positiveInt("latency-table", flag, v[flag] as string) : undefined);
  const store = directoryStore(typeof v.store === "string" ? v.store : defaultLatencyDir());
  const workers = num("workers") ?? 1;
  const repeats = num("repeats");
  const round = num("round");
  const latency = repeats !== undefined ? { repeats } : undefined;
  if (v.status) {
    const t = await loadNb201LatencyTable({ store, latency, round });
    console.log(JSON.stringify({ store: store.dir, cells: t.rows.size, complete: t.complete }));
    return 0;
  }
  const t0 = performance.now();
  const r = await buildNb201LatencyTable({
    store, latency, round, limit: num("limit"), orderSeed: typeof v["order-seed"] === "string" ? Number(v["order-seed"]) : undefined, executor: workers > 1 ? "pool" : "inprocess", workers,
    onCell: (done, cached) => {
      if (done % 100 === 0) console.log(`${done} cells (${cached} from the store), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    },
  });
  console.log(JSON.stringify({ store: store.dir, ...r }));
  return 0;
}
