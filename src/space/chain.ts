/**
 * The chain space of the classic Keras random-search example (keras-tuner's MNIST/CIFAR convnet): 1-3 conv
 * layers, each followed by 2x2 max-pooling, then 1-2 dense layers. Each conv picks filters {32, 64, 128} and a
 * square kernel {3, 5}; each dense layer picks units {64, 128, 256}. Input shape and number of classes belong to
 * the model builder, not the space. Arch string: `conv(32,3x3) > conv(64,5x5) > dense(128)`.
 */
import { InvalidArchError } from "../errors.js";
import type { Rng } from "../rng.js";
import { checkChoices, sampleValid, type ChoiceCodec } from "./choices.js";
import type { IndexEdge } from "./dag.js";
import { hamming, nodeOpAdjacency, oneHotChoices } from "./encoding.js";
import { ParseCursor, requireString } from "./parse.js";
import { requireDistinctPositiveInts, requireOneOf } from "./validate.js";
import type { ArchGraph, BuiltinSpace, Decision, EncodingKind, GraphEdge, GraphNode } from "./types.js";

export interface ChainConv {
  filters: number;
  kernel: number;
}
export interface ChainDense {
  units: number;
}
/** A chain network: conv layers (each followed by 2x2 max-pooling), then dense layers. */
export interface ChainArch {
  conv: ChainConv[];
  dense: ChainDense[];
}

export interface ChainOptions {
  minConv?: number;
  maxConv?: number;
  minDense?: number;
  maxDense?: number;
  filters?: readonly number[];
  kernels?: readonly number[];
  units?: readonly number[];
}

export type ChainSpace = BuiltinSpace<ChainArch, ChainOptions>;

const FORM = "conv(FILTERS,KxK) > ... > dense(UNITS) > ..., e.g. conv(32,3x3) > conv(64,5x5) > dense(128)";

/** The Keras random-search chain space (conv-pool blocks then dense layers). */
export function chainSpace(opts: ChainOptions = {}): ChainSpace {
  const o: Required<ChainOptions> = {
    minConv: opts.minConv ?? 1,
    maxConv: opts.maxConv ?? 3,
    minDense: opts.minDense ?? 1,
    maxDense: opts.maxDense ?? 2,
    filters: opts.filters ?? [32, 64, 128],
    kernels: opts.kernels ?? [3, 5],
    units: opts.units ?? [64, 128, 256],
  };
  const name = "chain";
  for (const [lo, hi, what] of [
    [o.minConv, o.maxConv, "conv"],
    [o.minDense, o.maxDense, "dense"],
  ] as const) {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo) {
      throw new InvalidArchError(`chain: ${what} layer range ${lo}..${hi} is empty or negative; use 0 <= min${what} <= max${what}`);
    }
  }
  for (const [list, what] of [
    [o.filters, "filters"],
    [o.kernels, "kernels"],
    [o.units, "units"],
  ] as const) {
    requireDistinctPositiveInts("chain", what, list);
  }
  const convCounts = range(o.minConv, o.maxConv);
  const denseCounts = range(o.minDense, o.maxDense);
  const convKinds = o.filters.length * o.kernels.length;

  const decisions = (): Decision[] => {
    const ds: Decision[] = [{ kind: "categorical", name: "conv_layers", choices: convCounts.map(String) }];
    for (let i = 0; i < o.maxConv; i++) {
      ds.push({ kind: "categorical", name: `conv${i}_filters`, choices: o.filters.map(String) });
      ds.push({ kind: "categorical", name: `conv${i}_kernel`, choices: o.kernels.map(String) });
    }
    ds.push({ kind: "categorical", name: "dense_layers", choices: denseCounts.map(String) });
    for (let i = 0; i < o.maxDense; i++) ds.push({ kind: "categorical", name: `dense${i}_units`, choices: o.units.map(String) });
    return ds;
  };

  const validate = (a: ChainArch): void => {
    if (a === null || typeof a !== "object" || !Array.isArray(a.conv) || !Array.isArray(a.dense)) {
      throw new InvalidArchError(`chain: an arch is {conv: [{filters, kernel}], dense: [{units}]}, got ${JSON.stringify(a)}`);
    }
    if (a.conv.length < o.minConv || a.conv.length > o.maxConv) {
      throw new InvalidArchError(`chain: ${a.conv.length} conv layers, the space allows ${o.minConv}..${o.maxConv}`);
    }
    if (a.dense.length < o.minDense || a.dense.length > o.maxDense) {
      throw new InvalidArchError(`chain: ${a.dense.length} dense layers, the space allows ${o.minDense}..${o.maxDense}`);
    }
    a.conv.forEach((c, i) => {
      requireOneOf(name, `conv layer ${i} filters`, c?.filters, o.filters);
      requireOneOf(name, `conv layer ${i} kernel`, c?.kernel, o.kernels);
    });
    a.dense.forEach((d, i) => requireOneOf(name, `dense layer ${i} units`, d?.units, o.units));
  };

  /** Choice vector with -1 for slots beyond the chosen depth (used by the one-hot encoding and distance). */
  const slotChoices = (a: ChainArch): number[] => {
    const c = [convCounts.indexOf(a.conv.length)];
    for (let i = 0; i < o.maxConv; i++) {
      const l = a.conv[i];
      c.push(l ? o.filters.indexOf(l.filters) : -1, l ? o.kernels.indexOf(l.kernel) : -1);
    }
    c.push(denseCounts.indexOf(a.dense.length));
    for (let i = 0; i < o.maxDense; i++) c.push(a.dense[i] ? o.units.indexOf(a.dense[i]!.units) : -1);
    return c;
  };

  const toChoices = (a: ChainArch): number[] => {
    validate(a);
    return slotChoices(a).map((x) => Math.max(x, 0));
  };

  const fromChoices = (c: readonly number[]): ChainArch => {
    const ds = decisions();
    checkChoices(name, ds, c);
    const nConv = convCounts[c[0]!]!;
    const conv: ChainConv[] = [];
    for (let i = 0; i < nConv; i++) conv.push({ filters: o.filters[c[1 + 2 * i]!]!, kernel: o.kernels[c[2 + 2 * i]!]! });
    const d0 = 1 + 2 * o.maxConv;
    const nDense = denseCounts[c[d0]!]!;
    const dense: ChainDense[] = [];
    for (let i = 0; i < nDense; i++) dense.push({ units: o.units[c[d0 + 1 + i]!]! });
    return { conv, dense };
  };

  const format = (a: ChainArch): string => {
    validate(a);
    return [...a.conv.map((c) => `conv(${c.filters},${c.kernel}x${c.kernel})`), ...a.dense.map((d) => `dense(${d.units})`)].join(" > ");
  };

  const parse = (s: string): ChainArch => {
    const cur = new ParseCursor(requireString(name, s, FORM), name, FORM);
    const a: ChainArch = { conv: [], dense: [] };
    if (cur.atEnd()) cur.fail("empty string");
    do {
      const kind = cur.word('a layer ("conv" or "dense")');
      cur.expect("(");
      if (kind === "conv") {
        if (a.dense.length > 0) cur.fail("conv layer after a dense layer (all conv layers come first)");
        const filters = cur.int("the number of filters");
        cur.expect(",");
        const kh = cur.int("the kernel size");
        cur.expect("x");
        const kw = cur.int("the kernel size");
        if (kh !== kw) cur.fail(`kernel ${kh}x${kw} is not square (the space has square kernels)`);
        a.conv.push({ filters, kernel: kh });
      } else if (kind === "dense") {
        a.dense.push({ units: cur.int("the number of units") });
      } else {
        cur.fail(`unknown layer "${kind}" (layers: conv, dense)`);
      }
      cur.expect(")");
    } while (cur.eat(">"));
    cur.end();
    validate(a);
    return a;
  };

  const key = (a: ChainArch): string => format(a); // a chain has no symmetry: the string is canonical

  const codec: ChoiceCodec<ChainArch> = { decisions, toChoices, fromChoices, key };

  /** Every arch one decision away; growing the conv or dense stack lists every setting of the new layer. */
  const neighbours = (a: ChainArch): ChainArch[] => {
    validate(a);
    const out: ChainArch[] = [];
    const seen = new Set([key(a)]);
    const push = (b: ChainArch): void => {
      const k = key(b);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(b);
      }
    };
    for (const n of convCounts) {
      if (n < a.conv.length) push({ conv: a.conv.slice(0, n), dense: a.dense });
      if (n === a.conv.length + 1) {
        for (const filters of o.filters) for (const kernel of o.kernels) push({ conv: [...a.conv, { filters, kernel }], dense: a.dense });
      }
    }
    a.conv.forEach((l, i) => {
      for (const filters of o.filters) push({ conv: a.conv.map((x, j) => (j === i ? { filters, kernel: l.kernel } : x)), dense: a.dense });
      for (const kernel of o.kernels) push({ conv: a.conv.map((x, j) => (j === i ? { filters: l.filters, kernel } : x)), dense: a.dense });
    });
    for (const n of denseCounts) {
      if (n < a.dense.length) push({ conv: a.conv, dense: a.dense.slice(0, n) });
      if (n === a.dense.length + 1) for (const units of o.units) push({ conv: a.conv, dense: [...a.dense, { units }] });
    }
    a.dense.forEach((_, i) => {
      for (const units of o.units) push({ conv: a.conv, dense: a.dense.map((x, j) => (j === i ? { units } : x)) });
    });
    return out;
  };

  /**
   * Uniform crossover per decision. Depths come from either parent; each layer setting comes from a parent that
   * has that layer, so the child never inherits a setting of a layer slot its parent did not use.
   */
  const crossover = (a: ChainArch, b: ChainArch, rng: Rng): ChainArch => {
    validate(a);
    validate(b);
    const pick = <T>(xs: T[][], i: number, part: (t: T) => number): number => {
      const having = xs.filter((x) => i < x.length);
      return part(rng.choice(having)[i]!);
    };
    const nConv = rng.bool() ? a.conv.length : b.conv.length;
    const nDense = rng.bool() ? a.dense.length : b.dense.length;
    return {
      conv: Array.from({ length: nConv }, (_, i) => ({
        filters: pick([a.conv, b.conv], i, (c) => c.filters),
        kernel: pick([a.conv, b.conv], i, (c) => c.kernel),
      })),
      dense: Array.from({ length: nDense }, (_, i) => ({ units: pick([a.dense, b.dense], i, (d) => d.units) })),
    };
  };

  const toGraph = (a: ChainArch): ArchGraph => {
    validate(a);
    const nodes: GraphNode[] = [{ id: "input", role: "input" }];
    a.conv.forEach((c, i) => {
      nodes.push({ id: `conv${i}`, role: "hidden", op: "conv2d", attrs: { filters: c.filters, kernel: c.kernel, activation: "relu", padding: "same" } });
      nodes.push({ id: `pool${i}`, role: "hidden", op: "max_pool", attrs: { size: 2, stride: 2 } });
    });
    nodes.push({ id: "flatten", role: "hidden", op: "flatten" });
    a.dense.forEach((d, i) => nodes.push({ id: `dense${i}`, role: "hidden", op: "dense", attrs: { units: d.units, activation: "relu" } }));
    nodes.push({ id: "output", role: "output", op: "classifier" });
    const edges: GraphEdge[] = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id }));
    return { space: name, opsOn: "nodes", combine: "sum", nodes, edges };
  };

  // Node-op vocabulary for the adjacency encoding: conv (filters, kernel) settings, then dense units.
  const maxNodes = o.maxConv + o.maxDense + 2;
  const encode = (a: ChainArch, kind: EncodingKind): Float32Array => {
    validate(a);
    if (kind === "onehot") return oneHotChoices(decisions(), slotChoices(a));
    if (kind === "adjacency") {
      const ops = [
        -1,
        ...a.conv.map((c) => o.filters.indexOf(c.filters) * o.kernels.length + o.kernels.indexOf(c.kernel)),
        ...a.dense.map((d) => convKinds + o.units.indexOf(d.units)),
        -1,
      ];
      const edges: IndexEdge[] = ops.slice(1).map((_, i) => [i, i + 1]);
      return nodeOpAdjacency(maxNodes, edges, ops, convKinds + o.units.length);
    }
    if (kind === "path") {
      // A chain has exactly one input-to-output path, so the BANANAS path one-hot is a one-hot over architectures.
      const out = new Float32Array(Number(size()));
      out[rankOf(a)] = 1;
      return out;
    }
    throw new InvalidArchError(`chain: unknown encoding "${String(kind)}"; use "onehot", "adjacency" or "path"`);
  };

  const convConfigs = (n: number): number => convKinds ** n;
  const rankOf = (a: ChainArch): number => {
    let convRank = 0;
    for (const n of convCounts) if (n < a.conv.length) convRank += convConfigs(n);
    let local = 0;
    for (const c of a.conv) local = local * convKinds + o.filters.indexOf(c.filters) * o.kernels.length + o.kernels.indexOf(c.kernel);
    convRank += local;
    let denseRank = 0;
    for (const n of denseCounts) if (n < a.dense.length) denseRank += o.units.length ** n;
    let dl = 0;
    for (const d of a.dense) dl = dl * o.units.length + o.units.indexOf(d.units);
    denseRank += dl;
    const denseTotal = denseCounts.reduce((s, n) => s + o.units.length ** n, 0);
    return convRank * denseTotal + denseRank;
  };

  const size = (): bigint => {
    const conv = convCounts.reduce((s, n) => s + BigInt(convKinds) ** BigInt(n), 0n);
    const dense = denseCounts.reduce((s, n) => s + BigInt(o.units.length) ** BigInt(n), 0n);
    return conv * dense;
  };

  return {
    recipe: { kind: "builtin" as const, name: "chain", options: { ...opts } },
    name,
    options: o,
    /** A chain has no symmetry: its canonical form is a copy of itself. */
    canonical: (a: ChainArch) => {
      validate(a);
      return { conv: a.conv.map((c) => ({ filters: c.filters, kernel: c.kernel })), dense: a.dense.map((d) => ({ units: d.units })) };
    },
    sample: (rng: Rng) => sampleValid(codec, rng, name),
    key,
    format,
    parse,
    validate,
    size,
    toGraph,
    mutate: (a: ChainArch, rng: Rng) => {
      const ns = neighbours(a);
      if (ns.length === 0) throw new InvalidArchError("chain: the space has a single architecture; nothing to mutate to");
      return rng.choice(ns);
    },
    neighbours,
    crossover,
    encode,
    /** Decisions that differ, counting a layer slot present in only one arch as differing. */
    distance: (a: ChainArch, b: ChainArch) => hamming(slotChoices(a), slotChoices(b)),
    decisions,
    fromChoices,
    toChoices,
  };
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
