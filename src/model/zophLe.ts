/**
 * The network of a Zoph & Le layer string (ICLR 2017): each layer is conv(height x width, stride, filters) ->
 * BN -> ReLU over the depth-concatenation of its chosen input layers (the image if none), smaller inputs
 * zero-padded to the largest spatial size; the layers nothing consumes are concatenated the same way, then
 * global average pooling and a linear classifier.
 */
import * as tf from "@tensorflow/tfjs";
import { zophLeSpace, type ZophLeArch, type ZophLeSpace } from "../space/zophLe.js";
import { countFlops, countParams } from "./count.js";
import { LayerFactory, spatialOf } from "./layerFactory.js";
import type { BuiltModel, ModelOptions } from "./types.js";

type Sym = tf.SymbolicTensor;

/** Zero-pads (bottom/right) every tensor to the largest height and width, then concatenates along depth. */
function padConcat(f: LayerFactory, xs: Sym[]): Sym {
  const h = Math.max(...xs.map((x) => spatialOf(x)[0]));
  const w = Math.max(...xs.map((x) => spatialOf(x)[1]));
  const padded = xs.map((x) => {
    const [xh, xw] = spatialOf(x);
    return xh === h && xw === w ? x : (tf.layers.zeroPadding2d({ padding: [[0, h - xh], [0, w - xw]] }).apply(x) as Sym);
  });
  return f.concat(padded);
}

/** Builds the network of a Zoph & Le architecture, validated against `space`. */
export function zophLeModel(arch: ZophLeArch, opts: ModelOptions, space: ZophLeSpace = zophLeSpace()): BuiltModel {
  space.validate(arch);
  const f = new LayerFactory(opts.seed, opts.zeroInit);
  const input = tf.input({ shape: opts.inputShape.slice() });
  const outs: Sym[] = [];
  const consumed = new Set<number>();
  for (const l of arch.layers) {
    l.inputs.forEach((i) => consumed.add(i));
    const x = l.inputs.length === 0 ? input : padConcat(f, l.inputs.map((i) => outs[i]!));
    outs.push(f.relu(f.bn(f.conv(x, { filters: l.filters, kernel: [l.height, l.width], stride: l.stride }))));
  }
  const last = padConcat(f, outs.filter((_, i) => !consumed.has(i)));
  const logits = f.dense(f.globalAvgPool(last), opts.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: "zophLe" });
  return { model, params: countParams(model), flops: countFlops(model), inputShape: opts.inputShape, numClasses: opts.numClasses };
}
