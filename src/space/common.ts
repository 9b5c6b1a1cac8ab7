/**
 * Graph and encoding building blocks shared by every search space: decision vectors (sampling, neighbours,
 * crossover, one-hot), Hamming distance, DAG order and liveness, canonical labelling of small labelled DAGs
 * (for isomorphism-invariant keys), BANANAS-style path encodings, and a cursor for parsers whose errors point
 * at the offending character.
 */
import { ArchParseError, InvalidArchError, UnknownOpError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { ArchGraph, Decision, FullSpace } from "./types.js";

/**
 * The shape every built-in space shares: the full contract, its resolved options, and `canonical(a)`, the
 * representative of `a`'s key class (so `key(a) === format(canonical(a))` and distances compare canonical forms).
 */
export interface BuiltinSpace<A, O> extends FullSpace<A> {
  readonly options: Required<O>;
  canonical(a: A): A;
}

// ---------------------------------------------------------------------------------------------------------
// Decisions and choice vectors
// ---------------------------------------------------------------------------------------------------------

/** How many values a decision can take: its choices, or 2 (no/yes) for an anchor. */
export function decisionArity(d: Decision): number {
  return d.kind === "categorical" ? d.choices.length : 2;
}

/** Checks that `choices` is a vector of in-range integers for `decisions`; names the first bad entry. */
export function checkChoices(space: string, decisions: readonly Decision[], choices: readonly number[]): void {
  if (!Array.isArray(choices) || choices.length !== decisions.length) {
    throw new InvalidArchError(
      `${space}: expected ${decisions.length} choices (one per decision), got ${Array.isArray(choices) ? choices.length : typeof choices}; ` +
        `build the vector in the order of space.decisions()`,
    );
  }
  choices.forEach((c, i) => {
    const n = decisionArity(decisions[i]!);
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new InvalidArchError(
        `${space}: choice ${i} (${decisions[i]!.name}) is ${c}, must be an integer in 0..${n - 1}; see space.decisions()[${i}]`,
      );
    }
  });
}

/** One uniformly random choice per decision. */
export function sampleChoices(decisions: readonly Decision[], rng: Rng): number[] {
  return decisions.map((d) => rng.int(decisionArity(d)));
}

/** Every choice vector one decision away from `c`, in decision order then choice order. */
export function choiceNeighbours(decisions: readonly Decision[], c: readonly number[]): number[][] {
  const out: number[][] = [];
  decisions.forEach((d, i) => {
    for (let v = 0; v < decisionArity(d); v++) {
      if (v === c[i]) continue;
      const n = c.slice();
      n[i] = v;
      out.push(n);
    }
  });
  return out;
}

/** Uniform crossover: each decision comes from `a` or `b` with probability 1/2. */
export function uniformCrossover(a: readonly number[], b: readonly number[], rng: Rng): number[] {
  return a.map((x, i) => (rng.bool() ? x : b[i]!));
}

/** Every choice vector of `decisions` (brute force; for tests and tiny spaces). */
export function* allChoices(decisions: readonly Decision[]): Generator<number[]> {
  const arity = decisions.map(decisionArity);
  const c = arity.map(() => 0);
  for (;;) {
    yield c.slice();
    let i = c.length - 1;
    while (i >= 0 && c[i] === arity[i]! - 1) c[i--] = 0;
    if (i < 0) return;
    c[i]!++;
  }
}

/** Length of the one-hot encoding of a choice vector: sum of arities, anchors taking one slot (0/1). */
export function oneHotLength(decisions: readonly Decision[]): number {
  return decisions.reduce((s, d) => s + (d.kind === "anchor" ? 1 : decisionArity(d)), 0);
}

/**
 * One-hot encoding of a choice vector: a block per categorical decision, one 0/1 slot per anchor.
 * A choice of -1 marks an inactive decision (e.g. a layer slot beyond the chosen depth) and leaves its block zero.
 */
export function oneHotChoices(decisions: readonly Decision[], c: readonly number[]): Float32Array {
  const out = new Float32Array(oneHotLength(decisions));
  let off = 0;
  decisions.forEach((d, i) => {
    const v = c[i]!;
    if (d.kind === "anchor") {
      out[off] = v === 1 ? 1 : 0;
      off += 1;
    } else {
      if (v >= 0) out[off + v] = 1;
      off += d.choices.length;
    }
  });
  return out;
}

/** Number of positions where two equal-length sequences differ. */
export function hamming(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  if (a.length !== b.length) throw new RangeError(`hamming: lengths differ (${a.length} vs ${b.length})`);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** Writes a one-hot block of length `n` with a 1 at `index` into `out` at `offset`. */
export function writeOneHot(out: Float32Array, offset: number, index: number, n: number): void {
  if (index < 0 || index >= n) throw new RangeError(`writeOneHot: index ${index} outside 0..${n - 1}`);
  out[offset + index] = 1;
}

/** The index of `op` in `ops`, or an `UnknownOpError` listing the ops of `space`. */
export function opIndexOf(op: unknown, ops: readonly string[], space: string): number {
  const i = typeof op === "string" ? ops.indexOf(op) : -1;
  if (i < 0) throw new UnknownOpError(String(op), space, ops);
  return i;
}

/** Throws an `InvalidArchError` if `value` is not one of `allowed`. */
export function requireOneOf(space: string, what: string, value: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(value)) {
    throw new InvalidArchError(`${space}: ${what} is ${JSON.stringify(value)}, must be one of ${allowed.join(", ")}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// DAGs
// ---------------------------------------------------------------------------------------------------------

/** A directed edge between node indices, optionally labelled (an op on the edge). */
export type IndexEdge = readonly [from: number, to: number, label?: string];

/** Kahn's algorithm, smallest index first; throws an `InvalidArchError` naming a node on a cycle. */
export function topologicalOrder(n: number, edges: readonly IndexEdge[]): number[] {
  const indeg = new Array<number>(n).fill(0);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [f, t] of edges) {
    out[f]!.push(t);
    indeg[t]!++;
  }
  const ready: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) ready.push(v);
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const v = ready.shift()!;
    order.push(v);
    for (const w of out[v]!) if (--indeg[w]! === 0) ready.push(w);
  }
  if (order.length < n) {
    const stuck = indeg.findIndex((d) => d > 0);
    throw new InvalidArchError(`graph has a cycle through node ${stuck}; an architecture must be a DAG`);
  }
  return order;
}

/** Longest-path depth of every node from the sources (nodes without inputs have depth 0). */
export function depths(n: number, edges: readonly IndexEdge[]): number[] {
  const d = new Array<number>(n).fill(0);
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const [f, t] of edges) into[t]!.push(f);
  for (const v of topologicalOrder(n, edges)) for (const u of into[v]!) d[v] = Math.max(d[v]!, d[u]! + 1);
  return d;
}

/** Which nodes lie on some path from one of `sources` to one of `sinks` (sources and sinks included if connected). */
export function liveNodes(n: number, edges: readonly IndexEdge[], sources: readonly number[], sinks: readonly number[]): boolean[] {
  const fwd = reach(n, edges, sources, false);
  const bwd = reach(n, edges, sinks, true);
  return fwd.map((f, i) => f && bwd[i]!);
}

function reach(n: number, edges: readonly IndexEdge[], start: readonly number[], reverse: boolean): boolean[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [f, t] of edges) (reverse ? adj[t]! : adj[f]!).push(reverse ? f : t);
  const seen = new Array<boolean>(n).fill(false);
  const stack = [...start];
  for (const s of start) seen[s] = true;
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (const w of adj[v]!) {
      if (!seen[w]) {
        seen[w] = true;
        stack.push(w);
      }
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------------------
// Canonical labelling of small labelled DAGs
// ---------------------------------------------------------------------------------------------------------

/** A DAG with a label on every node and every edge; parallel edges are allowed. */
export interface LabelledDag {
  labels: readonly string[];
  edges: readonly IndexEdge[];
}

/** A canonical form: `order[p]` is the original node placed at canonical position `p`; `key` is the certificate. */
export interface CanonicalForm {
  order: number[];
  key: string;
}

const pad = (x: number): string => x.toString().padStart(6, "0");

/**
 * Canonical labelling by colour refinement and individualisation (the scheme of nauty, McKay & Piperno 2014,
 * without its automorphism pruning beyond twins). Two labelled DAGs get the same `key` iff they are isomorphic
 * (node labels, edge labels and edge multiplicities preserved). Colours start from (depth, label), and every
 * step keeps the colour order, so the canonical order is always a topological order of the DAG. Exponential
 * only for highly symmetric graphs that are not made of twins; the spaces here have at most ~20 nodes.
 * Among nodes of equal depth, labels that sort first get the earlier positions: give fixed nodes (inputs)
 * labels that sort in the order you want them kept ("in0" < "in1").
 */
export function canonicalForm(g: LabelledDag): CanonicalForm {
  const n = g.labels.length;
  if (n === 0) return { order: [], key: "" };
  const edges = g.edges.map(([f, t, l]) => [f, t, l ?? ""] as const);
  // Edge labels become single characters ranked by the label's sort order (an isomorphism invariant), so
  // signatures are short strings: one character per colour, two per labelled neighbour.
  const edgeLabelRank = new Map([...new Set(edges.map((e) => e[2]))].sort().map((l, i) => [l, String.fromCharCode(i)]));
  const ins: (readonly [number, string])[][] = Array.from({ length: n }, () => []);
  const outs: (readonly [number, string])[][] = Array.from({ length: n }, () => []);
  for (const [f, t, l] of edges) {
    const c = edgeLabelRank.get(l)!;
    outs[f]!.push([t, c]);
    ins[t]!.push([f, c]);
  }
  const dep = depths(n, g.edges);
  const initial = rank(g.labels.map((l, v) => `${pad(dep[v]!)}|${l}`));

  // Twins (same label, same labelled in- and out-neighbours by identity) are swapped by an automorphism that
  // fixes everything else, so branching on one of them is enough.
  const neighbourhood = (v: number): string =>
    `${g.labels[v]}|${ins[v]!.map(([u, l]) => `${u}:${l}`).sort().join(",")}|${outs[v]!.map(([u, l]) => `${u}:${l}`).sort().join(",")}`;
  const twinOf = Array.from({ length: n }, (_, v) => neighbourhood(v));

  const ch = String.fromCharCode;
  const refine = (colours: number[]): number[] => {
    let c = colours;
    let classes = new Set(c).size;
    for (;;) {
      const sig = c.map(
        (cv, v) =>
          `${ch(cv)}${ins[v]!.map(([u, l]) => l + ch(c[u]!)).sort().join("")}|${outs[v]!.map(([u, l]) => l + ch(c[u]!)).sort().join("")}`,
      );
      const next = rank(sig);
      const k = new Set(next).size;
      if (k === classes) return next;
      c = next;
      classes = k;
    }
  };

  const certificate = (colours: number[]): CanonicalForm => {
    const order = new Array<number>(n);
    colours.forEach((c, v) => (order[c] = v));
    const labels = order.map((v) => g.labels[v]);
    const es = edges.map(([f, t, l]) => `${colours[f]}>${colours[t]}:${l}`).sort();
    return { order, key: `${labels.join(";")}#${es.join(",")}` };
  };

  // Search tree of individualisations; the canonical form is the smallest leaf certificate. Two leaves with the
  // same certificate reveal an automorphism; branches in the same orbit as an explored branch (under the
  // automorphisms found that fix the current prefix) have the same leaves and are skipped (McKay 1981).
  let best: CanonicalForm | undefined;
  const automorphisms: number[][] = [];
  const sameOrbitAsExplored = (v: number, explored: readonly number[], fixed: readonly number[]): boolean => {
    const parent = Array.from({ length: n }, (_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
      return x;
    };
    for (const g of automorphisms) {
      if (!fixed.every((f) => g[f] === f)) continue;
      g.forEach((y, x) => {
        parent[find(x)] = find(y);
      });
    }
    return explored.some((u) => find(u) === find(v));
  };
  const search = (colours: number[], fixed: number[]): void => {
    const c = refine(colours);
    const count = new Array<number>(n).fill(0);
    for (const x of c) count[x]!++;
    const cell = count.findIndex((k) => k > 1);
    if (cell < 0) {
      const leaf = certificate(c);
      if (best === undefined || leaf.key < best.key) best = leaf;
      else if (leaf.key === best.key) automorphisms.push(c.map((p) => best!.order[p]!));
      return;
    }
    const tried = new Set<string>();
    const explored: number[] = [];
    for (let v = 0; v < n; v++) {
      if (c[v] !== cell || tried.has(twinOf[v]!)) continue;
      if (explored.length > 0 && automorphisms.length > 0 && sameOrbitAsExplored(v, explored, fixed)) continue;
      tried.add(twinOf[v]!);
      explored.push(v);
      search(
        c.map((x, u) => 2 * x + (x === cell && u !== v ? 1 : 0)),
        [...fixed, v],
      );
    }
  };
  search(initial, []);
  return best!;
}

/** Dense ranks (0..k-1) of strings in sorted order. */
function rank(values: readonly string[]): number[] {
  const sorted = [...new Set(values)].sort();
  const at = new Map(sorted.map((s, i) => [s, i]));
  return values.map((s) => at.get(s)!);
}

// ---------------------------------------------------------------------------------------------------------
// Path encoding (White et al. 2021, BANANAS)
// ---------------------------------------------------------------------------------------------------------

/** A path from input `start` through a sequence of op indices. */
export interface OpPath {
  start: number;
  ops: readonly number[];
}

/** Number of features of a path encoding with `starts` inputs, `vocab` ops and paths of 1..maxLen ops. */
export function pathEncodingLength(starts: number, vocab: number, maxLen: number): number {
  let perStart = 0;
  for (let l = 0, p = 1; l <= maxLen; l++, p *= vocab) perStart += p;
  return starts * perStart;
}

/**
 * Path encoding: one feature per (input, op sequence of length 0..maxLen); a feature is 1 iff the architecture has
 * such an input-to-output path. A length-0 path is an input wired straight to the output. Paths longer than
 * `maxLen` are truncated to their first `maxLen` ops (the documented equivalent when enumerating every length
 * would give too many features); with `maxLen` >= the longest possible path the encoding is exactly BANANAS'.
 */
export function encodePaths(paths: readonly OpPath[], starts: number, vocab: number, maxLen: number): Float32Array {
  const perStart = pathEncodingLength(1, vocab, maxLen);
  const out = new Float32Array(starts * perStart);
  for (const p of paths) {
    const len = Math.min(p.ops.length, maxLen);
    let offset = 0;
    for (let l = 0, q = 1; l < len; l++, q *= vocab) offset += q;
    let index = 0;
    for (let i = 0; i < len; i++) index = index * vocab + p.ops[i]!;
    out[p.start * perStart + offset + index] = 1;
  }
  return out;
}

/**
 * Every path from a source to `sink` in a DAG whose ops sit on edges: `opOf(edge)` gives the op index, or -1 for
 * an edge that carries no op (e.g. a concat into the output). Returns paths as (source index in `sources`, ops).
 */
export function edgeOpPaths(
  n: number,
  edges: readonly IndexEdge[],
  sources: readonly number[],
  sink: number,
  opOf: (e: IndexEdge) => number,
): OpPath[] {
  const out: IndexEdge[][] = Array.from({ length: n }, () => []);
  for (const e of edges) out[e[0]]!.push(e);
  const paths: OpPath[] = [];
  const walk = (start: number, v: number, ops: number[]): void => {
    if (v === sink) {
      paths.push({ start, ops: ops.slice() });
      return;
    }
    for (const e of out[v]!) {
      const op = opOf(e);
      if (op >= 0) ops.push(op);
      walk(start, e[1], ops);
      if (op >= 0) ops.pop();
    }
  };
  sources.forEach((s, i) => walk(i, s, []));
  return paths;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------

/** A cursor over an arch string; its errors quote the text, point at the position and show the expected form. */
export class ParseCursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly space: string,
    readonly form: string,
  ) {}

  fail(problem: string): never {
    const shown = this.text.length > 80 ? `${this.text.slice(0, 77)}...` : this.text;
    throw new ArchParseError(
      `${this.space}: ${problem} at position ${this.pos} of "${shown}"` +
        `${this.pos < this.text.length ? ` (near "${this.text.slice(this.pos, this.pos + 12)}")` : " (at the end)"}; ` +
        `expected form: ${this.form}`,
    );
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  /** Consumes `token` if it comes next (after whitespace). */
  eat(token: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected "${token}"`);
  }

  /** A word of letters, digits and underscores (op names). */
  word(what = "a name"): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  /** A non-negative decimal integer. */
  int(what = "a number"): number {
    this.skipSpace();
    const m = /^[0-9]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  end(): void {
    if (!this.atEnd()) this.fail("unexpected trailing text");
  }
}

/** Checks `s` is a string before parsing, with the expected form in the error. */
export function requireString(space: string, s: unknown, form: string): string {
  if (typeof s !== "string") throw new ArchParseError(`${space}: an arch string is needed, got ${typeof s}; expected form: ${form}`);
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Decision-vector operators shared by the spaces
// ---------------------------------------------------------------------------------------------------------

/** What a space provides so the shared operators can work on its choice vectors. */
export interface ChoiceCodec<A> {
  decisions(): Decision[];
  toChoices(a: A): number[];
  /** Builds an arch; throws `InvalidArchError` for a vector that is not a valid arch. */
  fromChoices(c: readonly number[]): A;
  key(a: A): string;
}

/** Builds `a` from `c`, or undefined if the vector is not a valid architecture. */
export function tryFromChoices<A>(codec: ChoiceCodec<A>, c: readonly number[]): A | undefined {
  try {
    return codec.fromChoices(c);
  } catch (e) {
    if (e instanceof InvalidArchError) return undefined;
    throw e;
  }
}

/** Uniform over decisions, redrawn until valid (so uniform over the valid architectures). */
export function sampleValid<A>(codec: ChoiceCodec<A>, rng: Rng, space: string): A {
  const ds = codec.decisions();
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const a = tryFromChoices(codec, sampleChoices(ds, rng));
    if (a !== undefined) return a;
  }
  throw new InvalidArchError(`${space}: could not sample a valid architecture in 10,000 draws; check the space options`);
}

/**
 * All valid architectures one decision away whose key differs from `a`'s, one per key (first in decision
 * order), so a local search never spends a query on an isomorphic copy of where it stands.
 */
export function keyedNeighbours<A>(codec: ChoiceCodec<A>, a: A, candidates?: Iterable<readonly number[]>): A[] {
  const seen = new Set([codec.key(a)]);
  const out: A[] = [];
  for (const c of candidates ?? choiceNeighbours(codec.decisions(), codec.toChoices(a))) {
    const b = tryFromChoices(codec, c);
    if (b === undefined) continue;
    const k = codec.key(b);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(b);
  }
  return out;
}

/**
 * Mutation (Real et al. 2019): change one uniformly chosen decision to a different value, redrawing until the
 * result is valid and not key-equal to `a`. The result is therefore key-equal to one of `keyedNeighbours(a)`.
 */
export function mutateOneDecision<A>(codec: ChoiceCodec<A>, a: A, rng: Rng, space: string): A {
  const ds = codec.decisions();
  const c = codec.toChoices(a);
  const k = codec.key(a);
  const changeable = ds.map((d, i) => i).filter((i) => decisionArity(ds[i]!) > 1);
  for (let attempt = 0; attempt < 1000 && changeable.length > 0; attempt++) {
    const i = rng.choice(changeable);
    const n = c.slice();
    n[i] = (c[i]! + 1 + rng.int(decisionArity(ds[i]!) - 1)) % decisionArity(ds[i]!);
    const b = tryFromChoices(codec, n);
    if (b !== undefined && codec.key(b) !== k) return b;
  }
  const all = keyedNeighbours(codec, a);
  if (all.length === 0) throw new InvalidArchError(`${space}: this architecture has no neighbour with a different key; enlarge the space`);
  return rng.choice(all);
}

/** Uniform crossover of two parents' choice vectors, redrawn until valid; falls back to a copy of a parent. */
export function crossoverChoices<A>(codec: ChoiceCodec<A>, a: A, b: A, rng: Rng): A {
  const ca = codec.toChoices(a);
  const cb = codec.toChoices(b);
  for (let attempt = 0; attempt < 100; attempt++) {
    const child = tryFromChoices(codec, uniformCrossover(ca, cb, rng));
    if (child !== undefined) return child;
  }
  return codec.fromChoices(rng.bool() ? ca : cb);
}

/**
 * Adjacency encoding for graphs with ops on nodes (White et al. 2020, "A Study on Encodings for NAS"): the
 * upper triangle of a `maxNodes` x `maxNodes` adjacency matrix (nodes in topological order, padded), then a
 * one-hot op block per node (`nodeOps[v]` = op index, or -1 for input/output nodes that carry no op).
 */
export function nodeOpAdjacency(
  maxNodes: number,
  edges: readonly IndexEdge[],
  nodeOps: readonly number[],
  vocab: number,
): Float32Array {
  if (nodeOps.length > maxNodes) throw new RangeError(`nodeOpAdjacency: ${nodeOps.length} nodes > maxNodes ${maxNodes}`);
  const tri = (maxNodes * (maxNodes - 1)) / 2;
  const out = new Float32Array(tri + maxNodes * vocab);
  for (const [f, t] of edges) {
    if (f >= t) throw new RangeError(`nodeOpAdjacency: edge ${f}->${t} is not in topological order`);
    out[triIndex(f, t, maxNodes)] = 1;
  }
  nodeOps.forEach((op, v) => {
    if (op >= 0) writeOneHot(out, tri + v * vocab, op, vocab);
  });
  return out;
}

/** Index of entry (i, j), i < j, in the row-major upper triangle of an n x n matrix. */
export function triIndex(i: number, j: number, n: number): number {
  return i * n - (i * (i + 1)) / 2 + (j - i - 1);
}

// ---------------------------------------------------------------------------------------------------------
// Contract check, for the built-in spaces' tests and for anyone writing a new space
// ---------------------------------------------------------------------------------------------------------

/** Structural equality of plain JSON data (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Checks that an `ArchGraph` (and its subgraphs) is a DAG over unique node ids; returns the problems found. */
export function graphProblems(g: ArchGraph, where = "graph"): string[] {
  const problems: string[] = [];
  const index = new Map<string, number>();
  g.nodes.forEach((n, i) => {
    if (index.has(n.id)) problems.push(`${where}: duplicate node id "${n.id}"`);
    index.set(n.id, i);
  });
  const edges: IndexEdge[] = [];
  for (const e of g.edges) {
    const f = index.get(e.from);
    const t = index.get(e.to);
    if (f === undefined || t === undefined) problems.push(`${where}: edge ${e.from}->${e.to} names a missing node`);
    else edges.push([f, t]);
  }
  try {
    topologicalOrder(g.nodes.length, edges);
  } catch (e) {
    problems.push(`${where}: ${(e as Error).message}`);
  }
  const ops = [...g.nodes.map((n) => n.op), ...g.edges.map((e) => e.op)];
  for (const op of ops) {
    if (op?.startsWith("subgraph:") && !g.subgraphs?.[op.slice("subgraph:".length)]) problems.push(`${where}: ${op} has no subgraph`);
  }
  for (const [name, sub] of Object.entries(g.subgraphs ?? {})) problems.push(...graphProblems(sub, `${where}.${name}`));
  return problems;
}

/**
 * Runs the `FullSpace` contract on `n` sampled architectures and returns every violation as a sentence (empty =
 * conforming): format/parse and JSON round-trips, choices round-trip, key-distinct neighbours, mutation into a
 * neighbour, crossover taking each decision from a parent, fixed-length encodings, distance 0 iff key-equal and
 * symmetric, and toGraph a DAG.
 */
export function spaceContractViolations<A>(space: FullSpace<A>, rng: Rng, n = 30): string[] {
  const v: string[] = [];
  const lengths = new Map<string, number>();
  const ds = space.decisions();
  const archs = Array.from({ length: n }, () => space.sample(rng));
  archs.forEach((a, i) => {
    const tag = `sample ${i} (${space.format(a)})`;
    try {
      space.validate(a);
    } catch (e) {
      v.push(`${tag}: validate threw ${(e as Error).message}`);
    }
    if (!deepEqual(space.parse(space.format(a)), a)) v.push(`${tag}: parse(format(a)) differs from a`);
    if (!deepEqual(JSON.parse(JSON.stringify(a)), a)) v.push(`${tag}: not JSON round-trippable`);
    const c = space.toChoices(a);
    if (c.length !== ds.length) v.push(`${tag}: toChoices has ${c.length} entries for ${ds.length} decisions`);
    if (!deepEqual(space.fromChoices(c), a)) v.push(`${tag}: fromChoices(toChoices(a)) differs from a`);
    const k = space.key(a);
    const canonical = (space as Partial<BuiltinSpace<A, unknown>>).canonical;
    if (canonical) {
      const ca = canonical(a);
      if (space.key(ca) !== k) v.push(`${tag}: canonical(a) has a different key`);
      if (!deepEqual(canonical(ca), ca)) v.push(`${tag}: canonical is not idempotent`);
    }
    const ns = space.neighbours(a);
    const nk = ns.map((b) => space.key(b));
    if (new Set(nk).size !== nk.length) v.push(`${tag}: neighbours are not key-distinct`);
    if (nk.includes(k)) v.push(`${tag}: a neighbour is key-equal to a`);
    const m = space.mutate(a, rng);
    if (space.key(m) === k) v.push(`${tag}: mutate returned a key-equal arch`);
    if (!nk.includes(space.key(m))) v.push(`${tag}: mutate returned an arch that is not among neighbours()`);
    const b = archs[(i + 1) % archs.length]!;
    const child = space.toChoices(space.crossover(a, b, rng));
    const cb = space.toChoices(b);
    if (child.some((x, j) => x !== c[j] && x !== cb[j])) v.push(`${tag}: crossover child has a decision from neither parent`);
    for (const kind of ["onehot", "adjacency", "path"] as const) {
      const e = space.encode(a, kind);
      if (!(e instanceof Float32Array)) v.push(`${tag}: encode(${kind}) is not a Float32Array`);
      if (lengths.has(kind) && lengths.get(kind) !== e.length) v.push(`${tag}: encode(${kind}) length ${e.length} != ${lengths.get(kind)}`);
      lengths.set(kind, e.length);
      if (e.some((x) => !Number.isFinite(x))) v.push(`${tag}: encode(${kind}) has a non-finite value`);
    }
    if (space.distance(a, a) !== 0) v.push(`${tag}: distance(a, a) != 0`);
    const dab = space.distance(a, b);
    if (dab !== space.distance(b, a)) v.push(`${tag}: distance is not symmetric`);
    if ((dab === 0) !== (space.key(b) === k)) v.push(`${tag}: distance is 0 but keys differ, or keys equal but distance ${dab}`);
    for (const nb of ns.slice(0, 5)) if (space.distance(a, nb) === 0) v.push(`${tag}: distance to a neighbour is 0`);
    v.push(...graphProblems(space.toGraph(a), `${tag} toGraph`));
  });
  return v;
}

/**
 * Memoises a pure function of a string key (e.g. the canonical form of one cell or motif, which neighbouring
 * architectures share). The cache is dropped when it reaches `limit` entries, bounding memory. Returned values are
 * shared: callers must not mutate them.
 */
export function memoize<V>(fn: (key: string) => V, limit = 50_000): (key: string) => V {
  let cache = new Map<string, V>();
  return (key: string): V => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = fn(key);
    if (cache.size >= limit) cache = new Map();
    cache.set(key, v);
    return v;
  };
}
