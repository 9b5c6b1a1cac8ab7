/**
 * MeCo (Jiang, Wang, Bie, "Zero-Shot Neural Architecture Search with One Data and Single Forward Pass via Minimum
 * Eigenvalue of Correlation", NeurIPS 2023): one image through the untrained network; for every layer whose output
 * is a feature map, the Pearson correlation matrix of its channels (each channel's values over the positions) and
 * that matrix's smallest eigenvalue; the score is their sum. Label-free: only one image is used.
 *
 * As in the reference code, a channel that is constant over the positions (a `none` edge, a dead ReLU) has an
 * undefined correlation, which is set to 0 (its whole row and column, diagonal included), and the network runs in
 * training mode (batch norm normalises with the statistics of this one image).
 */
import * as tf from "@tensorflow/tfjs";
import { scatterMatrix, symmetricEigenvalues } from "./linalg.js";
import { preservingWeights } from "./proxies.js";

/** Layers whose output is a feature map [n, h, w, c] with more than one position (what MeCo's hooks see). */
function featureMapLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => {
    if (l.getClassName() === "InputLayer") return false;
    const shape = l.outputShape as (number | null)[];
    return shape.length === 4 && (shape[1] ?? 1) * (shape[2] ?? 1) > 1;
  });
}

/**
 * The smallest eigenvalue of the channels' correlation matrix for one feature map, given as [positions, channels]
 * row-major (positions = h * w). Undefined correlations (a constant channel) count as 0.
 */
export function minCorrelationEigenvalue(map: ArrayLike<number>, positions: number, channels: number): number {
  const cov = scatterMatrix(map, positions, channels);
  const corr = new Float64Array(channels * channels);
  for (let a = 0; a < channels; a++) {
    for (let b = 0; b < channels; b++) {
      const d = Math.sqrt(cov[a * channels + a]! * cov[b * channels + b]!);
      corr[a * channels + b] = d > 0 ? cov[a * channels + b]! / d : 0; // 0/0 is NaN in the reference, then set to 0
    }
  }
  return symmetricEigenvalues(corr, channels)[0]!;
}

/** MeCo of a model on the first image of `x` ([n, h, w, c]); see the file comment. */
export async function meco(model: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const layers = featureMapLayers(model);
  if (layers.length === 0) return 0;
  // A view of the same layers whose outputs are the feature maps (shares the weights: never dispose it).
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  // Training-mode batch norm moves the moving statistics: put them back afterwards.
  return preservingWeights(model, async () => {
    const maps = tf.tidy(() => {
      const one = x.slice([0, 0, 0, 0], [1, -1, -1, -1]);
      const out = probe.apply(one, { training: true }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
    try {
      let score = 0;
      for (const m of maps) {
        const [, h, w, c] = m.shape as [number, number, number, number];
        score += minCorrelationEigenvalue(await m.data(), h * w, c);
      }
      return score;
    } finally {
      tf.dispose(maps);
    }
  });
}
