/**
 * An evaluator that scores architectures by a zero-cost proxy computed on the untrained network and one
 * seeded minibatch of the training split (no training). Objective `score`; the network's params and FLOPs
 * are reported too.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/index.js";
import { batchOf } from "../data/batches.js";
import { normalizeSplits } from "../data/split.js";
import { syntheticSplits } from "../data/synthetic.js";
import type { DataSplits } from "../data/types.js";
import { AbortError, throwIfAborted } from "../errors.js";
import type { BuiltModel } from "../model/types.js";
import { Rng } from "../rng.js";
import { PROXIES, PROXY_NAMES, type ProxyName } from "./proxies.js";
import type { DataRecipe } from "../data/recipe.js";
import { builderFingerprint, dataFingerprint } from "./fingerprint.js";
import { trainRecipe, type ModelBuilder } from "./train.js";
import { failedResult, type EvaluateOptions, type Evaluator, type TrialResult } from "./types.js";

export interface ProxyEvaluatorOptions<A> {
  proxy: ProxyName;
  build: ModelBuilder<A>;
  /** Task whose training split provides the minibatch (default: the synthetic task). */
  data?: DataSplits | (() => Promise<DataSplits>);
  /** Minibatch size (default 64, as NASLib uses). */
  batchSize?: number;
  /** "auto" (default) selects nasbook's backend with initBackend(); "current" keeps the active one. */
  backend?: "auto" | "current";
  /** Names the model builder in the trial store's key when `build` is not made by modelBuilder(). */
  buildId?: string;
  /** Describes `data` as a recipe (so workers can load it). */
  dataRecipe?: DataRecipe;
}

/** Scores each architecture by `proxy` at initialisation (seeded weights and minibatch). */
export function proxyEvaluator<A>(opts: ProxyEvaluatorOptions<A>): Evaluator<A> {
  if (!PROXY_NAMES.includes(opts.proxy)) throw new RangeError(`unknown proxy "${String(opts.proxy)}" (proxies: ${PROXY_NAMES.join(", ")})`);
  let splits: Promise<DataSplits> | undefined;
  const getData = () =>
    (splits ??= (async () => {
      if (opts.backend !== "current") await initBackend();
      const raw = opts.data === undefined ? syntheticSplits() : typeof opts.data === "function" ? await opts.data() : opts.data;
      return normalizeSplits(raw);
    })());
  return {
    name: `proxy:${opts.proxy}`,
    objective: "score",
    async fingerprint() {
      const data = await getData();
      return {
        kind: "proxy", proxy: opts.proxy, batchSize: opts.batchSize ?? 64,
        build: builderFingerprint(opts.build, opts.buildId, `proxyEvaluator "${opts.proxy}"`), data: dataFingerprint(data), backend: tf.getBackend(),
      };
    },
    recipe: trainRecipe("proxy", opts, { proxy: opts.proxy, batchSize: opts.batchSize, backend: opts.backend }),
    async evaluate(arch: A, e: EvaluateOptions): Promise<TrialResult> {
      const t0 = performance.now();
      let built: BuiltModel | undefined;
      let batch: ReturnType<typeof batchOf> | undefined;
      try {
        throwIfAborted(e.signal);
        const data = await getData();
        built = opts.build(arch, { inputShape: data.train.shape, numClasses: data.train.numClasses, seed: e.seed });
        const n = data.train.labels.length;
        batch = batchOf(data.train, new Rng(`proxy-batch/${e.seed}`).sample(Array.from({ length: n }, (_, i) => i), Math.min(opts.batchSize ?? 64, n)));
        const score = await PROXIES[opts.proxy](built.model, batch);
        return {
          status: "ok",
          metrics: { score, [opts.proxy]: score, params: built.params, flops: built.flops },
          cost: { seconds: (performance.now() - t0) / 1000 },
        };
      } catch (err) {
        if (err instanceof AbortError) throw err;
        return failedResult(err, (performance.now() - t0) / 1000);
      } finally {
        if (batch) tf.dispose([batch.x, batch.y]);
        built?.model.dispose();
      }
    },
  };
}
