/**
 * The classic Keras random-search example, with nasbook: MNIST, a chain of 1-3 conv layers (filters
 * {32, 64, 128}, kernel {3, 5}, each followed by 2x2 max-pooling) and 1-2 dense layers (units {64, 128, 256}),
 * 3 epochs per trial, best of N trials by validation accuracy; its test accuracy is the result.
 * Usage: npm run bench:mnist-random [-- --trials 5 --epochs 3 --seed 0 --data DIR]. Last stdout line: JSON.
 */
import { pathToFileURL } from "node:url";
import { initBackend } from "../src/backend/index.js";
import { setDataDir } from "../src/data/dir.js";
import { loadMnist, type MnistOptions } from "../src/data/mnist.js";
import { trainEvaluator } from "../src/estimate/train.js";
import type { TrainConfig } from "../src/estimate/fit.js";
import { chainModel } from "../src/model/chain.js";
import { search } from "../src/search.js";
import { chainSpace, type ChainArch, type ChainOptions } from "../src/space/chain.js";
import { randomSearch } from "../src/strategy/random.js";
import { stringFlag } from "./args.js";

export interface MnistRandomOptions {
  trials: number;
  epochs: number;
  seed: number;
  batchSize?: number;
  space?: ChainOptions;
  mnist?: MnistOptions;
  train?: Partial<TrainConfig>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface MnistRandomTrial {
  arch: string;
  valAccuracy: number;
  testAccuracy: number;
  params: number;
  seconds: number;
  /** CPU seconds this process used during the trial (wall seconds inflate on a shared machine). */
  cpuSeconds: number;
  status: "ok" | "failed";
  error?: string;
}

export interface MnistRandomReport {
  bench: "mnist-random";
  backend: string;
  data: string;
  trials: MnistRandomTrial[];
  bestArch: string | null;
  bestValAccuracy: number | null;
  bestTestAccuracy: number | null;
  seconds: number;
  cpuSeconds: number;
}

/** Random search over the Keras chain space on MNIST with the train evaluator. */
export async function mnistRandomSearch(opts: MnistRandomOptions): Promise<MnistRandomReport> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const backend = await initBackend();
  const data = await loadMnist(opts.mnist);
  log(data.note);
  const space = chainSpace(opts.space);
  const evaluator = trainEvaluator({
    data,
    build: (a: ChainArch, o) => chainModel(a, o, space),
    train: { epochs: opts.epochs, batchSize: opts.batchSize ?? 64, optimizer: "adam", learningRate: 1e-3, schedule: { kind: "cosine" }, ...opts.train },
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuNow = () => {
    const u = process.cpuUsage(cpu0);
    return (u.user + u.system) / 1e6;
  };
  let cpuBefore = 0;
  const trials: MnistRandomTrial[] = [];
  const run = search({ space, strategy: randomSearch(), evaluator, budget: { queries: opts.trials }, seed: opts.seed, signal: opts.signal, snapshotEvery: 0 });
  for await (const ev of run) {
    if (ev.type !== "trial") continue;
    const t = ev.trial;
    const m = t.result.metrics;
    const trial: MnistRandomTrial = {
      arch: t.archString,
      valAccuracy: m.val_acc ?? NaN,
      testAccuracy: m.test_acc ?? NaN,
      params: m.params ?? NaN,
      seconds: t.result.cost.seconds,
      cpuSeconds: cpuNow() - cpuBefore,
      status: t.result.status,
      ...(t.result.error ? { error: t.result.error } : {}),
    };
    cpuBefore = cpuNow();
    trials.push(trial);
    log(
      `trial ${t.index + 1}/${opts.trials}  ${trial.arch}  ` +
        (trial.status === "ok"
          ? `val ${trial.valAccuracy.toFixed(2)}%  test ${trial.testAccuracy.toFixed(2)}%  params ${trial.params}  ${trial.seconds.toFixed(1)} s (${trial.cpuSeconds.toFixed(1)} CPU s)`
          : `FAILED: ${trial.error}`),
    );
  }
  const ok = trials.filter((t) => t.status === "ok");
  // Select on validation accuracy (as Keras Tuner does); report the selected model's test accuracy.
  const best = ok.reduce<MnistRandomTrial | undefined>((b, t) => (!b || t.valAccuracy > b.valAccuracy ? t : b), undefined);
  return {
    bench: "mnist-random",
    backend: backend.name,
    data: data.note,
    trials,
    bestArch: best?.arch ?? null,
    bestValAccuracy: best?.valAccuracy ?? null,
    bestTestAccuracy: best?.testAccuracy ?? null,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuNow(),
  };
}

function arg(name: string): string | undefined {
  return stringFlag(name.replace(/^--/, ""));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  setDataDir(arg("--data"));
  const report = await mnistRandomSearch({
    trials: Number(arg("--trials") ?? 5),
    epochs: Number(arg("--epochs") ?? 3),
    seed: Number(arg("--seed") ?? 0),
  });
  console.log(
    `best (by val): ${report.bestArch}  test ${report.bestTestAccuracy?.toFixed(2)}%  backend ${report.backend}  ${report.seconds.toFixed(1)} s (${report.cpuSeconds.toFixed(1)} CPU s)`,
  );
  console.log(JSON.stringify(report));
}
