/**
 * Runs an exported PyTorch module in a Python process (Debian's python3-torch: /usr/bin/python3, or $NASBOOK_PYTHON)
 * on given inputs and returns its outputs, so an export can be compared with the tfjs model it came from.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NasbookError } from "../errors.js";
import type { PytorchExport } from "./pytorch.js";

/** No Python with torch to run the check. */
export class PytorchMissingError extends NasbookError {}

/** The Python that has torch: $NASBOOK_PYTHON, else Debian's /usr/bin/python3, else python3 on the PATH. */
export function pythonForTorch(): string {
  return process.env.NASBOOK_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

const RUNNER = `
import sys, struct
import torch
sys.path.insert(0, sys.argv[1])
torch.set_num_threads(1)
from model import load
shape = [int(s) for s in sys.argv[2].split(",")]
x = torch.frombuffer(bytearray(open(sys.argv[1] + "/input.bin", "rb").read()), dtype=torch.float32).reshape(shape)
with torch.no_grad():
    y = load(sys.argv[1] + "/model.safetensors")(x).contiguous()
open(sys.argv[1] + "/output.bin", "wb").write(y.numpy().tobytes() if hasattr(y, "numpy") else bytes(y.storage()))
print(",".join(str(d) for d in y.shape))
`;

/** Runs the module on `x` ([batch, ...inputShape]); returns the output values and dims. */
export async function runPytorch(exp: PytorchExport, x: Float32Array, shape: readonly number[]): Promise<{ data: Float32Array; dims: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "nasbook-torch-"));
  try {
    writeFileSync(join(dir, "model.py"), exp.source);
    writeFileSync(join(dir, "model.safetensors"), exp.weights);
    writeFileSync(join(dir, "input.bin"), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const python = pythonForTorch();
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(python, ["-c", RUNNER, dir, shape.join(",")], { timeout: 120_000 }, (err, out, errOut) => {
        if (!err) return resolve(out);
        if (/No module named 'torch'|ENOENT/.test(`${errOut} ${err.message}`)) {
          reject(new PytorchMissingError(`${python} cannot import torch; install Debian's python3-torch (apt-get install python3-torch) or set NASBOOK_PYTHON to a Python with torch`));
        } else reject(new NasbookError(`the exported PyTorch module failed in ${python}: ${errOut.trim().split("\n").slice(-3).join(" | ")}`));
      });
    });
    const buf = readFileSync(join(dir, "output.bin"));
    return { data: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), dims: stdout.trim().split(",").map(Number) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
