/**
 * Runs an exported ONNX model in onnxruntime-node (an optional dependency, loaded on first use) and compares it with
 * the tfjs model on the same inputs: the check that an export computes what the trained model computes.
 */
import { createRequire } from "node:module";
import { NasbookError } from "../errors.js";

/** onnxruntime-node is not installed (it is optional). */
export class OnnxRuntimeMissingError extends NasbookError {}

interface OrtTensor { data: Float32Array; dims: readonly number[] }
interface Ort {
  InferenceSession: { create(model: Uint8Array): Promise<{ inputNames: string[]; outputNames: string[]; run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>; release(): Promise<void> }> };
  Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => unknown;
}

let ort: Ort | undefined;
function loadOrt(): Ort {
  if (!ort) {
    try {
      ort = createRequire(import.meta.url)("onnxruntime-node") as Ort;
    } catch (e) {
      throw new OnnxRuntimeMissingError(`onnxruntime-node is not installed (${(e as Error).message.split("\n")[0]}); install it with \`npm install onnxruntime-node\` (ONNXRUNTIME_NODE_INSTALL=skip avoids its optional CUDA download)`);
    }
  }
  return ort;
}

/** Runs `model` (ONNX bytes) on `x` ([batch, ...inputShape], float32); returns the first output. */
export async function runOnnx(model: Uint8Array, x: Float32Array, shape: readonly number[]): Promise<{ data: Float32Array; dims: number[] }> {
  const rt = loadOrt();
  const session = await rt.InferenceSession.create(model);
  try {
    const out = await session.run({ [session.inputNames[0]!]: new rt.Tensor("float32", x, shape) });
    const y = out[session.outputNames[0]!]!;
    return { data: Float32Array.from(y.data), dims: [...y.dims] };
  } finally {
    await session.release();
  }
}
