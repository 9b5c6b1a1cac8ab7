/**
 * NAS-Bench-201 network sizes without tensors: this module must not import tfjs, so a strategy that ranks cells by
 * size (localSearch's zero-cost warmup) loads in milliseconds.
 */
import { validateNb201, type Nb201Arch } from "../space/nb201.js";

/** The published NAS-Bench-201 network size: C=16, N=5. */
export const NB201_PAPER = { channels: 16, cellsPerStage: 5 } as const;

/**
 * The trainable parameter count of `nb201Model(arch, opts)`, computed from the architecture alone (no tensors):
 * a zero-cost proxy ("params" in NASLib / NAS-Bench-Suite-Zero) cheap enough to rank thousands of cells. Equals
 * countParams of the built model (bias-free convs, affine batch norm, a biased linear head).
 */
export function nb201Params(arch: Nb201Arch, opts: { channels?: number; cellsPerStage?: number; numClasses: number; inputChannels?: number }): number {
  validateNb201(arch);
  const C = opts.channels ?? 8;
  const N = opts.cellsPerStage ?? 1;
  const inC = opts.inputChannels ?? 3;
  const convBn = (cin: number, cout: number, k: number) => k * k * cin * cout + 2 * cout;
  let n = convBn(inC, C, 3);
  for (let stage = 0; stage < 3; stage++) {
    const c = C * 2 ** stage;
    if (stage > 0) n += convBn(c / 2, c, 3) + convBn(c, c, 3) + (c / 2) * c;
    for (const op of arch) n += N * (op === "nor_conv_3x3" ? convBn(c, c, 3) : op === "nor_conv_1x1" ? convBn(c, c, 1) : 0);
  }
  return n + 2 * 4 * C + 4 * C * opts.numClasses + opts.numClasses;
}
