/**
 * `exportModel`: the trained network of a found architecture, as files you can ship — tfjs model files, ONNX, or
 * PyTorch source plus weights — each checked by running it beside the tfjs model on the same inputs (tfjs reloaded
 * from the files, onnxruntime-node, PyTorch in Python) with a maximum absolute difference of at most `tolerance`.
 *
 * The weights are those of the best epoch, the ones the trial's fitness came from: a trial (or an architecture and
 * seed) is trained again by its train evaluator from the trial's seed, which on the same backend reproduces the
 * trial's run exactly; the retrained validation accuracy is compared with the trial's and a difference is an error.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { NasbookError } from "../errors.js";
import type { TrainEvaluator } from "../estimate/train.js";
import type { EvalBudget } from "../estimate/types.js";
import type { BuiltModel } from "../model/types.js";
import { Rng } from "../rng.js";
import { exportGraph } from "./exportGraph.js";
import { toOnnx } from "./onnx.js";
import { runOnnx } from "./onnxCheck.js";
import { toPytorch } from "./pytorch.js";
import { runPytorch } from "./pytorchCheck.js";
import { toTfjsFiles } from "./tfjsFiles.js";

export const EXPORT_FORMATS = ["tfjs", "onnx", "pytorch"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The export disagrees with the tfjs model, or the retrained model with the trial it should reproduce. */
export class ExportCheckError extends NasbookError {}

/** A trial as exportModel needs it (a search's `Trial` fits). */
export interface ExportableTrial<A> {
  arch: A;
  archString: string;
  seed: number;
  result: { metrics: Record<string, number> };
}

export interface ExportModelOptions<A> {
  /** One format or several. */
  format: ExportFormat | readonly ExportFormat[];
  /** Directory the files go to (created). */
  dir: string;
  /** Trains the trial or architecture (not needed when a trained model is given). */
  evaluator?: TrainEvaluator<A>;
  /** Seed of an architecture's training (a trial's own seed is used for a trial). Default 0. */
  seed?: number;
  /** The evaluation budget the search used (its `evalBudget`), so retraining matches the trial. */
  budget?: EvalBudget;
  /** Run each export beside the tfjs model and compare (default true). */
  check?: boolean;
  /** Largest absolute output difference the check accepts (default 1e-4). */
  tolerance?: number;
  /** Images in the check batch (default 4). */
  checkBatch?: number;
  /** File name stem (default "model"). */
  name?: string;
  signal?: AbortSignal;
}

export interface ExportCheck {
  format: ExportFormat;
  runtime: string;
  maxAbsDiff: number;
  batch: number;
}

export interface ExportReport {
  files: string[];
  checks: ExportCheck[];
  /** When the model was trained here: its metrics, and (for a trial) whether they equal the trial's. */
  trained?: { metrics: Record<string, number>; expectedValAcc?: number; reproduced?: boolean };
}

type Source<A> = tf.LayersModel | BuiltModel | ExportableTrial<A> | A;

const isLayersModel = (x: unknown): x is tf.LayersModel => x instanceof tf.LayersModel;
const isBuilt = (x: unknown): x is BuiltModel => !!x && typeof x === "object" && (x as BuiltModel).model instanceof tf.LayersModel;
const isTrial = <A>(x: unknown): x is ExportableTrial<A> =>
  !!x && typeof x === "object" && "archString" in x && "seed" in x && "arch" in x && "result" in x;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(d) ? Infinity : d;
}

/** Exports a trained model, or trains a trial / an architecture and exports it; see the file comment. */
export async function exportModel<A>(source: Source<A>, options: ExportModelOptions<A>): Promise<ExportReport> {
  const formats = [...new Set(typeof options.format === "string" ? [options.format] : options.format)];
  if (formats.length === 0) throw new NasbookError(`exportModel needs a format (${EXPORT_FORMATS.join(", ")})`);
  for (const f of formats) if (!EXPORT_FORMATS.includes(f)) throw new NasbookError(`unknown export format "${f}" (formats: ${EXPORT_FORMATS.join(", ")})`);
  const tolerance = options.tolerance ?? 1e-4;
  const stem = options.name ?? "model";
  let model: tf.LayersModel;
  let owned = false;
  let trained: ExportReport["trained"];
  if (isLayersModel(source)) model = source;
  else if (isBuilt(source)) model = source.model;
  else {
    if (!options.evaluator || typeof options.evaluator.trainModel !== "function") {
      throw new NasbookError("exportModel of a trial or an architecture needs evaluator: the train evaluator that trained it (trainEvaluator(...)), to train it again from its seed");
    }
    const trial = isTrial<A>(source) ? source : undefined;
    const arch = trial ? trial.arch : (source as A);
    const { built, result } = await options.evaluator.trainModel(arch, { seed: trial?.seed ?? options.seed ?? 0, budget: options.budget, signal: options.signal });
    model = built.model;
    owned = true;
    const expected = trial?.result.metrics.val_acc;
    trained = { metrics: result.metrics, expectedValAcc: expected, reproduced: expected === undefined ? undefined : expected === result.metrics.val_acc };
    if (trained.reproduced === false) {
      model.dispose();
      throw new ExportCheckError(
        `retraining ${trial!.archString} (seed ${trial!.seed}) gave val_acc ${result.metrics.val_acc}, but the trial reported ${expected}: ` +
          "the weights would not be the ones its fitness came from. Use the same backend (NASBOOK_BACKEND) and the search's evalBudget (budget option) as the search did",
      );
    }
  }
  try {
    const dir = resolve(options.dir);
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    const checks: ExportCheck[] = [];
    const inShape = model.inputs[0]!.shape.slice(1) as number[];
    const batch = options.checkBatch ?? 4;
    const rng = new Rng("export-check");
    const x = Float32Array.from({ length: batch * inShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const xShape = [batch, ...inShape];
    const reference = tf.tidy(() => (model.predict(tf.tensor(x, xShape)) as tf.Tensor).dataSync() as Float32Array);
    const graph = formats.some((f) => f !== "tfjs") ? exportGraph(model) : undefined;
    const record = (format: ExportFormat, runtime: string, got: ArrayLike<number>) => {
      const c: ExportCheck = { format, runtime, maxAbsDiff: maxAbsDiff(reference, got), batch };
      checks.push(c);
      if (!(c.maxAbsDiff <= tolerance)) throw new ExportCheckError(`the ${format} export differs from the tfjs model in ${runtime}: max |difference| ${c.maxAbsDiff} > tolerance ${tolerance}`);
    };
    for (const format of formats) {
      if (format === "tfjs") {
        const t = await toTfjsFiles(model, `${stem}.weights.bin`);
        const json = join(dir, `${stem}.json`);
        writeFileSync(json, t.modelJson);
        writeFileSync(join(dir, `${stem}.weights.bin`), t.weights);
        files.push(json, join(dir, `${stem}.weights.bin`));
        if (options.check !== false) {
          const reloaded = await tf.loadLayersModel(tf.io.fromMemory(t.artifacts));
          try {
            record("tfjs", "tfjs (reloaded from the files)", tf.tidy(() => (reloaded.predict(tf.tensor(x, xShape)) as tf.Tensor).dataSync() as Float32Array));
          } finally {
            reloaded.dispose();
          }
        }
      } else if (format === "onnx") {
        const bytes = toOnnx(graph!);
        const file = join(dir, `${stem}.onnx`);
        writeFileSync(file, bytes);
        files.push(file);
        if (options.check !== false) record("onnx", "onnxruntime-node", (await runOnnx(bytes, x, xShape)).data);
      } else {
        const exp = toPytorch(graph!);
        const py = join(dir, `${stem}.py`);
        writeFileSync(py, exp.source);
        writeFileSync(join(dir, `${stem}.safetensors`), exp.weights);
        files.push(py, join(dir, `${stem}.safetensors`));
        if (options.check !== false) record("pytorch", "PyTorch", (await runPytorch(exp, x, xShape)).data);
      }
    }
    return { files, checks, trained };
  } finally {
    if (owned) model.dispose();
  }
}
