/**
 * An export graph as PyTorch source: one `nn.Module` file (modules for the layers with weights, the rest in
 * `forward` as functional calls, in the tfjs model's order) plus a safetensors file with its state_dict, and a
 * `load(weights_path)` function that builds the module and loads the weights with the standard library and torch
 * alone. Like the tfjs model it takes [batch, h, w, c] images and returns logits. TensorFlow's "same" padding is
 * reproduced exactly: symmetric pads go to the layer, asymmetric ones become an explicit F.pad (average pooling
 * divides by the count of real pixels, as TensorFlow does).
 */
import type { ExportGraph, Pads, Prim } from "./exportGraph.js";
import { toSafetensors, type NamedTensor } from "./safetensors.js";

const tuple = (xs: readonly number[]) => `(${xs.join(", ")})`;
const symmetric = (p: Pads) => p[0] === p[2] && p[1] === p[3];
/** F.pad's order for the last two axes: (left, right, top, bottom). */
const fpad = (p: Pads) => `(${p[1]}, ${p[3]}, ${p[0]}, ${p[2]})`;
const pyFloat = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));

export interface PytorchExport {
  /** The module's Python source. */
  source: string;
  /** The state_dict as safetensors bytes. */
  weights: Uint8Array;
}

/** Writes the module source and its weights for `g`; `className` names the nn.Module (default "Net"). */
export function toPytorch(g: ExportGraph, className = "Net"): PytorchExport {
  const init: string[] = [];
  const body: string[] = [];
  const tensors: NamedTensor[] = [];
  const vars = new Map<string, string>();
  let nextVar = 0;
  let nextModule = 0;
  const v = (t: string) => {
    const name = vars.get(t);
    if (name === undefined) throw new Error(`export graph reads ${t} before it is computed`);
    return name;
  };
  const def = (t: string, expr: string) => {
    const name = `t${nextVar++}`;
    vars.set(t, name);
    body.push(`        ${name} = ${expr}`);
  };
  const mod = (kind: string) => `${kind}${nextModule++}`;
  vars.set(g.input, "x");

  for (const p of g.prims as Prim[]) {
    switch (p.op) {
      case "nhwcToNchw":
        def(p.out, `${v(p.in)}.permute(0, 3, 1, 2)`);
        break;
      case "conv": {
        const m = mod("conv");
        const [co, ciPerGroup, kh, kw] = p.shape;
        const pad = symmetric(p.pads) ? [p.pads[0], p.pads[1]] : [0, 0];
        init.push(`        self.${m} = nn.Conv2d(${ciPerGroup * p.groups}, ${co}, ${tuple([kh, kw])}, stride=${tuple(p.stride)}, padding=${tuple(pad)}, dilation=${tuple(p.dilation)}, groups=${p.groups}, bias=${p.bias ? "True" : "False"})`);
        tensors.push({ name: `${m}.weight`, shape: p.shape, data: p.weight });
        if (p.bias) tensors.push({ name: `${m}.bias`, shape: [p.bias.length], data: p.bias });
        def(p.out, symmetric(p.pads) ? `self.${m}(${v(p.in)})` : `self.${m}(F.pad(${v(p.in)}, ${fpad(p.pads)}))`);
        break;
      }
      case "batchNorm": {
        const m = mod("bn");
        init.push(`        self.${m} = nn.BatchNorm2d(${p.scale.length}, eps=${pyFloat(p.epsilon)})`);
        tensors.push(
          { name: `${m}.weight`, shape: [p.scale.length], data: p.scale }, { name: `${m}.bias`, shape: [p.bias.length], data: p.bias },
          { name: `${m}.running_mean`, shape: [p.mean.length], data: p.mean }, { name: `${m}.running_var`, shape: [p.variance.length], data: p.variance },
        );
        def(p.out, `self.${m}(${v(p.in)})`);
        break;
      }
      case "relu":
        def(p.out, `F.relu(${v(p.in)})`);
        break;
      case "avgPool":
        def(p.out, symmetric(p.pads) && p.pads[0] <= p.kernel[0] / 2 && p.pads[1] <= p.kernel[1] / 2
          ? `F.avg_pool2d(${v(p.in)}, ${tuple(p.kernel)}, ${tuple(p.stride)}, padding=${tuple([p.pads[0], p.pads[1]])}, count_include_pad=False)`
          : `_avg_pool_same(${v(p.in)}, ${tuple(p.kernel)}, ${tuple(p.stride)}, ${fpad(p.pads)})`);
        break;
      case "maxPool":
        def(p.out, symmetric(p.pads) && p.pads[0] <= p.kernel[0] / 2 && p.pads[1] <= p.kernel[1] / 2
          ? `F.max_pool2d(${v(p.in)}, ${tuple(p.kernel)}, ${tuple(p.stride)}, padding=${tuple([p.pads[0], p.pads[1]])})`
          : `F.max_pool2d(F.pad(${v(p.in)}, ${fpad(p.pads)}, value=float("-inf")), ${tuple(p.kernel)}, ${tuple(p.stride)})`);
        break;
      case "add":
        def(p.out, p.ins.map(v).join(" + "));
        break;
      case "concat":
        def(p.out, `torch.cat([${p.ins.map(v).join(", ")}], 1)`);
        break;
      case "dense": {
        const m = mod("fc");
        init.push(`        self.${m} = nn.Linear(${p.inFeatures}, ${p.outFeatures}, bias=${p.bias ? "True" : "False"})`);
        // tfjs keeps [in, out]; nn.Linear keeps [out, in].
        const w = new Float32Array(p.weight.length);
        for (let i = 0; i < p.inFeatures; i++) for (let o = 0; o < p.outFeatures; o++) w[o * p.inFeatures + i] = p.weight[i * p.outFeatures + o]!;
        tensors.push({ name: `${m}.weight`, shape: [p.outFeatures, p.inFeatures], data: w });
        if (p.bias) tensors.push({ name: `${m}.bias`, shape: [p.outFeatures], data: p.bias });
        def(p.out, `self.${m}(${v(p.in)})`);
        break;
      }
      case "globalAvgPool":
        def(p.out, `${v(p.in)}.mean(dim=(2, 3))`);
        break;
      case "flattenNhwc":
        def(p.out, `${v(p.in)}.permute(0, 2, 3, 1).flatten(1)`);
        break;
      case "crop": {
        const [t, l, b, r] = p.pads;
        const end = (x: number) => (x === 0 ? "" : String(-x));
        def(p.out, `${v(p.in)}[:, :, ${t}:${end(b)}, ${l}:${end(r)}]`);
        break;
      }
      case "pad":
        def(p.out, `F.pad(${v(p.in)}, ${fpad(p.pads)})`);
        break;
      case "zerosLike":
        def(p.out, `torch.zeros_like(${v(p.in)})`);
        break;
    }
  }
  const source = `"""${className}: ${g.name} exported by nasbook from a trained tfjs model.

Takes images as the tfjs model does, [batch, ${g.inputShape.join(", ")}] (channels last), and returns logits
[batch, ${g.outputShape.join(", ")}]. Load it with \`model = load("model.safetensors")\` (needs only torch).
"""
import json
import struct

import torch
import torch.nn.functional as F
from torch import nn


def _avg_pool_same(x, kernel, stride, pads):
    # TensorFlow's "same" average pooling divides by the number of real pixels under the window.
    ones = torch.ones_like(x[:, :1])
    total = F.avg_pool2d(F.pad(x, pads), kernel, stride, divisor_override=1)
    count = F.avg_pool2d(F.pad(ones, pads), kernel, stride, divisor_override=1)
    return total / count


class ${className}(nn.Module):
    def __init__(self):
        super().__init__()
${init.length ? init.join("\n") : "        pass"}

    def forward(self, x):
${body.join("\n")}
        return ${v(g.output)}


def load_safetensors(path):
    """The tensors of a safetensors file (float32), read with the standard library and torch."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[base + begin : base + end]), dtype=torch.float32).reshape(info["shape"])
    return out


def load(path):
    """The module with its trained weights, in eval mode (batch norm uses its running statistics)."""
    model = ${className}()
    missing, unexpected = model.load_state_dict(load_safetensors(path), strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise RuntimeError(f"weights do not match the module: missing {missing}, unexpected {unexpected}")
    return model.eval()
`;
  return { source, weights: toSafetensors(tensors, { format: "pt", producer: "nasbook" }) };
}
