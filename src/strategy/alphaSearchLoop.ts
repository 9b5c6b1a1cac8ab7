/**
 * The outer loop DARTS and GDAS share: iterate the bilevel step up to the budget, record a snapshot at the start,
 * every `recordEvery` iterations and at the end, stop at the next iteration when aborted, then derive the argmax
 * architecture and measure its sub-network with the shared weights.
 */
import type { ImageDataset } from "../data/types.js";
import { AbortError, throwIfAborted } from "../errors.js";
import type { Supernet } from "../model/supernet.js";
import type { WeightSharingResult, WeightSharingRunOptions } from "../model/supernetSearch.js";
import { supernetAccuracy } from "../model/supernetTraining.js";
import { yieldToEventLoop } from "../eventLoop.js";
import type { StrategySnapshot } from "./types.js";

export interface AlphaSearchLoop {
  /** Names the search in errors ("darts", "gdas"). */
  name: string;
  steps: number;
  recordEvery: number;
  /** Iterations done so far. */
  step(): number;
  /** One iteration (advancing step()); returns the weight step's training loss. */
  iterate(): number;
  /** Records (and returns) a snapshot of the current alphas. */
  record(): StrategySnapshot;
}

/** Runs `loop` over `net` and returns the search result; see the module comment. */
export async function runAlphaSearch<A>(net: Supernet<A>, val: ImageDataset, loop: AlphaSearchLoop, runOpts: WeightSharingRunOptions, snapshots: StrategySnapshot[]): Promise<WeightSharingResult<A>> {
  const t0 = performance.now();
  let stoppedEarly: string | undefined;
  const record = () => runOpts.onSnapshot?.(loop.record());
  record();
  try {
    while (loop.step() < loop.steps) {
      const loss = loop.iterate();
      const step = loop.step();
      if (!Number.isFinite(loss)) throw new Error(`${loop.name}: the training loss is ${loss} at step ${step}; lower the weight learning rate`);
      if (step % loop.recordEvery === 0 || step === loop.steps) record();
      await yieldToEventLoop();
      throwIfAborted(runOpts.signal);
    }
  } catch (e) {
    if (!(e instanceof AbortError)) throw e;
    stoppedEarly = "aborted";
  }
  const derived = net.derive();
  const supernetAcc = supernetAccuracy(net, val, () => ({ kind: "path", arch: derived }));
  return { derived, proposals: [{ arch: derived, supernetAcc }], seconds: (performance.now() - t0) / 1000, steps: loop.step(), stoppedEarly, snapshots };
}
