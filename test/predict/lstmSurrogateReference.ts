/**
 * The PNAS surrogate's training loss written in tfjs (left-padded batch, masked steps: the form the surrogate had
 * when it ran on tfjs), for checking the plain-JS backward pass against tfjs autodiff on the 'cpu' backend.
 */
import * as tf from "@tensorflow/tfjs";
import type { ParamSet } from "../../src/predict/paramSet.js";

export async function tfjsSurrogateGradients(
  params: ParamSet,
  vocabulary: number,
  seqs: number[][],
  z: number[],
  opts: { hidden: number; weightDecay: number; loss: "l1" | "l2" },
): Promise<{ loss: number; grads: Float32Array[] }> {
  await tf.setBackend("cpu");
  const H = opts.hidden;
  const len = Math.max(...seqs.map((s) => s.length));
  const n = seqs.length;
  return tf.tidy(() => {
    const f = (...P: tf.Tensor[]) => {
      const [embed, kernel, bias, outW, outB] = ["embed", "kernel", "bias", "out_w", "out_b"].map((name) => P[params.at(name)]!);
      let h = tf.zeros([n, H]) as tf.Tensor2D;
      let c = tf.zeros([n, H]) as tf.Tensor2D;
      for (let t = 0; t < len; t++) {
        const ids = seqs.map((s) => (t - (len - s.length) >= 0 ? s[t - (len - s.length)]! : vocabulary));
        const x = tf.gather(embed!, tf.tensor1d(ids, "int32")) as tf.Tensor2D;
        const zz = tf.add(tf.matMul(tf.concat([x, h], 1), kernel as tf.Tensor2D), bias!);
        const [i, fg, g, o] = tf.split(zz, 4, 1);
        const cNew = tf.add(tf.mul(tf.sigmoid(fg!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
        const hNew = tf.mul(tf.sigmoid(o!), tf.tanh(cNew)) as tf.Tensor2D;
        const real = tf.tensor2d(ids.map((id) => (id === vocabulary ? 0 : 1)), [n, 1]);
        c = tf.add(tf.mul(real, cNew), tf.mul(tf.sub(1, real), c)) as tf.Tensor2D;
        h = tf.add(tf.mul(real, hNew), tf.mul(tf.sub(1, real), h)) as tf.Tensor2D;
      }
      const pred = tf.reshape(tf.add(tf.matMul(h, outW as tf.Tensor2D), outB!), [n]);
      const err = tf.sub(pred, tf.tensor1d(z));
      const fit = tf.mean(opts.loss === "l1" ? tf.abs(err) : tf.square(err));
      const l2 = tf.addN(P.map((w) => tf.sum(tf.square(w))));
      return tf.add(fit, tf.mul(opts.weightDecay, l2)) as tf.Scalar;
    };
    const P = params.tensors();
    const { value, grads } = tf.valueAndGrads(f)(P);
    return { loss: value.dataSync()[0]!, grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  });
}
