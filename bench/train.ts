/**
 * npm run bench:train — training throughput of the reference models on every available tfjs backend,
 * with PyTorch (bench/train_torch.py, /usr/bin/python3) as the peer in the same run.
 *
 * Models (batch 128, Adam 1e-3, softmax cross-entropy, random 28x28x1 inputs):
 *   convnet: conv32 3x3 -> maxpool -> conv64 3x3 -> maxpool -> dense128 -> dense10 (about 15.8 MFLOP/sample)
 *   mlp:     784-256-128-10
 *   convbn:  conv32 3x3 -> BN -> relu -> maxpool -> conv64 3x3 -> BN -> relu -> maxpool -> dense10
 *   nb201cell: conv16 3x3 -> BN -> an NB201 cell with four avg_pool_3x3 edges -> BN -> relu -> global avg pool ->
 *            dense10 (tfjs only: not in train_torch.py, so no PyTorch peer); not in the default --models
 * The machine is shared, so wasm and torch alternate for --reps rounds and we report medians, and the
 * median of the per-round ratios. 'cpu' (about 3 samples/s on the convnet) is timed on a few steps only,
 * at batch 16 for the convnets.
 * Torch runs twice per round: on all cores (ratioToTorch, the reference) and on one thread
 * (ratioToTorch1Thread), since our wasm backend computes on one thread.
 * samplesPerCpuSec divides by the process's CPU time (all threads): what training costs, whatever the load.
 * GFLOP/s counts 3x the forward FLOPs per sample (forward + two backward products).
 *
 * --stock K1,K2: on wasm, also train every model with tfjs's stock kernels K1, K2 in place of nasbook's (same
 * process, alternating which goes first each round) and report ratioToStock, the median per-round ratio of samples/s
 * ours / stock (cpuRatioToStock: the same per CPU-second). With AvgPoolGrad among them, also times that kernel alone
 * on nb201cell's pooling shape ([batch,28,28,16], 3x3, stride 1, 'same'): wall and CPU milliseconds per call.
 *
 * Options: --reps 5 --seconds 3 --models convnet,mlp,convbn --backends wasm,cpu --no-torch --stock AvgPoolGrad
 * Last stdout line: {"bench":"train","results":[{"backend","model","batch","samplesPerSec","gflops","ratioToTorch"},...]}
 */
import { execFile } from "node:child_process";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../src/backend/index.js";
import { registerTrainingKernels, withStockKernels } from "../src/backend/wasm/registerTrainingKernels.js";
import { measure as measureModel, torchModels, type Measurement, type ModelName } from "./trainModels.js";

const { values: args } = parseArgs({
  options: {
    reps: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    batch: { type: "string", default: "128" },
    models: { type: "string", default: "convnet,mlp,convbn" },
    backends: { type: "string" },
    "no-torch": { type: "boolean", default: false },
    stock: { type: "string" },
  },
});
const reps = Number(args.reps);
const seconds = Number(args.seconds);
const batch = Number(args.batch);
const modelNames = (args.models as string).split(",") as ModelName[];
const torchModelNames = modelNames.filter((m) => torchModels.includes(m));
const stockKernels = args.stock?.split(",").filter((k) => k !== "") ?? [];

interface TorchResult {
  model: ModelName;
  samplesPerSec: number;
  samplesPerCpuSec: number;
  threads: number;
  torch: string;
}

function run(cmd: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, argv, { maxBuffer: 1 << 20 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))));
}

async function torchAvailable(): Promise<string | undefined> {
  try {
    return (await run("/usr/bin/python3", ["-c", "import torch; print(torch.__version__)"])).trim();
  } catch {
    return undefined;
  }
}

/** One PyTorch measurement of every model; threads 0 = all cores. */
async function torchRound(threads: number): Promise<TorchResult[]> {
  const out = await run("/usr/bin/python3", [
    new URL("./train_torch.py", import.meta.url).pathname, "--models", torchModelNames.join(","), "--batch", String(batch),
    "--seconds", String(seconds), ...(threads > 0 ? ["--threads", String(threads)] : []),
  ]);
  return out.trim().split("\n").map((l) => JSON.parse(l) as TorchResult);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round = (x: number, digits = 3) => Number(x.toPrecision(digits + 1));

const info = await initBackend();
// Every backend this process can run: the chosen one, wasm (with our kernels) and cpu.
const available: string[] = [info.name];
if (info.name !== "wasm") {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    registerTrainingKernels();
    available.push("wasm");
  } catch (err) {
    console.log(`wasm backend unavailable: ${(err as Error).message}`);
  }
}
if (info.name !== "cpu") available.push("cpu");
const backends = (args.backends?.split(",") ?? available).filter((b) => available.includes(b));
const fastBackends = backends.filter((b) => b !== "cpu");
const torchVersion = args["no-torch"] || torchModelNames.length === 0 ? undefined : await torchAvailable();
console.log(`backend choice: ${info.name} — ${info.reason}`);
console.log(torchVersion ? `PyTorch ${torchVersion} peer via /usr/bin/python3` : "PyTorch peer: absent (/usr/bin/python3 -c 'import torch' failed or --no-torch); ratioToTorch is null");

// Rounds: torch, then each fast backend, alternating so load changes hit both sides alike.
const runs = new Map<string, number[]>(); // `${backend}/${model}` -> samples/s per round
const cpuRuns = new Map<string, number[]>(); // same, per CPU-second
const batchOf = new Map<string, number>(); // entries not measured at --batch
const ratios = new Map<string, number[]>();
const ratios1 = new Map<string, number[]>(); // against torch on one thread
const flopsOf = new Map<ModelName, number>();
const stockRatios = new Map<string, number[]>(); // `wasm/${model}` -> samples/s ours / stock, per round
const stockCpuRatios = new Map<string, number[]>(); // same, samples per CPU-second
interface KernelTime {
  /** Wall-clock milliseconds per call. */
  ms: number;
  /** CPU milliseconds of the process per call: what the kernel costs, whatever the load. */
  cpuMs: number;
}
const avgPoolGradTimes = { ours: [] as KernelTime[], stock: [] as KernelTime[] }; // per round

/** Runs a and b, a first on even rounds and b first on odd ones; returns [a's result, b's result]. */
function inTurn<A, B>(round: number, a: () => A, b: () => B): [A, B] {
  if (round % 2 === 0) {
    const ra = a();
    return [ra, b()];
  }
  const rb = b();
  return [a(), rb];
}

/** Time per AvgPoolGrad call (whichever kernel is registered) on nb201cell's pooling shape, after warm-up. */
function timeAvgPoolGrad(): KernelTime {
  const input = tf.randomNormal([batch, 28, 28, 16], 0, 1, "float32", 3);
  const dy = tf.randomNormal([batch, 28, 28, 16], 0, 1, "float32", 4);
  const attrs = { filterSize: [3, 3], strides: [1, 1], pad: "same" };
  // wasm kernels run synchronously: the call has finished when runKernel returns (no readback, which would cost more
  // than the kernel).
  const call = () => (tf.engine().runKernel("AvgPoolGrad", { dy, input }, attrs) as tf.Tensor).shape.length;
  for (let i = 0; i < 3; i++) tf.tidy(call);
  let calls = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  while (calls < 10 || performance.now() - start < 1000) {
    tf.tidy(call);
    calls++;
  }
  const ms = (performance.now() - start) / calls;
  const cpu = process.cpuUsage(cpuStart);
  tf.dispose([input, dy]);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 / calls };
}
let torchThreads = 0;
const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
for (let r = 0; r < reps; r++) {
  // Torch on all cores (the reference) and on one thread (our wasm backend uses one).
  const torch = torchVersion ? await torchRound(0) : [];
  const torch1 = torchVersion ? await torchRound(1) : [];
  for (const t of torch) {
    push(runs, `torch/${t.model}`, t.samplesPerSec);
    push(cpuRuns, `torch/${t.model}`, t.samplesPerCpuSec);
    torchThreads = t.threads;
  }
  for (const t of torch1) {
    push(runs, `torch-1thread/${t.model}`, t.samplesPerSec);
    push(cpuRuns, `torch-1thread/${t.model}`, t.samplesPerCpuSec);
  }
  for (const backend of fastBackends) {
    await tf.setBackend(backend);
    const compare = backend === "wasm" && stockKernels.length > 0;
    if (compare && stockKernels.includes("AvgPoolGrad")) {
      const [ours, stock] = inTurn(r, timeAvgPoolGrad, () => withStockKernels(["AvgPoolGrad"], timeAvgPoolGrad));
      avgPoolGradTimes.ours.push(ours);
      avgPoolGradTimes.stock.push(stock);
      console.log(
        `round ${r + 1}/${reps} AvgPoolGrad [${batch},28,28,16] 3x3 s1 same, per call: ours ${ours.ms.toFixed(2)} ms ` +
          `(${ours.cpuMs.toFixed(2)} CPU-ms), stock ${stock.ms.toFixed(2)} ms (${stock.cpuMs.toFixed(2)} CPU-ms)`,
      );
    }
    for (const name of modelNames) {
      const train = (): Measurement => measureModel(name, seconds, 3, 3, Infinity, batch);
      let m: Measurement;
      if (compare) {
        const [ours, stock] = inTurn(r, train, () => withStockKernels(stockKernels, train));
        m = ours;
        push(runs, `wasm-stock/${name}`, stock.samplesPerSec);
        push(cpuRuns, `wasm-stock/${name}`, stock.samplesPerCpuSec);
        push(stockRatios, `wasm/${name}`, ours.samplesPerSec / stock.samplesPerSec);
        push(stockCpuRatios, `wasm/${name}`, ours.samplesPerCpuSec / stock.samplesPerCpuSec);
        console.log(
          `round ${r + 1}/${reps} wasm-stock ${name} (stock ${stockKernels.join(",")}): ${stock.samplesPerSec.toFixed(0)} samples/s, ` +
            `ours / stock ${(ours.samplesPerSec / stock.samplesPerSec).toFixed(3)}, per CPU-second ${(ours.samplesPerCpuSec / stock.samplesPerCpuSec).toFixed(3)}`,
        );
      } else {
        m = train();
      }
      flopsOf.set(name, m.flopsPerSample);
      push(runs, `${backend}/${name}`, m.samplesPerSec);
      push(cpuRuns, `${backend}/${name}`, m.samplesPerCpuSec);
      const peer = torch.find((t) => t.model === name);
      if (peer) push(ratios, `${backend}/${name}`, m.samplesPerSec / peer.samplesPerSec);
      const peer1 = torch1.find((t) => t.model === name);
      if (peer1) push(ratios1, `${backend}/${name}`, m.samplesPerSec / peer1.samplesPerSec);
      console.log(
        `round ${r + 1}/${reps} ${backend} ${name}: ${m.samplesPerSec.toFixed(0)} samples/s` +
          (peer ? ` (torch ${peer.samplesPerSec.toFixed(0)}, ratio ${(m.samplesPerSec / peer.samplesPerSec).toFixed(3)})` : "") +
          (peer1 ? ` (torch 1 thread ${peer1.samplesPerSec.toFixed(0)})` : ""),
      );
    }
  }
}
if (backends.includes("cpu")) {
  // 'cpu' takes tens of seconds per convnet step at batch 128 (minutes on a loaded machine), so the
  // convnets run at batch 16 there (throughput per sample barely depends on batch on 'cpu'): one warm-up
  // step, then one or two timed steps.
  await tf.setBackend("cpu");
  for (const name of modelNames) {
    const cpuBatch = name === "mlp" ? batch : Math.min(batch, 16);
    const m = name === "mlp" ? measureModel(name, 0, 1, 3, 3, batch) : measureModel(name, 0, 1, 2, 2, cpuBatch);
    flopsOf.set(name, m.flopsPerSample);
    push(runs, `cpu/${name}`, m.samplesPerSec);
    push(cpuRuns, `cpu/${name}`, m.samplesPerCpuSec);
    batchOf.set(`cpu/${name}`, cpuBatch);
    const torchMedian = runs.get(`torch/${name}`);
    if (torchMedian) push(ratios, `cpu/${name}`, m.samplesPerSec / median(torchMedian));
    const torch1Median = runs.get(`torch-1thread/${name}`);
    if (torch1Median) push(ratios1, `cpu/${name}`, m.samplesPerSec / median(torch1Median));
    console.log(`cpu ${name}: ${m.samplesPerSec.toFixed(1)} samples/s over ${m.steps} step(s) of batch ${cpuBatch}`);
  }
}

const results = [...runs.entries()].map(([key, values]) => {
  const [backend, model] = key.split("/") as [string, ModelName];
  const sps = median(values);
  const flops = flopsOf.get(model) ?? 0;
  const ratio = ratios.get(key);
  return {
    backend, model, batch: batchOf.get(key) ?? batch,
    samplesPerSec: round(sps),
    gflops: flops > 0 ? round((sps * flops) / 1e9) : null,
    ratioToTorch: backend === "torch" ? 1 : ratio ? round(median(ratio)) : null,
    ratioToTorch1Thread: ratios1.get(key) ? round(median(ratios1.get(key) as number[])) : null,
    rounds: values.map((v) => round(v)),
    samplesPerCpuSec: cpuRuns.get(key) ? round(median(cpuRuns.get(key) as number[])) : null,
    // wasm registered beside another chosen backend (no initBackend for it) runs on one thread.
    threads: backend === "torch" ? torchThreads : backend.startsWith("wasm") && info.name === "wasm" ? info.threads : 1,
    ...(stockRatios.has(key) ? {
      ratioToStock: round(median(stockRatios.get(key)!)), stockRounds: stockRatios.get(key)!.map((v) => round(v)),
      cpuRatioToStock: round(median(stockCpuRatios.get(key)!)), stockCpuRounds: stockCpuRatios.get(key)!.map((v) => round(v)),
    } : {}),
  };
});
for (const r of results) {
  console.log(
    `${r.backend.padEnd(10)} ${r.model.padEnd(8)} ${String(r.samplesPerSec).padStart(8)} samples/s ` +
      `${String(r.gflops ?? "-").padStart(7)} GFLOP/s  ratioToTorch ${r.ratioToTorch ?? "n/a"}` +
      (r.ratioToTorch1Thread !== null ? `  (vs torch 1 thread: ${r.ratioToTorch1Thread})` : "") +
      `  ${r.samplesPerCpuSec ?? "-"} samples per CPU-second` +
      (r.ratioToStock !== undefined
        ? `\n  ours / stock ${stockKernels.join(",")}: ${r.ratioToStock} (rounds ${r.stockRounds!.join(", ")}), ` +
          `per CPU-second ${r.cpuRatioToStock} (rounds ${r.stockCpuRounds!.join(", ")})`
        : ""),
  );
}
const { ours: oursTimes, stock: stockTimes } = avgPoolGradTimes;
const kernelTimes = oursTimes.length === 0 ? undefined : {
  shape: [batch, 28, 28, 16], window: 3, stride: 1, pad: "same",
  oursMs: round(median(oursTimes.map((t) => t.ms))), stockMs: round(median(stockTimes.map((t) => t.ms))),
  oursCpuMs: round(median(oursTimes.map((t) => t.cpuMs))), stockCpuMs: round(median(stockTimes.map((t) => t.cpuMs))),
  stockOverOurs: round(median(stockTimes.map((s, i) => s.ms / oursTimes[i]!.ms))),
  stockOverOursCpu: round(median(stockTimes.map((s, i) => s.cpuMs / oursTimes[i]!.cpuMs))),
  rounds: oursTimes.map((o, i) => ({ ours: o, stock: stockTimes[i]! })),
};
if (kernelTimes) {
  console.log(
    `AvgPoolGrad alone, per call: ours ${kernelTimes.oursMs} ms (${kernelTimes.oursCpuMs} CPU-ms), stock ${kernelTimes.stockMs} ms ` +
      `(${kernelTimes.stockCpuMs} CPU-ms); stock / ours ${kernelTimes.stockOverOurs} wall, ${kernelTimes.stockOverOursCpu} CPU`,
  );
}
console.log(JSON.stringify({
  bench: "train",
  backend: info,
  torch: torchVersion ? { version: torchVersion, threads: torchThreads } : { absent: true },
  reps, seconds, results,
  ...(stockKernels.length > 0 ? { stock: stockKernels } : {}),
  ...(kernelTimes ? { avgPoolGrad: kernelTimes } : {}),
}));
