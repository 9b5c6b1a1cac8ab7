/**
 * AZ-NAS's training-free scores (Lee & Ham, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture Search",
 * CVPR 2024), computed from the untrained network's block features (the stem, then every cell and reduction block)
 * on one batch, in training mode, with no labels:
 *
 * - expressivity: for each block feature, the entropy of the normalised eigenvalues of its channel covariance
 *   (positions of all examples as observations); summed over blocks. Isotropic features score high.
 * - progressivity: the smallest increase of that entropy from one block to the next.
 * - trainability: for each block, the gradient g_in = J^T g_out it passes back for a random ±1 signal g_out at its
 *   output; with M the cross-covariance of g_in and g_out over positions (g_in space-to-depth rearranged when the
 *   block halves the resolution), the block scores 2 - s - 1/s for s = M's largest singular value (0 when s = 1,
 *   best); averaged over blocks. A block that passes the signal back unchanged (an identity cell) makes it -Infinity.
 *
 * AZ-NAS's fourth score, complexity, is the FLOP count (nb201Flops). The network is used as built (He-normal
 * initialisation, as AZ-NAS re-initialises it). Eigenvalues of a covariance below 0 are float noise and count as 0.
 */
import * as tf from "@tensorflow/tfjs";
import { scatterMatrix, symmetricEigenvalues } from "./linalg.js";
import { preservingWeights } from "./proxies.js";

export interface AzNasScores {
  expressivity: number;
  progressivity: number;
  trainability: number;
}

/** Entropy of the normalised eigenvalues of the channel covariance of a feature map given as [rows, channels]. */
export function covarianceEntropy(feat: ArrayLike<number>, rows: number, channels: number): number {
  const cov = scatterMatrix(feat, rows, channels).map((v) => v / rows);
  const s = symmetricEigenvalues(cov, channels).map((v) => Math.max(0, v));
  const total = s.reduce((t, v) => t + v, 0);
  if (!(total > 0)) return 0; // an all-constant feature carries no information
  return s.reduce((h, v) => h - (v / total) * Math.log(v / total + 1e-8), 0);
}

/** The largest singular value of an r x c matrix (row-major), from the eigenvalues of its smaller Gram matrix. */
export function largestSingularValue(m: ArrayLike<number>, rows: number, cols: number): number {
  const k = Math.min(rows, cols);
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      if (rows <= cols) for (let t = 0; t < cols; t++) s += m[i * cols + t]! * m[j * cols + t]!;
      else for (let t = 0; t < rows; t++) s += m[t * cols + i]! * m[t * cols + j]!;
      gram[i * k + j] = s;
      gram[j * k + i] = s;
    }
  }
  const top = symmetricEigenvalues(gram, k)[k - 1]!;
  return Math.sqrt(Math.max(0, top));
}

/**
 * Runs the layers between two points of a model's graph: the value of `from` is given, and every layer whose inputs
 * are known is applied in the model's (topological) order until `to` is computed. Layers upstream of `from` are
 * skipped because their inputs are never known.
 */
function runBetween(model: tf.LayersModel, from: tf.SymbolicTensor, x: tf.Tensor, to: tf.SymbolicTensor): tf.Tensor {
  const values = new Map<number, tf.Tensor>([[from.id, x]]);
  for (const layer of model.layers) {
    if (values.has(to.id)) break;
    for (const node of layer.inboundNodes) {
      const ins = node.inputTensors.map((t) => values.get(t.id));
      if (ins.length === 0 || ins.some((v) => v === undefined)) continue;
      const out = layer.apply(ins.length === 1 ? ins[0]! : (ins as tf.Tensor[]), { training: true }) as tf.Tensor;
      values.set(node.outputTensors[0]!.id, out);
    }
  }
  const y = values.get(to.id);
  if (!y) throw new RangeError(`azNas: block output ${to.name} is not computed from ${from.name} in the model's graph`);
  return y;
}

async function scalarOf(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

/** [n, h, w, c] -> [n, h/s, w/s, c*s*s] (the channel order does not change singular values). */
function spaceToDepth(t: tf.Tensor4D, s: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  return t.reshape([n, h / s, s, w / s, s, c]).transpose([0, 1, 3, 2, 4, 5]).reshape([n, h / s, w / s, c * s * s]);
}

/** AZ-NAS's expressivity, progressivity and trainability of a model whose block outputs are `blocks`, on batch `x`. */
export async function azNasScores(model: tf.LayersModel, blocks: readonly tf.SymbolicTensor[], x: tf.Tensor, seed: number): Promise<AzNasScores> {
  if (blocks.length < 2) throw new RangeError(`azNas: needs at least 2 block outputs, got ${blocks.length}`);
  const probe = tf.model({ inputs: model.inputs, outputs: blocks.slice() });
  return preservingWeights(model, async () => {
    const feats = tf.tidy(() => probe.apply(x, { training: true }) as tf.Tensor[]);
    try {
      const entropies: number[] = [];
      for (const f of feats) {
        const c = f.shape[3]!;
        entropies.push(covarianceEntropy(await f.data(), f.size / c, c));
      }
      let progressivity = Infinity;
      for (let i = 1; i < entropies.length; i++) progressivity = Math.min(progressivity, entropies[i]! - entropies[i - 1]!);
      const scores: number[] = [];
      for (let i = blocks.length - 1; i >= 1; i--) {
        const fin = feats[i - 1]! as tf.Tensor4D;
        const gOut = tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greater(tf.randomUniform(feats[i]!.shape, 0, 1, "float32", seed * 1000 + i), 0.5), "float32"), 2), 1));
        const gIn = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(runBetween(model, blocks[i - 1]!, v, blocks[i]!), gOut)))(fin)) as tf.Tensor4D;
        try {
          if (gIn.shape.every((d, k) => d === gOut.shape[k]) && (await scalarOf(tf.tidy(() => tf.all(tf.equal(gIn, gOut))))) === 1) {
            scores.push(-Infinity); // the block passes its gradient through unchanged
            continue;
          }
          const [n, ho, wo, co] = gOut.shape as [number, number, number, number];
          const m = tf.tidy(() => {
            const g = gIn.shape[1] === ho ? gIn : spaceToDepth(gIn, gIn.shape[1] / ho);
            const ci = g.shape[3];
            return tf.div(tf.matMul(g.reshape([-1, ci]), gOut.reshape([-1, co]), true, false), n * ho * wo);
          });
          const sigma = largestSingularValue(await m.data(), m.shape[0]!, m.shape[1]!);
          m.dispose();
          scores.push(-sigma - 1 / (sigma + 1e-6) + 2);
        } finally {
          tf.dispose([gIn, gOut]);
        }
      }
      const expressivity = entropies.reduce((s, e) => s + e, 0);
      const trainability = scores.reduce((s, v) => s + v, 0) / scores.length;
      return { expressivity, progressivity, trainability };
    } finally {
      tf.dispose(feats);
    }
  });
}
