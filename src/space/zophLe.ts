/**
 * The layer-string space of Zoph & Le, "Neural Architecture Search with Reinforcement Learning" (ICLR 2017):
 * a fixed number of conv layers, each with a filter height, filter width, stride and number of filters, plus skip
 * connections chosen by anchor points: layer N may take any subset of the layers before it as inputs.
 *
 * Conventions, as in the paper (Section 3.3): a layer's inputs are concatenated along depth, smaller inputs
 * zero-padded to the largest spatial size; a layer with no chosen input takes the image; the final output
 * concatenates every layer that no other layer consumes. Arch string, layers separated by ";", each
 * `HxW:sSTRIDE:fFILTERS` with optional ` <- i,j` listing its input layers (0-based):
 * `3x3:s1:f24; 5x7:s1:f36 <- 0; 1x3:s1:f48 <- 0,1`.
 */
import { InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { canonicalForm } from "./canonical.js";
import { checkChoices, crossoverChoices, keyedNeighbours, mutateOneDecision, sampleValid, type ChoiceCodec } from "./choices.js";
import type { IndexEdge } from "./dag.js";
import { hamming, nodeOpAdjacency, oneHotChoices } from "./encoding.js";
import { ParseCursor, requireString } from "./parse.js";
import { encodePaths, type OpPath } from "./pathEncoding.js";
import { requireDistinctPositiveInts, requireOneOf } from "./validate.js";
import type { ArchGraph, BuiltinSpace, Decision, EncodingKind, GraphEdge, GraphNode } from "./types.js";

/** One conv layer; `inputs` are earlier layer indices, ascending (empty = the image). */
export interface ZophLeLayer {
  height: number;
  width: number;
  stride: number;
  filters: number;
  inputs: number[];
}
export interface ZophLeArch {
  layers: ZophLeLayer[];
}

export interface ZophLeOptions {
  /** Number of layers (the paper searched 15-, 20- and 39-layer nets; small by default). */
  layers?: number;
  heights?: readonly number[];
  widths?: readonly number[];
  /** Strides to choose from; with a single value the stride is fixed and is not a decision. */
  strides?: readonly number[];
  filters?: readonly number[];
  /** Longest path prefix kept by the path encoding (see `encodePaths`). */
  pathLength?: number;
}

export type ZophLeSpace = BuiltinSpace<ZophLeArch, ZophLeOptions>;

const FORM = "layers separated by ';', each HxW:sSTRIDE:fFILTERS [<- i,j], e.g. 3x3:s1:f24; 5x7:s1:f36 <- 0";
/** How a layer merges inputs of different sizes; recorded in toGraph attrs for the model builder. */
export const ZOPH_LE_MERGE = "concat along depth; smaller inputs zero-padded to the largest spatial size";

/** The Zoph & Le (2017) layer space with anchor-point skip connections. */
export function zophLeSpace(opts: ZophLeOptions = {}): ZophLeSpace {
  const o: Required<ZophLeOptions> = {
    layers: opts.layers ?? 6,
    heights: opts.heights ?? [1, 3, 5, 7],
    widths: opts.widths ?? [1, 3, 5, 7],
    strides: opts.strides ?? [1],
    filters: opts.filters ?? [24, 36, 48, 64],
    pathLength: opts.pathLength ?? 2,
  };
  const name = "zophLe";
  if (!Number.isInteger(o.layers) || o.layers < 1) throw new InvalidArchError(`zophLe: layers must be a positive integer, got ${o.layers}`);
  for (const [list, what] of [
    [o.heights, "heights"],
    [o.widths, "widths"],
    [o.strides, "strides"],
    [o.filters, "filters"],
  ] as const) {
    requireDistinctPositiveInts(name, what, list);
  }
  const L = o.layers;
  const strideIsDecision = o.strides.length > 1;
  const vocab = o.heights.length * o.widths.length * o.strides.length * o.filters.length;
  const configIndex = (l: ZophLeLayer): number =>
    ((o.heights.indexOf(l.height) * o.widths.length + o.widths.indexOf(l.width)) * o.strides.length + o.strides.indexOf(l.stride)) *
      o.filters.length +
    o.filters.indexOf(l.filters);
  const label = (l: ZophLeLayer): string => `${l.height}x${l.width}:s${l.stride}:f${l.filters}`;

  const decisions = (): Decision[] => {
    const ds: Decision[] = [];
    for (let i = 0; i < L; i++) {
      for (let j = 0; j < i; j++) ds.push({ kind: "anchor", name: `layer${i}_from${j}`, layer: i, from: j });
      ds.push({ kind: "categorical", name: `layer${i}_height`, choices: o.heights.map(String) });
      ds.push({ kind: "categorical", name: `layer${i}_width`, choices: o.widths.map(String) });
      if (strideIsDecision) ds.push({ kind: "categorical", name: `layer${i}_stride`, choices: o.strides.map(String) });
      ds.push({ kind: "categorical", name: `layer${i}_filters`, choices: o.filters.map(String) });
    }
    return ds;
  };

  const validate = (a: ZophLeArch): void => {
    if (a === null || typeof a !== "object" || !Array.isArray(a.layers)) {
      throw new InvalidArchError(`zophLe: an arch is {layers: [{height, width, stride, filters, inputs}]}, got ${JSON.stringify(a)}`);
    }
    if (a.layers.length !== L) throw new InvalidArchError(`zophLe: ${a.layers.length} layers, this space has exactly ${L} (option layers)`);
    a.layers.forEach((l, i) => {
      requireOneOf(name, `layer ${i} height`, l?.height, o.heights);
      requireOneOf(name, `layer ${i} width`, l.width, o.widths);
      requireOneOf(name, `layer ${i} stride`, l.stride, o.strides);
      requireOneOf(name, `layer ${i} filters`, l.filters, o.filters);
      if (!Array.isArray(l.inputs)) throw new InvalidArchError(`zophLe: layer ${i} inputs must be an array of earlier layer indices`);
      l.inputs.forEach((j, k) => {
        if (!Number.isInteger(j) || j < 0 || j >= i) {
          throw new InvalidArchError(`zophLe: layer ${i} takes input ${j}; a layer can only take earlier layers 0..${i - 1} (anchor points look back)`);
        }
        if (k > 0 && j <= l.inputs[k - 1]!) throw new InvalidArchError(`zophLe: layer ${i} inputs ${JSON.stringify(l.inputs)} must be ascending and distinct`);
      });
    });
  };

  const toChoices = (a: ZophLeArch): number[] => {
    validate(a);
    const c: number[] = [];
    a.layers.forEach((l, i) => {
      for (let j = 0; j < i; j++) c.push(l.inputs.includes(j) ? 1 : 0);
      c.push(o.heights.indexOf(l.height), o.widths.indexOf(l.width));
      if (strideIsDecision) c.push(o.strides.indexOf(l.stride));
      c.push(o.filters.indexOf(l.filters));
    });
    return c;
  };

  const fromChoices = (c: readonly number[]): ZophLeArch => {
    checkChoices(name, decisions(), c);
    const layers: ZophLeLayer[] = [];
    let p = 0;
    for (let i = 0; i < L; i++) {
      const inputs: number[] = [];
      for (let j = 0; j < i; j++) if (c[p++] === 1) inputs.push(j);
      const height = o.heights[c[p++]!]!;
      const width = o.widths[c[p++]!]!;
      const stride = strideIsDecision ? o.strides[c[p++]!]! : o.strides[0]!;
      const filters = o.filters[c[p++]!]!;
      layers.push({ height, width, stride, filters, inputs });
    }
    return { layers };
  };

  const format = (a: ZophLeArch): string => {
    validate(a);
    return a.layers.map((l) => `${label(l)}${l.inputs.length > 0 ? ` <- ${l.inputs.join(",")}` : ""}`).join("; ");
  };

  const parse = (s: string): ZophLeArch => {
    const cur = new ParseCursor(requireString(name, s, FORM), name, FORM);
    const layers: ZophLeLayer[] = [];
    if (cur.atEnd()) cur.fail("empty string");
    do {
      const height = cur.int("the filter height");
      cur.expect("x");
      const width = cur.int("the filter width");
      cur.expect(":");
      cur.expect("s");
      const stride = cur.int("the stride");
      cur.expect(":");
      cur.expect("f");
      const filters = cur.int("the number of filters");
      const inputs: number[] = [];
      if (cur.eat("<-")) {
        do inputs.push(cur.int("an input layer index"));
        while (cur.eat(","));
      }
      layers.push({ height, width, stride, filters, inputs });
    } while (cur.eat(";"));
    cur.end();
    const a = { layers };
    validate(a);
    return a;
  };

  /** Node 0 = image, nodes 1..L = layers, node L+1 = output (concat of unconsumed layers). */
  const indexGraph = (a: ZophLeArch): IndexEdge[] => {
    const edges: IndexEdge[] = [];
    const consumed = new Array<boolean>(L).fill(false);
    a.layers.forEach((l, i) => {
      if (l.inputs.length === 0) edges.push([0, i + 1]);
      for (const j of l.inputs) {
        edges.push([j + 1, i + 1]);
        consumed[j] = true;
      }
    });
    consumed.forEach((c, i) => {
      if (!c) edges.push([i + 1, L + 1]);
    });
    return edges;
  };

  const canonical = (a: ZophLeArch): ZophLeArch => {
    validate(a);
    const edges = indexGraph(a);
    const labels = ["image", ...a.layers.map(label), "output"];
    const { order } = canonicalForm({ labels, edges });
    // order[p] = original node at canonical position p; image stays first and output last (depth order).
    const position = new Map(order.map((v, p) => [v, p]));
    const layers = order.slice(1, L + 1).map((v) => {
      const l = a.layers[v - 1]!;
      const inputs = l.inputs.map((j) => position.get(j + 1)! - 1).sort((x, y) => x - y);
      return { height: l.height, width: l.width, stride: l.stride, filters: l.filters, inputs };
    });
    return { layers };
  };

  const key = (a: ZophLeArch): string => format(canonical(a));
  const codec: ChoiceCodec<ZophLeArch> = { decisions, toChoices, fromChoices, key };

  const toGraph = (a: ZophLeArch): ArchGraph => {
    validate(a);
    const id = (v: number): string => (v === 0 ? "image" : v === L + 1 ? "output" : `layer${v - 1}`);
    const nodes: GraphNode[] = [{ id: "image", role: "input" }];
    a.layers.forEach((l, i) =>
      nodes.push({
        id: `layer${i}`,
        role: "hidden",
        op: "conv2d",
        attrs: { height: l.height, width: l.width, stride: l.stride, filters: l.filters, activation: "relu", batchNorm: true, merge: ZOPH_LE_MERGE },
      }),
    );
    nodes.push({ id: "output", role: "output", op: "concat", attrs: { merge: ZOPH_LE_MERGE } });
    const edges: GraphEdge[] = indexGraph(a).map(([f, t]) => ({ from: id(f), to: id(t) }));
    return { space: name, opsOn: "nodes", combine: "concat", nodes, edges };
  };

  const encode = (a: ZophLeArch, kind: EncodingKind): Float32Array => {
    validate(a);
    if (kind === "onehot") return oneHotChoices(decisions(), toChoices(a));
    if (kind === "adjacency") return nodeOpAdjacency(L + 2, indexGraph(a), [-1, ...a.layers.map(configIndex), -1], vocab);
    if (kind === "path") return encodePaths(imagePaths(a), 1, vocab, o.pathLength);
    throw new InvalidArchError(`zophLe: unknown encoding "${String(kind)}"; use "onehot", "adjacency" or "path"`);
  };

  /** Every image-to-output path as its sequence of layer settings. */
  const imagePaths = (a: ZophLeArch): OpPath[] => {
    const out: number[][] = Array.from({ length: L + 2 }, () => []);
    for (const [f, t] of indexGraph(a)) out[f]!.push(t);
    const paths: OpPath[] = [];
    const walk = (v: number, ops: number[]): void => {
      if (v === L + 1) {
        paths.push({ start: 0, ops: ops.slice() });
        return;
      }
      for (const w of out[v]!) {
        if (w <= L) ops.push(configIndex(a.layers[w - 1]!));
        walk(w, ops);
        if (w <= L) ops.pop();
      }
    };
    walk(0, []);
    return paths;
  };

  return {
    recipe: { kind: "builtin" as const, name: "zophLe", options: { ...opts } },
    name,
    options: o,
    canonical,
    sample: (rng: Rng) => sampleValid(codec, rng, name),
    key,
    format,
    parse,
    validate,
    size: () => BigInt(vocab) ** BigInt(L) * 2n ** BigInt((L * (L - 1)) / 2),
    toGraph,
    mutate: (a: ZophLeArch, rng: Rng) => mutateOneDecision(codec, a, rng, name),
    neighbours: (a: ZophLeArch) => keyedNeighbours(codec, a),
    crossover: (a: ZophLeArch, b: ZophLeArch, rng: Rng) => crossoverChoices(codec, a, b, rng),
    encode,
    /** Decisions that differ between the canonical representatives: 0 iff the keys are equal. */
    distance: (a: ZophLeArch, b: ZophLeArch) => hamming(toChoices(canonical(a)), toChoices(canonical(b))),
    decisions,
    fromChoices,
    toChoices,
  };
}

