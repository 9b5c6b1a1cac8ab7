/**
 * SWAP (Peng et al., "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-fast NAS", ICLR 2024): the number of
 * distinct sample-wise activation patterns of the untrained network on a batch. Every ReLU unit (a position and
 * channel of a ReLU layer's output) has a pattern: which of the n examples activate it (n bits). The score counts
 * the distinct patterns over all units of all ReLU layers. Label-free. The network runs in inference mode, as in the
 * reference; the paper's "regularised" variant multiplies by a Gaussian of the parameter count with two tuned
 * constants and is not computed here.
 */
import * as tf from "@tensorflow/tfjs";
import { reluLayers } from "./proxies.js";

/** Examples per pattern chunk: a chunk's bits sum exactly in int32 and three chunks fit a float64 key (48 bits). */
const CHUNK = 16;

/** SWAP of a model on a batch `x` ([n, h, w, c], n <= 48). */
export async function swap(model: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const n = x.shape[0]!;
  if (!(n >= 1 && n <= 3 * CHUNK)) throw new RangeError(`swap: the batch must hold 1..${3 * CHUNK} examples (one pattern bit each), got ${n}`);
  const relus = reluLayers(model);
  if (relus.length === 0) return 0;
  const probe = tf.model({ inputs: model.inputs, outputs: relus.map((l) => l.output as tf.SymbolicTensor) });
  const chunks = Math.ceil(n / CHUNK);
  // Per layer and chunk: an int32 per unit whose bit i says whether example (chunk * 16 + i) activates it.
  const codes = tf.tidy(() => {
    const out = probe.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
    const acts = Array.isArray(out) ? out : [out];
    return acts.flatMap((a) => {
      const bits = tf.cast(tf.greater(a.reshape([n, -1]), 0), "int32");
      return Array.from({ length: chunks }, (_, k) => {
        const rows = Math.min(CHUNK, n - k * CHUNK);
        const weights = tf.tensor2d(Array.from({ length: rows }, (_, i) => 2 ** i), [rows, 1], "int32");
        return tf.sum(tf.mul(bits.slice([k * CHUNK, 0], [rows, -1]), weights), 0);
      });
    });
  });
  try {
    const patterns = new Set<number>();
    for (let layer = 0; layer < relus.length; layer++) {
      const parts = await Promise.all(codes.slice(layer * chunks, (layer + 1) * chunks).map((c) => c.data()));
      const units = parts[0]!.length;
      for (let u = 0; u < units; u++) {
        let key = 0;
        for (let k = 0; k < chunks; k++) key = key * 2 ** CHUNK + parts[k]![u]!;
        patterns.add(key);
      }
    }
    return patterns.size;
  } finally {
    tf.dispose(codes);
  }
}
