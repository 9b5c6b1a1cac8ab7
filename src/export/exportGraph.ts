/**
 * A trained tfjs layers model as a small graph of channels-first primitives (convolution, batch norm, pooling with
 * explicit pads, ...), with weights converted to the layouts ONNX and PyTorch use. Both exporters read this one
 * graph, so the translation of tfjs' layers (NHWC, "same" padding, depthwise kernels, Keras flatten order) is
 * written once. A layer with no mapping is an error naming the layer, its class and the classes that are supported.
 */
import type * as tf from "@tensorflow/tfjs";
import { NasbookError } from "../errors.js";

/** A layer (or activation) the exporters cannot translate. */
export class UnsupportedLayerError extends NasbookError {}

/** Padding [top, left, bottom, right]. */
export type Pads = [number, number, number, number];

export type Prim =
  | { op: "nhwcToNchw"; in: string; out: string }
  | { op: "conv"; in: string; out: string; weight: Float32Array; shape: [number, number, number, number]; bias?: Float32Array; stride: [number, number]; dilation: [number, number]; pads: Pads; groups: number }
  | { op: "batchNorm"; in: string; out: string; scale: Float32Array; bias: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number }
  | { op: "relu"; in: string; out: string }
  | { op: "avgPool" | "maxPool"; in: string; out: string; kernel: [number, number]; stride: [number, number]; pads: Pads }
  | { op: "add"; ins: string[]; out: string }
  | { op: "concat"; ins: string[]; out: string }
  | { op: "dense"; in: string; out: string; weight: Float32Array; inFeatures: number; outFeatures: number; bias?: Float32Array }
  | { op: "globalAvgPool"; in: string; out: string }
  | { op: "flattenNhwc"; in: string; out: string }
  | { op: "crop" | "pad"; in: string; out: string; pads: Pads }
  | { op: "zerosLike"; in: string; out: string };

export interface ExportGraph {
  name: string;
  input: string;
  /** The model's input shape without the batch axis, as tfjs takes it: [h, w, c]. */
  inputShape: [number, number, number];
  output: string;
  outputShape: number[];
  prims: Prim[];
}

/** Layer classes the exporters translate. */
export const SUPPORTED_LAYERS = [
  "InputLayer", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "BatchNormalization", "ReLU", "Activation", "AveragePooling2D",
  "MaxPooling2D", "Add", "Concatenate", "Dense", "GlobalAveragePooling2D", "Flatten", "Cropping2D", "ZeroPadding2D", "NasbookZero",
] as const;

type Config = Record<string, unknown>;
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** TensorFlow's "same" padding along one axis (the extra pixel goes after), or none for "valid". */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function padsOf(padding: unknown, hw: [number, number], kernel: [number, number], stride: [number, number], dilation: [number, number]): Pads {
  if (padding === "valid") return [0, 0, 0, 0];
  if (padding !== "same") throw new UnsupportedLayerError(`padding "${String(padding)}" has no mapping (only "same" and "valid")`);
  const [t, b] = samePads(hw[0], kernel[0], stride[0], dilation[0]);
  const [l, r] = samePads(hw[1], kernel[1], stride[1], dilation[1]);
  return [t, l, b, r];
}

/** [kh, kw, cin, cout] (tfjs) -> [cout, cin, kh, kw] (ONNX/PyTorch). */
function hwioToOihw(k: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh!; y++) for (let x = 0; x < kw!; x++) for (let i = 0; i < ci!; i++) for (let o = 0; o < co!; o++) {
    out[((o * ci! + i) * kh! + y) * kw! + x] = k[((y * kw! + x) * ci! + i) * co! + o]!;
  }
  return out;
}

/** Depthwise [kh, kw, cin, mult] -> grouped [cin*mult, 1, kh, kw]: output channel c*mult+m, as TensorFlow orders it. */
function depthwiseToOihw(k: Float32Array, [kh, kw, ci, m]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh!; y++) for (let x = 0; x < kw!; x++) for (let c = 0; c < ci!; c++) for (let j = 0; j < m!; j++) {
    out[((c * m! + j) * kh! + y) * kw! + x] = k[((y * kw! + x) * ci! + c) * m! + j]!;
  }
  return out;
}

function spatial(shape: readonly (number | null)[], layer: string): [number, number] {
  if (shape.length !== 4) throw new UnsupportedLayerError(`layer "${layer}" takes a rank-${shape.length} input; only image (rank-4) inputs map to this op`);
  return [shape[1]!, shape[2]!];
}

/** Translates `model` (a single-input, single-output functional model whose layers are each applied once). */
export function exportGraph(model: tf.LayersModel): ExportGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new UnsupportedLayerError(`only single-input, single-output models export (this one has ${model.inputs.length} inputs, ${model.outputs.length} outputs)`);
  const inShape = model.inputs[0]!.shape;
  if (inShape.length !== 4) throw new UnsupportedLayerError(`only image models export: the input must be [batch, h, w, c], got [${inShape.join(", ")}]`);
  const prims: Prim[] = [];
  const tensorOf = new Map<string, string>();
  let input = "";
  let counter = 0;
  const fresh = (base: string) => `${base}__${counter++}`;

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const name = layer.name;
    const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[]; tensorIndices: number[] }[] }).inboundNodes;
    if (cls === "InputLayer") {
      input = name;
      tensorOf.set(name, "input_nchw");
      prims.push({ op: "nhwcToNchw", in: name, out: "input_nchw" });
      continue;
    }
    if (nodes.length !== 1) throw new UnsupportedLayerError(`layer "${name}" (${cls}) is applied ${nodes.length} times; only models whose layers are applied once export`);
    const ins = nodes[0]!.inboundLayers.map((l, i) => {
      const t = tensorOf.get(l.name);
      if (t === undefined || nodes[0]!.tensorIndices[i] !== 0) throw new UnsupportedLayerError(`layer "${name}" reads an output of "${l.name}" that is not exported`);
      return t;
    });
    const cfg = layer.getConfig() as Config;
    const inShapes = (Array.isArray(layer.input) ? layer.input : [layer.input]).map((t) => t.shape);
    const weight = (suffix: string): { data: Float32Array; shape: number[] } | undefined => {
      const w = layer.weights.find((v) => v.name.endsWith(`/${suffix}`) || v.name.endsWith(suffix));
      return w ? { data: w.read().dataSync() as Float32Array, shape: w.shape as number[] } : undefined;
    };
    const need = (suffix: string) => {
      const w = weight(suffix);
      if (!w) throw new UnsupportedLayerError(`layer "${name}" (${cls}) has no weight "${suffix}"`);
      return w;
    };
    let out = fresh(name);
    const activation = (cfg.activation as string | undefined) ?? "linear";
    switch (cls) {
      case "Conv2D":
      case "DepthwiseConv2D":
      case "SeparableConv2D": {
        const hw = spatial(inShapes[0]!, name);
        const kernel = pair(cfg.kernelSize);
        const stride = pair(cfg.strides ?? 1);
        const dilation = pair(cfg.dilationRate ?? 1);
        const pads = padsOf(cfg.padding, hw, kernel, stride, dilation);
        const bias = cfg.useBias ? need("bias").data : undefined;
        if (cls === "Conv2D") {
          const k = need("kernel");
          prims.push({ op: "conv", in: ins[0]!, out, weight: hwioToOihw(k.data, k.shape), shape: [k.shape[3]!, k.shape[2]!, k.shape[0]!, k.shape[1]!], bias, stride, dilation, pads, groups: 1 });
        } else {
          const d = need("depthwise_kernel");
          const [kh, kw, ci, m] = d.shape as [number, number, number, number];
          const depthOut = cls === "DepthwiseConv2D" ? out : fresh(`${name}_depthwise`);
          prims.push({ op: "conv", in: ins[0]!, out: depthOut, weight: depthwiseToOihw(d.data, d.shape), shape: [ci * m, 1, kh, kw], bias: cls === "DepthwiseConv2D" ? bias : undefined, stride, dilation, pads, groups: ci });
          if (cls === "SeparableConv2D") {
            const p = need("pointwise_kernel");
            prims.push({ op: "conv", in: depthOut, out, weight: hwioToOihw(p.data, p.shape), shape: [p.shape[3]!, p.shape[2]!, 1, 1], bias, stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], groups: 1 });
          }
        }
        break;
      }
      case "BatchNormalization": {
        if (cfg.axis !== -1 && cfg.axis !== 3) throw new UnsupportedLayerError(`layer "${name}" normalises axis ${String(cfg.axis)}; only the channel axis (-1) maps`);
        const mean = need("moving_mean").data;
        const ones = new Float32Array(mean.length).fill(1);
        prims.push({
          op: "batchNorm", in: ins[0]!, out, mean, variance: need("moving_variance").data,
          scale: cfg.scale === false ? ones : need("gamma").data, bias: cfg.center === false ? new Float32Array(mean.length) : need("beta").data, epsilon: Number(cfg.epsilon),
        });
        break;
      }
      case "ReLU":
        if (cfg.maxValue !== null && cfg.maxValue !== undefined) throw new UnsupportedLayerError(`layer "${name}" is a ReLU capped at ${String(cfg.maxValue)}; only the plain ReLU maps`);
        prims.push({ op: "relu", in: ins[0]!, out });
        break;
      case "Activation":
        if (activation === "linear") out = ins[0]!;
        else if (activation === "relu") prims.push({ op: "relu", in: ins[0]!, out });
        else throw new UnsupportedLayerError(`layer "${name}" has activation "${activation}"; only relu and linear map`);
        break;
      case "AveragePooling2D":
      case "MaxPooling2D": {
        const hw = spatial(inShapes[0]!, name);
        const kernel = pair(cfg.poolSize);
        const stride = pair(cfg.strides ?? cfg.poolSize);
        prims.push({ op: cls === "MaxPooling2D" ? "maxPool" : "avgPool", in: ins[0]!, out, kernel, stride, pads: padsOf(cfg.padding, hw, kernel, stride, [1, 1]) });
        break;
      }
      case "Add":
        prims.push({ op: "add", ins, out });
        break;
      case "Concatenate":
        if (cfg.axis !== -1 && cfg.axis !== 3) throw new UnsupportedLayerError(`layer "${name}" concatenates along axis ${String(cfg.axis)}; only the channel axis (-1) maps`);
        prims.push({ op: "concat", ins, out });
        break;
      case "Dense": {
        if (inShapes[0]!.length !== 2) throw new UnsupportedLayerError(`layer "${name}" (Dense) takes a rank-${inShapes[0]!.length} input; flatten or pool before a dense layer to export`);
        const k = need("kernel");
        const bias = cfg.useBias === false ? undefined : need("bias").data;
        const dense = activation === "relu" ? fresh(`${name}_linear`) : out;
        prims.push({ op: "dense", in: ins[0]!, out: dense, weight: k.data, inFeatures: k.shape[0]!, outFeatures: k.shape[1]!, bias });
        if (activation === "relu") prims.push({ op: "relu", in: dense, out });
        else if (activation !== "linear") throw new UnsupportedLayerError(`layer "${name}" (Dense) has activation "${activation}"; only relu and linear map`);
        break;
      }
      case "GlobalAveragePooling2D":
        prims.push({ op: "globalAvgPool", in: ins[0]!, out });
        break;
      case "Flatten":
        // Keras flattens [h, w, c] in that order; a dense layer after it expects its weights in that order.
        if (inShapes[0]!.length === 4) prims.push({ op: "flattenNhwc", in: ins[0]!, out });
        else if (inShapes[0]!.length === 2) out = ins[0]!;
        else throw new UnsupportedLayerError(`layer "${name}" (Flatten) takes a rank-${inShapes[0]!.length} input; only rank 2 and 4 map`);
        break;
      case "Cropping2D": {
        const [[t, b], [l, r]] = cfg.cropping as [[number, number], [number, number]];
        prims.push({ op: "crop", in: ins[0]!, out, pads: [t, l, b, r] });
        break;
      }
      case "ZeroPadding2D": {
        const [[t, b], [l, r]] = cfg.padding as [[number, number], [number, number]];
        prims.push({ op: "pad", in: ins[0]!, out, pads: [t, l, b, r] });
        break;
      }
      case "NasbookZero":
        prims.push({ op: "zerosLike", in: ins[0]!, out });
        break;
      default:
        throw new UnsupportedLayerError(`layer "${name}" (${cls}) has no ONNX/PyTorch mapping (supported layers: ${SUPPORTED_LAYERS.join(", ")})`);
    }
    if (["Conv2D", "DepthwiseConv2D", "SeparableConv2D"].includes(cls) && activation !== "linear") {
      if (activation !== "relu") throw new UnsupportedLayerError(`layer "${name}" (${cls}) has activation "${activation}"; only relu and linear map`);
      const activated = fresh(`${name}_relu`);
      prims.push({ op: "relu", in: out, out: activated });
      out = activated;
    }
    tensorOf.set(name, out);
  }
  const outLayer = model.outputLayers[0]!;
  const output = tensorOf.get(outLayer.name)!;
  const outputShape = model.outputs[0]!.shape.slice(1) as number[];
  if (outputShape.length !== 1) throw new UnsupportedLayerError(`only models with [batch, classes] outputs export; this one outputs [batch, ${outputShape.join(", ")}]`);
  return { name: model.name, input, inputShape: inShape.slice(1) as [number, number, number], output, outputShape, prims };
}
