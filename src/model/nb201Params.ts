/**
 * NAS-Bench-201 network sizes without tensors: this module must not import tfjs, so a strategy that ranks cells by
 * size (localSearch's zero-cost warmup) loads in milliseconds.
 */
import { NB201_EDGES, validateNb201, type Nb201Arch } from "../space/nb201.js";

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

/**
 * Weight layers (convolutions and the linear head) of the network that are trained: those on a path from the input
 * to the output. A conv edge is live when its source node is reached from the cell input and its target reaches the
 * cell output through edges that are not `none`; a conv whose input is always zero, or whose output is never used,
 * gets no gradient. The stem, the reductions' three convolutions each and the head count too, unless the cell never
 * connects its input to its output (then the network's output is constant and the count is 0).
 */
export function nb201TrainableLayers(arch: Nb201Arch, opts: { cellsPerStage?: number } = {}): number {
  validateNb201(arch);
  const N = opts.cellsPerStage ?? 1;
  const reached = [true, false, false, false];
  for (const [e, [to, from]] of NB201_EDGES.entries()) if (arch[e] !== "none" && reached[from]) reached[to] = true;
  const reaches = [false, false, false, true];
  for (let e = NB201_EDGES.length - 1; e >= 0; e--) {
    const [to, from] = NB201_EDGES[e]!;
    if (arch[e] !== "none" && reaches[to]) reaches[from] = true;
  }
  // A cell that never connects its input to its output makes the network's output constant: nothing is trained.
  if (!reached[3]) return 0;
  let live = 0;
  NB201_EDGES.forEach(([to, from], e) => {
    if ((arch[e] === "nor_conv_3x3" || arch[e] === "nor_conv_1x1") && reached[from] && reaches[to]) live++;
  });
  return 1 + 2 * 3 + 3 * N * live + 1;
}
