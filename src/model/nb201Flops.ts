/**
 * The multiply-accumulates of `nb201Model(arch, opts)` for one image, from the architecture alone (no tensors), as
 * countFlops counts them (convolutions and the linear head; pooling, batch norm and additions excluded). NB201's
 * own tables report FLOPs the same way (convolutions and linear layers), so this is the cost axis of the
 * benchmark's accuracy/FLOPs plots, cheap enough for all 15,625 cells.
 */
import { validateNb201, type Nb201Arch } from "../space/nb201.js";

export function nb201Flops(arch: Nb201Arch, opts: { channels?: number; cellsPerStage?: number; numClasses: number; inputShape: readonly [number, number, number] }): number {
  validateNb201(arch);
  const C = opts.channels ?? 8;
  const N = opts.cellsPerStage ?? 1;
  const [H, W, inC] = opts.inputShape;
  let h = H;
  let w = W;
  let flops = h * w * 9 * inC * C; // stem
  for (let stage = 0; stage < 3; stage++) {
    const c = C * 2 ** stage;
    if (stage > 0) {
      // "same" padding with stride 2: ceil.
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
      flops += h * w * (9 * (c / 2) * c + 9 * c * c + (c / 2) * c);
    }
    for (const op of arch) flops += N * h * w * (op === "nor_conv_3x3" ? 9 * c * c : op === "nor_conv_1x1" ? c * c : 0);
  }
  return flops + 4 * C * opts.numClasses;
}
