/**
 * The contracts every search space implements. A space is plain data in, plain data out: architectures are
 * JSON-serialisable values, so they can be logged, checkpointed, resumed and sent to a worker. Nothing here
 * knows about tensors.
 */
import type { Recipe } from "../recipe.js";
import type { Rng } from "../rng.js";

/** One node of an architecture graph. `op` is set when the space puts operations on nodes (chain, Zoph & Le). */
export interface GraphNode {
  id: string;
  role: "input" | "hidden" | "output";
  op?: string;
  /** Free-form numeric/string attributes a model builder needs (filters, kernel, stride, units ...). */
  attrs?: Record<string, number | string | boolean>;
}

/** One edge. `op` is set when the space puts operations on edges (NB201, DARTS, PNAS blocks). */
export interface GraphEdge {
  from: string;
  to: string;
  op?: string;
  attrs?: Record<string, number | string | boolean>;
}

/**
 * A DAG of operations, used to build models and to draw. `combine` says how a node merges its inputs.
 * Spaces made of several cells (DARTS normal + reduction, hierarchical motifs) put them in `subgraphs`;
 * an op named `subgraph:<name>` stands for a whole subgraph.
 */
export interface ArchGraph {
  space: string;
  opsOn: "edges" | "nodes";
  combine: "sum" | "concat";
  nodes: GraphNode[];
  edges: GraphEdge[];
  subgraphs?: Record<string, ArchGraph>;
}

/**
 * One decision a controller makes. A categorical decision picks one of `choices`. An anchor decision is a
 * yes/no skip connection from layer `from` into layer `layer` (Zoph & Le 2017 anchor points); a controller
 * models it with a sigmoid over its hidden states rather than a softmax, and its choice index is 0 (no) or 1 (yes).
 */
export type Decision =
  | { kind: "categorical"; name: string; choices: readonly string[] }
  | { kind: "anchor"; name: string; layer: number; from: number };

/**
 * Probabilities over the choices of one decision: a controller's policy for one decision of the space (REINFORCE,
 * ENAS), or softmax(alpha) over the ops of one supernet edge (DARTS, GDAS; `decision` is the edge, "to<-from" or
 * "cell:to<-from"). The one shape of "probabilities over choices per decision": the policy heatmap and the
 * supernet figure both read it.
 */
export interface PolicyRow {
  decision: string;
  choices: string[];
  /** One probability per choice, summing to 1. */
  probs: number[];
}

export type EncodingKind = "onehot" | "adjacency" | "path";

/** Everything every search space has. */
export interface SearchSpace<A> {
  readonly name: string;
  /** A uniformly random architecture (uniform over the space's decisions). */
  sample(rng: Rng): A;
  /** Canonical key: equal for architectures that compute the same function (isomorphism, dead paths). */
  key(a: A): string;
  /** Human-readable string; `parse(format(a))` equals `a`. */
  format(a: A): string;
  /** Parses a string from `format`; throws an `ArchParseError` naming what is wrong and the expected form. */
  parse(s: string): A;
  /** Throws an `InvalidArchError` (or `UnknownOpError`) for an impossible architecture. */
  validate(a: A): void;
  /** Number of distinct architectures (as written, not up to isomorphism). */
  size(): bigint;
  toGraph(a: A): ArchGraph;
  /** How another process or thread rebuilds this space (built-in spaces: name + options). */
  recipe?: Recipe;
}

export interface Mutable<A> {
  /** A random neighbour: one decision changed. Never returns an architecture equal to `a`. */
  mutate(a: A, rng: Rng): A;
  /** All architectures one decision away, in a fixed order. */
  neighbours(a: A): A[];
}

export interface Crossable<A> {
  /** A child taking each decision from one of the parents. */
  crossover(a: A, b: A, rng: Rng): A;
}

export interface Encodable<A> {
  encode(a: A, kind: EncodingKind): Float32Array;
  /** A distance between architectures (0 for equal ones); for predictors and diversity. */
  distance(a: A, b: A): number;
}

export interface Sequential<A> {
  decisions(): Decision[];
  fromChoices(choices: readonly number[]): A;
  toChoices(a: A): number[];
}

/** The full set of capabilities the built-in spaces provide. */
export type FullSpace<A> = SearchSpace<A> & Mutable<A> & Crossable<A> & Encodable<A> & Sequential<A>;

/**
 * The shape every built-in space shares: the full contract, its resolved options, and `canonical(a)`, the
 * representative of `a`'s key class (so `key(a) === format(canonical(a))` and distances compare canonical forms).
 */
export interface BuiltinSpace<A, O> extends FullSpace<A> {
  readonly options: Required<O>;
  canonical(a: A): A;
}
