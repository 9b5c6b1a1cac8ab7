/**
 * Trainable parameters kept as plain Float32Arrays between steps, turned into tensors only inside a computation.
 * A strategy therefore holds no tensors between ask/tell calls: nothing to dispose when a search ends, and
 * `tf.memory().numTensors` is back to its baseline after every step. Updates use Adam (Kingma & Ba 2015) in JS.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../rng.js";
import { adamUpdate } from "./adam.js";

export class ParamSet {
  readonly names: string[] = [];
  readonly shapes: number[][] = [];
  readonly values: Float32Array[] = [];
  private m: Float32Array[] = [];
  private v: Float32Array[] = [];
  private step = 0;
  private readonly index = new Map<string, number>();

  /** Adds a parameter initialised uniformly in [-scale, scale] from `rng` (Zoph & Le: 0.08), or to `fill`. */
  add(name: string, shape: number[], rng: Rng, scale: number, fill?: number): void {
    if (this.index.has(name)) throw new Error(`ParamSet: parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = fill ?? (rng.float() * 2 - 1) * scale;
    this.index.set(name, this.names.length);
    this.names.push(name);
    this.shapes.push(shape);
    this.values.push(values);
    this.m.push(new Float32Array(size));
    this.v.push(new Float32Array(size));
  }

  /** Position of a parameter in `tensors()`. */
  at(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`ParamSet: no parameter ${name}`);
    return i;
  }

  /** Fresh tensors of the current values (call inside tf.tidy). */
  tensors(): tf.Tensor[] {
    return this.values.map((v, i) => tf.tensor(v, this.shapes[i]!, "float32"));
  }

  /** One Adam step with the given gradients (same order as `tensors()`), optionally clipped to a global norm. */
  applyAdam(grads: readonly Float32Array[], lr: number, clipNorm = Infinity): void {
    let norm = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) norm += g[i]! * g[i]!;
    norm = Math.sqrt(norm);
    const scale = norm > clipNorm ? clipNorm / norm : 1;
    this.step++;
    grads.forEach((g, k) => adamUpdate(this.values[k]!, g, this.m[k]!, this.v[k]!, { lr, step: this.step, gradScale: scale }));
  }
}
