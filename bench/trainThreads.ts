/**
 * npm run bench:train-threads — one training on several wasm threads against the same training on one thread,
 * with PyTorch on one thread as the per-CPU-second peer, all in the same run.
 *
 * Each round runs a fresh process per thread count (a backend is chosen once per process), alternating which goes
 * first, then PyTorch (bench/train_torch.py --threads 1). The machine is shared, so three figures per model:
 *   speedup        median over rounds of samples/s(N threads) / samples/s(1 thread), paired within a round
 *                  (wall clock: lowered by whatever else the other core is doing);
 *   criticalPath   median of samples per main-thread CPU-second, N threads / 1 thread: the speedup on an idle
 *                  machine if the caller never waited for the other threads (an upper bound; the caller runs its
 *                  share of every split kernel and all the serial work, and CPU time does not grow with the load);
 *   perCpuSecond   samples per CPU-second of all threads, wasm (1 and N threads) and PyTorch 1 thread, and their
 *                  ratios: what a sample costs, whatever the load.
 *
 * Options: --reps 3 --seconds 3 --threads 2 --models convnet,convbn --no-torch
 * Last stdout line: {"bench":"train-threads","load":[...],"results":[{"model","threads","speedup",...}]}
 */
import { execFile } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import { median } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    reps: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    threads: { type: "string", default: "2" },
    models: { type: "string", default: "convnet,convbn" },
    batch: { type: "string", default: "128" },
    "no-torch": { type: "boolean", default: false },
  },
});
const reps = Number(args.reps);
const threads = Number(args.threads);
const models = args.models as string;

interface ChildMeasurement { model: string; samplesPerSec: number; samplesPerCpuSec: number; samplesPerMainThreadCpuSec?: number }
interface ChildRun { threads: number; reason: string; results: ChildMeasurement[] }
interface TorchRun { model: string; samplesPerSec: number; samplesPerCpuSec: number }

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, argv, { env, maxBuffer: 1 << 20 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))));
}

async function wasmRun(n: number): Promise<ChildRun> {
  const out = await run(process.execPath, ["--import", "tsx", new URL("./trainThreadsChild.ts", import.meta.url).pathname, models, args.seconds as string, args.batch as string], {
    ...process.env, NASBOOK_WASM_THREADS: String(n),
  });
  return JSON.parse(out.trim().split("\n").at(-1) as string) as ChildRun;
}

async function torchRun(): Promise<TorchRun[] | undefined> {
  if (args["no-torch"]) return undefined;
  try {
    const out = await run("/usr/bin/python3", [new URL("./train_torch.py", import.meta.url).pathname, "--models", models, "--batch", args.batch as string, "--seconds", args.seconds as string, "--threads", "1"]);
    return out.trim().split("\n").map((l) => JSON.parse(l) as TorchRun);
  } catch (err) {
    console.log(`PyTorch peer unavailable: ${(err as Error).message.split("\n")[0]}`);
    return undefined;
  }
}

const round = (x: number) => Number(x.toPrecision(4));

const load: number[] = [];
const rows = new Map<string, { one: ChildMeasurement[]; many: ChildMeasurement[]; torch: TorchRun[] }>();
let reason = "";
for (let r = 0; r < reps; r++) {
  load.push(os.loadavg()[0] as number);
  const order = r % 2 === 0 ? [1, threads] : [threads, 1];
  const runs = new Map<number, ChildRun>();
  for (const n of order) runs.set(n, await wasmRun(n));
  const torch = await torchRun();
  reason = runs.get(threads)!.reason;
  for (const m of runs.get(1)!.results) {
    const row = rows.get(m.model) ?? { one: [], many: [], torch: [] };
    row.one.push(m);
    row.many.push(runs.get(threads)!.results.find((x) => x.model === m.model)!);
    const t = torch?.find((x) => x.model === m.model);
    if (t) row.torch.push(t);
    rows.set(m.model, row);
    const many = row.many.at(-1)!;
    console.log(
      `round ${r + 1}/${reps} ${m.model}: 1 thread ${m.samplesPerSec.toFixed(0)} samples/s, ${threads} threads ${many.samplesPerSec.toFixed(0)} ` +
        `(x${(many.samplesPerSec / m.samplesPerSec).toFixed(2)}); per CPU-s ${m.samplesPerCpuSec.toFixed(0)} / ${many.samplesPerCpuSec.toFixed(0)}` +
        (t ? `, torch 1 thread ${t.samplesPerCpuSec.toFixed(0)}` : "") + `; load ${load.at(-1)!.toFixed(1)}`,
    );
  }
}

const results = [...rows.entries()].map(([model, { one, many, torch }]) => {
  const pairs = one.map((o, i) => [o, many[i]!] as const);
  const perCpu1 = median(one.map((o) => o.samplesPerCpuSec));
  const perCpuN = median(many.map((o) => o.samplesPerCpuSec));
  const torchPerCpu = torch.length > 0 ? median(torch.map((t) => t.samplesPerCpuSec)) : undefined;
  return {
    model, threads,
    samplesPerSec1: round(median(one.map((o) => o.samplesPerSec))),
    samplesPerSecN: round(median(many.map((o) => o.samplesPerSec))),
    speedup: round(median(pairs.map(([o, n]) => n.samplesPerSec / o.samplesPerSec))),
    criticalPath: round(median(pairs.filter(([o, n]) => n.samplesPerMainThreadCpuSec !== undefined && o.samplesPerMainThreadCpuSec !== undefined)
      .map(([o, n]) => n.samplesPerMainThreadCpuSec! / o.samplesPerMainThreadCpuSec!))),
    samplesPerCpuSec1: round(perCpu1),
    samplesPerCpuSecN: round(perCpuN),
    torch1SamplesPerCpuSec: torchPerCpu === undefined ? null : round(torchPerCpu),
    perCpuSecondVsTorch1: torchPerCpu === undefined ? null : round(perCpu1 / torchPerCpu),
    perCpuSecondVsTorch1N: torchPerCpu === undefined ? null : round(perCpuN / torchPerCpu),
  };
});
for (const r of results) {
  console.log(
    `${r.model.padEnd(8)} ${threads} threads: speedup x${r.speedup} (wall, paired), critical path x${r.criticalPath}; ` +
      `per CPU-s ${r.samplesPerCpuSec1} (1) / ${r.samplesPerCpuSecN} (${threads})` +
      (r.torch1SamplesPerCpuSec !== null ? ` vs torch 1 thread ${r.torch1SamplesPerCpuSec}: x${r.perCpuSecondVsTorch1} / x${r.perCpuSecondVsTorch1N}` : ""),
  );
}
console.log(JSON.stringify({ bench: "train-threads", reason, reps, seconds: Number(args.seconds), load: load.map(round), cores: os.availableParallelism(), results }));
