/**
 * An export graph as an ONNX model (opset 13), written as protobuf bytes by hand (ONNX's onnx.proto field numbers):
 * the model takes images as the tfjs model does, [batch, h, w, c] float32, and returns its logits [batch, classes].
 * The batch axis is symbolic, so any batch size runs.
 */
import { version as tfjsVersion } from "@tensorflow/tfjs";
import type { ExportGraph, Pads, Prim } from "./exportGraph.js";
import { ProtoWriter } from "./protobuf.js";

export const ONNX_OPSET = 13;
const IR_VERSION = 7;
const FLOAT = 1;
const INT64 = 7;
// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

type Attr = { name: string; f: number } | { name: string; i: number } | { name: string; ints: number[] };

function attribute(a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if ("f" in a) w.float(2, a.f).int(20, ATTR_FLOAT);
  else if ("i" in a) w.int(3, a.i).int(20, ATTR_INT);
  else w.ints(8, a.ints).int(20, ATTR_INTS);
  return w;
}

function tensor(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): ProtoWriter {
  return new ProtoWriter()
    .ints(1, dims)
    .int(2, data instanceof Float32Array ? FLOAT : INT64)
    .string(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
}

function valueInfo(name: string, dims: readonly (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === "number" ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** ONNX pads are [x1_begin, x2_begin, x1_end, x2_end] over the spatial axes: [top, left, bottom, right]. */
const onnxPads = (p: Pads) => [p[0], p[1], p[2], p[3]];

/** Serialises `g` as an ONNX ModelProto. */
export function toOnnx(g: ExportGraph): Uint8Array {
  const graph = new ProtoWriter();
  const initializers: ProtoWriter[] = [];
  let n = 0;
  const node = (op: string, inputs: string[], outputs: string[], attrs: Attr[] = []) => {
    const w = new ProtoWriter();
    for (const i of inputs) w.string(1, i);
    for (const o of outputs) w.string(2, o);
    w.string(3, `${op}_${n++}`).string(4, op);
    for (const a of attrs) w.message(5, attribute(a));
    graph.message(1, w);
  };
  const constant = (base: string, dims: number[], data: Float32Array | BigInt64Array) => {
    const name = `${base}__w${initializers.length}`;
    initializers.push(tensor(name, dims, data));
    return name;
  };
  const int64 = (base: string, xs: number[]) => constant(base, [xs.length], BigInt64Array.from(xs.map(BigInt)));

  for (const p of g.prims as Prim[]) {
    switch (p.op) {
      case "nhwcToNchw":
        node("Transpose", [p.in], [p.out], [{ name: "perm", ints: [0, 3, 1, 2] }]);
        break;
      case "conv": {
        const inputs = [p.in, constant(p.out, p.shape, p.weight)];
        if (p.bias) inputs.push(constant(p.out, [p.bias.length], p.bias));
        node("Conv", inputs, [p.out], [
          { name: "kernel_shape", ints: [p.shape[2], p.shape[3]] }, { name: "strides", ints: p.stride }, { name: "dilations", ints: p.dilation },
          { name: "pads", ints: onnxPads(p.pads) }, { name: "group", i: p.groups },
        ]);
        break;
      }
      case "batchNorm": {
        const c = [p.scale.length];
        node("BatchNormalization", [p.in, constant(p.out, c, p.scale), constant(p.out, c, p.bias), constant(p.out, c, p.mean), constant(p.out, c, p.variance)], [p.out], [{ name: "epsilon", f: p.epsilon }]);
        break;
      }
      case "relu":
        node("Relu", [p.in], [p.out]);
        break;
      case "avgPool":
        // TensorFlow's "same" average excludes the padding from the count.
        node("AveragePool", [p.in], [p.out], [{ name: "kernel_shape", ints: p.kernel }, { name: "strides", ints: p.stride }, { name: "pads", ints: onnxPads(p.pads) }, { name: "count_include_pad", i: 0 }]);
        break;
      case "maxPool":
        node("MaxPool", [p.in], [p.out], [{ name: "kernel_shape", ints: p.kernel }, { name: "strides", ints: p.stride }, { name: "pads", ints: onnxPads(p.pads) }]);
        break;
      case "add":
        node(p.ins.length === 1 ? "Identity" : "Sum", p.ins, [p.out]);
        break;
      case "concat":
        node("Concat", p.ins, [p.out], [{ name: "axis", i: 1 }]);
        break;
      case "dense": {
        const w = constant(p.out, [p.inFeatures, p.outFeatures], p.weight);
        if (p.bias) node("Gemm", [p.in, w, constant(p.out, [p.outFeatures], p.bias)], [p.out]);
        else node("MatMul", [p.in, w], [p.out]);
        break;
      }
      case "globalAvgPool": {
        const pooled = `${p.out}__pooled`;
        node("GlobalAveragePool", [p.in], [pooled]);
        node("Flatten", [pooled], [p.out], [{ name: "axis", i: 1 }]);
        break;
      }
      case "flattenNhwc": {
        const nhwc = `${p.out}__nhwc`;
        node("Transpose", [p.in], [nhwc], [{ name: "perm", ints: [0, 2, 3, 1] }]);
        node("Flatten", [nhwc], [p.out], [{ name: "axis", i: 1 }]);
        break;
      }
      case "crop": {
        const [t, l, b, r] = p.pads;
        const end = (x: number) => (x === 0 ? 2 ** 31 - 1 : -x);
        node("Slice", [p.in, int64(p.out, [t, l]), int64(p.out, [end(b), end(r)]), int64(p.out, [2, 3])], [p.out]);
        break;
      }
      case "pad": {
        const [t, l, b, r] = p.pads;
        node("Pad", [p.in, int64(p.out, [0, 0, t, l, 0, 0, b, r])], [p.out]);
        break;
      }
      case "zerosLike": {
        const shape = `${p.out}__shape`;
        node("Shape", [p.in], [shape]);
        node("ConstantOfShape", [shape], [p.out]); // default value: float32 0
        break;
      }
    }
  }
  graph.string(2, g.name || "nasbook");
  for (const i of initializers) graph.message(5, i);
  graph.message(11, valueInfo(g.input, ["batch", ...g.inputShape]));
  graph.message(12, valueInfo(g.output, ["batch", ...g.outputShape]));
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, "nasbook")
    .string(3, `tfjs ${tfjsVersion}`)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, "").int(2, ONNX_OPSET))
    .finish();
}
