/**
 * The controller's loss written in tfjs, for checking the hand-written backward pass against tfjs autodiff on the
 * 'cpu' backend. It reads the controller's parameters by name and must compute the same function (see
 * src/strategy/controller.ts for the model); it supports the options the tests use (no clip, temperature 1, or a
 * clip).
 */
import * as tf from "@tensorflow/tfjs";
import type { LstmController } from "../../src/strategy/controller.js";

/** Loss -mean(adv * log p) - ew * mean(entropy) and its gradient per parameter, by tfjs autodiff on 'cpu'. */
export async function tfjsReferenceGradients(
  c: LstmController,
  batch: number[][],
  adv: number[],
  ew: number,
  opts: { logitClip?: number; temperature?: number } = {},
): Promise<{ loss: number; grads: Float32Array[] }> {
  await tf.setBackend("cpu");
  const H = c.hidden;
  const names = c.params.names;
  const decisions = c.decisions;
  const clipC = opts.logitClip ?? 0;
  const temp = opts.temperature ?? 1;
  return tf.tidy(() => {
    const f = (...P: tf.Tensor[]) => {
      const get = (name: string) => P[names.indexOf(name)]!;
      const B = batch.length;
      let h = tf.zeros([B, H]) as tf.Tensor2D;
      let cell = tf.zeros([B, H]) as tf.Tensor2D;
      let input = tf.tile(get("start"), [B, 1]) as tf.Tensor2D;
      const lstm = (x: tf.Tensor2D) => {
        const z = tf.add(tf.matMul(tf.concat([x, h], 1), get("lstm_kernel") as tf.Tensor2D), get("lstm_bias"));
        const [i, fg, g, o] = tf.split(z, 4, 1) as tf.Tensor2D[];
        cell = tf.add(tf.mul(tf.sigmoid(fg!), cell), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
        h = tf.mul(tf.sigmoid(o!), tf.tanh(cell)) as tf.Tensor2D;
      };
      const squash = (l: tf.Tensor2D): tf.Tensor2D => {
        let x = l;
        if (clipC > 0) x = tf.mul(tf.tanh(x), clipC);
        return temp === 1 ? x : tf.div(x, temp);
      };
      let logProb = tf.zeros([B]) as tf.Tensor1D;
      let entropy = tf.zeros([B]) as tf.Tensor1D;
      const stateAtLayerEnd = new Map<number, tf.Tensor2D>();
      // Group anchors of one layer into one step, as the controller does.
      let k = 0;
      while (k < decisions.length) {
        const d = decisions[k]!;
        const lastStep = (() => {
          let j = k;
          if (d.kind === "anchor") while (j + 1 < decisions.length && decisions[j + 1]!.kind === "anchor" && (decisions[j + 1] as { layer: number }).layer === d.layer) j++;
          return j === decisions.length - 1;
        })();
        if (d.kind === "categorical") {
          lstm(input);
          const logits = squash(tf.add(tf.matMul(h, get(`head${k}_w`) as tf.Tensor2D), get(`head${k}_b`)));
          const logp = tf.logSoftmax(logits) as tf.Tensor2D;
          const probs = tf.exp(logp);
          const actions = batch.map((ch) => ch[k]!);
          const mask = tf.oneHot(tf.tensor1d(actions, "int32"), d.choices.length);
          logProb = tf.add(logProb, tf.sum(tf.mul(mask, logp), 1));
          entropy = tf.sub(entropy, tf.sum(tf.mul(probs, logp), 1));
          if (!lastStep) input = tf.gather(get(`embed${k}`), tf.tensor1d(actions, "int32")) as tf.Tensor2D;
          k++;
          continue;
        }
        stateAtLayerEnd.set(d.layer - 1, h);
        lstm(input);
        const curr = tf.matMul(h, get("anchor_curr") as tf.Tensor2D);
        let count = tf.zeros([B, 1]) as tf.Tensor2D;
        let sum = tf.zeros([B, H]) as tf.Tensor2D;
        while (k < decisions.length && decisions[k]!.kind === "anchor" && (decisions[k] as { layer: number }).layer === d.layer) {
          const a = decisions[k] as { from: number };
          const prev = stateAtLayerEnd.get(a.from) ?? tf.zerosLike(h);
          const logit = squash(tf.matMul(tf.tanh(tf.add(tf.matMul(prev, get("anchor_prev") as tf.Tensor2D), curr)), get("anchor_v") as tf.Tensor2D) as tf.Tensor2D);
          const logYes = tf.neg(tf.softplus(tf.neg(logit)));
          const logNo = tf.neg(tf.softplus(logit));
          const logp = tf.concat([logNo, logYes], 1);
          const probs = tf.exp(logp);
          const act = tf.tensor2d(batch.map((ch) => ch[k]!), [B, 1]);
          logProb = tf.add(logProb, tf.squeeze(tf.add(tf.mul(act, logYes), tf.mul(tf.sub(1, act), logNo)), [1]));
          entropy = tf.sub(entropy, tf.sum(tf.mul(probs, logp), 1));
          sum = tf.add(sum, tf.mul(act, prev)) as tf.Tensor2D;
          count = tf.add(count, act) as tf.Tensor2D;
          k++;
        }
        input = tf.div(sum, tf.maximum(count, 1)) as tf.Tensor2D;
      }
      const advT = tf.tensor1d(adv);
      return tf.sub(tf.neg(tf.mean(tf.mul(advT, logProb))), tf.mul(ew, tf.mean(entropy))) as tf.Scalar;
    };
    const P = c.params.values.map((v, i) => tf.tensor(v, c.params.shapes[i]!, "float32"));
    const { value, grads } = tf.valueAndGrads(f)(P);
    return { loss: value.dataSync()[0]!, grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  });
}
