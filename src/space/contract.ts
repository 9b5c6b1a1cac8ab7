/** The search-space contract as a checker: for the built-in spaces' tests and for anyone writing a new space. */
import { deepEqual } from "../deepEqual.js";
import type { Rng } from "../rng.js";
import { topologicalOrder, type IndexEdge } from "./dag.js";
import type { ArchGraph, BuiltinSpace, FullSpace, SearchSpace } from "./types.js";

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

/** The methods every space has (the `SearchSpace` contract); without them nothing else can be checked. */
const CORE_METHODS = ["sample", "key", "format", "parse", "validate", "size", "toGraph"] as const;

/**
 * The optional capabilities, their methods, and the built-in strategies that ask for them (each checks at search
 * creation and throws a CapabilityError naming what is missing).
 */
export const CAPABILITIES = [
  { name: "Mutable", methods: ["mutate", "neighbours"], neededBy: "regularizedEvolution, localSearch, predictorEvolution, deltaNas, oneShotSearch" },
  { name: "Crossable", methods: ["crossover"], neededBy: "regularizedEvolution with crossover > 0" },
  { name: "Encodable", methods: ["encode", "distance"], neededBy: "pnas, predictorEvolution, deltaNas and the encoded predictors" },
  { name: "Sequential", methods: ["decisions", "fromChoices", "toChoices"], neededBy: "reinforce, enasSearch" },
] as const;

type Method = (typeof CORE_METHODS)[number] | (typeof CAPABILITIES)[number]["methods"][number];

/**
 * Runs the search-space contract on `n` sampled architectures and returns every violation as a sentence (empty =
 * conforming). A space may implement only the core `SearchSpace` methods: each capability it lacks is one line
 * saying which methods are missing and which strategies need them, and the checks of the capabilities it has still
 * run: format/parse and JSON round-trips, choices round-trip, key-distinct neighbours, mutation into a neighbour,
 * crossover taking each decision from a parent, fixed-length encodings, distance 0 iff key-equal and symmetric,
 * and toGraph a DAG.
 */
export function spaceContractViolations<A>(space: SearchSpace<A> & Partial<FullSpace<A>>, rng: Rng, n = 30): string[] {
  const has = (m: Method): boolean => typeof (space as unknown as Record<string, unknown>)[m] === "function";
  const name = typeof space?.name === "string" && space.name !== "" ? space.name : undefined;
  const v: string[] = [];
  if (name === undefined) v.push("the space has no name: give it a `name` string (it keys trials and checkpoints)");
  const missingCore = CORE_METHODS.filter((m) => !has(m));
  if (missingCore.length > 0) {
    v.push(`the space lacks ${missingCore.join(", ")}: every space needs ${CORE_METHODS.join(", ")} (the SearchSpace contract)`);
    return v; // nothing else can be checked without sampling, formatting and keys
  }
  for (const c of CAPABILITIES) {
    const missing = c.methods.filter((m) => !has(m));
    if (missing.length > 0) v.push(`missing capability ${c.name}: ${missing.join(", ")} (needed by ${c.neededBy})`);
  }
  const full = space as FullSpace<A>; // each use below is guarded by has(...)
  const sequential = has("decisions") && has("fromChoices") && has("toChoices");
  const lengths = new Map<string, number>();
  const ds = sequential ? full.decisions() : [];
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
    const c = sequential ? full.toChoices(a) : [];
    if (sequential) {
      if (c.length !== ds.length) v.push(`${tag}: toChoices has ${c.length} entries for ${ds.length} decisions`);
      if (!deepEqual(full.fromChoices(c), a)) v.push(`${tag}: fromChoices(toChoices(a)) differs from a`);
    }
    const k = space.key(a);
    const canonical = (space as Partial<BuiltinSpace<A, unknown>>).canonical;
    if (canonical) {
      const ca = canonical(a);
      if (space.key(ca) !== k) v.push(`${tag}: canonical(a) has a different key`);
      if (!deepEqual(canonical(ca), ca)) v.push(`${tag}: canonical is not idempotent`);
    }
    const ns = has("neighbours") ? full.neighbours(a) : [];
    const nk = ns.map((b) => space.key(b));
    if (new Set(nk).size !== nk.length) v.push(`${tag}: neighbours are not key-distinct`);
    if (nk.includes(k)) v.push(`${tag}: a neighbour is key-equal to a`);
    if (has("mutate")) {
      const m = full.mutate(a, rng);
      if (space.key(m) === k) v.push(`${tag}: mutate returned a key-equal arch`);
      if (has("neighbours") && !nk.includes(space.key(m))) v.push(`${tag}: mutate returned an arch that is not among neighbours()`);
    }
    const b = archs[(i + 1) % archs.length]!;
    if (has("crossover")) {
      const child = full.crossover(a, b, rng);
      if (sequential) {
        const cc = full.toChoices(child);
        const cb = full.toChoices(b);
        if (cc.some((x, j) => x !== c[j] && x !== cb[j])) v.push(`${tag}: crossover child has a decision from neither parent`);
      } else {
        try {
          space.validate(child);
        } catch (e) {
          v.push(`${tag}: crossover made an invalid child: ${(e as Error).message}`);
        }
      }
    }
    if (has("encode")) {
      for (const kind of ["onehot", "adjacency", "path"] as const) {
        const e = full.encode(a, kind);
        if (!(e instanceof Float32Array)) v.push(`${tag}: encode(${kind}) is not a Float32Array`);
        if (lengths.has(kind) && lengths.get(kind) !== e.length) v.push(`${tag}: encode(${kind}) length ${e.length} != ${lengths.get(kind)}`);
        lengths.set(kind, e.length);
        if (e.some((x) => !Number.isFinite(x))) v.push(`${tag}: encode(${kind}) has a non-finite value`);
      }
    }
    if (has("distance")) {
      if (full.distance(a, a) !== 0) v.push(`${tag}: distance(a, a) != 0`);
      const dab = full.distance(a, b);
      if (dab !== full.distance(b, a)) v.push(`${tag}: distance is not symmetric`);
      if ((dab === 0) !== (space.key(b) === k)) v.push(`${tag}: distance is 0 but keys differ, or keys equal but distance ${dab}`);
      for (const nb of ns.slice(0, 5)) if (full.distance(a, nb) === 0) v.push(`${tag}: distance to a neighbour is 0`);
    }
    v.push(...graphProblems(space.toGraph(a), `${tag} toGraph`));
  });
  return v;
}
