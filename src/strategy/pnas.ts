/**
 * Progressive Neural Architecture Search (Liu et al., "Progressive Neural Architecture Search", ECCV 2018):
 * cells grow one level at a time (PNAS: one block at a time). All level-1 cells are evaluated; then, for each level
 * b = 2..B, every cell of the beam is expanded in all possible ways, a surrogate fitted on everything evaluated so
 * far predicts the unseen expansions, and only the K best predicted are evaluated and become the next beam. The
 * surrogate is refitted after each level. When level B is reached and budget remains, PNAS keeps evaluating the
 * best predicted unevaluated expansions of the last level, K at a time, refitting in between.
 *
 * The strategy is generic over a `ProgressiveSpace<A>` description of how cells grow; `pnasCells` adapts the PNAS block
 * space and `nb201Progressive` (pnasNb201.ts) the NAS-Bench-201 cell.
 */
import { requireCapabilities } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Encodable, EncodingKind, SearchSpace } from "../space/types.js";
import type { PnasArch, PnasSpace } from "../space/pnas.js";
import type { TrialResult } from "../estimate/types.js";
import { mlpEnsemble, type MlpEnsembleOptions } from "../predict/ensemble.js";
import { LstmSurrogate, type LstmSurrogateOptions } from "../predict/lstmSurrogate.js";
import { kendallTau, spearman } from "../predict/rank.js";
import type { SpaceStrategyFactory, Strategy, StrategySnapshot } from "./types.js";
import { Population } from "./population.js";
import { FAST_ENSEMBLE } from "./predictorEvolution.js";

/** How cells of a space grow, level by level. */
export interface ProgressiveSpace<A> {
  readonly name: string;
  /** B: the number of levels (PNAS: blocks per cell). */
  readonly levels: number;
  /** The empty cell at level 0; `grow(root(), 0)` lists the level-1 cells. */
  root(): A;
  /** Every cell at level `level + 1` that extends `a` (a cell of level `level`). */
  grow(a: A, level: number): A[];
  /** The cell as a token string for the LSTM surrogate (ids 0..vocabulary-1). */
  tokens(a: A): number[];
  readonly vocabulary: number;
}

export interface PnasStrategyOptions {
  /** Beam size K: cells evaluated per level (default 20; the paper used 256). */
  beam?: number;
  /** `lstm` (the paper's) or `mlp` (an MLP ensemble on an encoding; default `lstm`). */
  surrogate?: "lstm" | "mlp";
  lstm?: LstmSurrogateOptions;
  mlp?: MlpEnsembleOptions;
  /** Encoding for the MLP surrogate (default onehot). */
  encoding?: EncodingKind;
  /**
   * LSTM surrogates in the ensemble whose mean predicts (default 5, as PNAS; each from its own initialisation on
   * all the data). The MLP surrogate is an ensemble of `mlp.members` (default 3).
   */
  lstmMembers?: number;
}

interface Surrogate<A> {
  readonly name: string;
  readonly trainSize: number;
  fit(archs: readonly A[], y: readonly number[], rng: Rng): void;
  predict(archs: readonly A[]): Float64Array;
}

/** PNAS on any space whose cells grow as `progressive` describes. */
export function pnas<A>(progressive: ProgressiveSpace<A>, opts: PnasStrategyOptions = {}): SpaceStrategyFactory<A> {
  const beam = opts.beam ?? 20;
  const kind = opts.surrogate ?? "lstm";
  const encoding = opts.encoding ?? "onehot";
  if (!(Number.isInteger(beam) && beam >= 1)) throw new RangeError(`pnas: beam must be an integer >= 1, got ${beam}`);
  if (kind !== "lstm" && kind !== "mlp") throw new RangeError(`pnas: surrogate must be "lstm" or "mlp", got "${String(kind)}"`);
  if (!(Number.isInteger(progressive.levels) && progressive.levels >= 1)) throw new RangeError(`pnas: ${progressive.name} must have at least 1 level`);
  const name = `pnas-${progressive.name}${kind === "mlp" ? "-mlp" : ""}`;
  const lstmMembers = opts.lstmMembers ?? 5;
  if (!(Number.isInteger(lstmMembers) && lstmMembers >= 1)) throw new RangeError(`pnas: lstmMembers must be an integer >= 1, got ${lstmMembers}`);
  // L1 loss, as PNAS trains its surrogates.
  const ensemble = mlpEnsemble({ ...FAST_ENSEMBLE, loss: "l1", ...opts.mlp });
  return {
    name,
    create(space: SearchSpace<A>, rng: Rng): Strategy<A> {
      let surrogate: Surrogate<A>;
      if (kind === "lstm") {
        const members = Array.from({ length: lstmMembers }, () => new LstmSurrogate(progressive.vocabulary, opts.lstm));
        surrogate = {
          name: `${lstmMembers}x${members[0]!.name}`,
          get trainSize() {
            return members[0]!.trainSize;
          },
          fit: (archs, y, r) => {
            const seqs = archs.map((a) => progressive.tokens(a));
            for (const m of members) m.fit(seqs, y, r);
          },
          predict: (archs) => {
            const seqs = archs.map((a) => progressive.tokens(a));
            const out = new Float64Array(archs.length);
            for (const m of members) m.predict(seqs).forEach((v, i) => (out[i]! += v / lstmMembers));
            return out;
          },
        };
      } else {
        requireCapabilities(name, space, ["encode"]);
        const enc = space as SearchSpace<A> & Encodable<A>;
        let inner: ReturnType<typeof ensemble> | undefined;
        surrogate = {
          get name() {
            return `${encoding}:${inner?.name ?? "mlp-ensemble"}`;
          },
          get trainSize() {
            return inner?.trainSize ?? 0;
          },
          fit(archs, y, r) {
            const x = archs.map((a) => enc.encode(a, encoding));
            inner = ensemble(x[0]!.length);
            inner.fit(x, y, r);
          },
          predict: (archs) => inner!.predict(archs.map((a) => enc.encode(a, encoding))).mean,
        };
      }

      const history = new Population<A>(space, Infinity);
      const seen = new Set<string>(); // keys proposed
      let level = 0;
      let queue: A[] = [];
      let current: A[] = []; // the cells of the level being evaluated (the next beam)
      let pool: { arch: A; key: string }[] = []; // unevaluated expansions of the last level
      let pending = 0;
      const predicted = new Map<string, number>(); // key -> surrogate's prediction when it was queued
      let levelFit: { level: number; predicted: number[]; actual: number[] } = { level: 0, predicted: [], actual: [] };
      const levelQuality: { level: number; kendallTau: number; spearman: number; n: number }[] = [];

      const closeLevelFit = () => {
        if (levelFit.actual.length >= 3) {
          levelQuality.push({
            level: levelFit.level,
            kendallTau: kendallTau(levelFit.predicted, levelFit.actual),
            spearman: spearman(levelFit.predicted, levelFit.actual),
            n: levelFit.actual.length,
          });
        }
      };

      const refit = () => {
        const ok = history.members.filter((m) => Number.isFinite(m.fitness));
        if (ok.length === 0) return false;
        surrogate.fit(ok.map((m) => m.arch), ok.map((m) => m.fitness), rng);
        return true;
      };

      /** Predicts `candidates`, queues the top `beam` and remembers their predictions. */
      const queueTop = (candidates: { arch: A; key: string }[]) => {
        const scores = surrogate.predict(candidates.map((c) => c.arch));
        const order = candidates.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
        const top = order.slice(0, beam);
        closeLevelFit();
        levelFit = { level, predicted: [], actual: [] };
        for (const i of top) predicted.set(candidates[i]!.key, scores[i]!);
        queue = top.map((i) => candidates[i]!.arch);
        const chosen = new Set(top);
        pool = candidates.filter((_, i) => !chosen.has(i));
      };

      /** The architectures not proposed yet, each equivalence class once (one pass, set lookups). */
      const unseen = (archs: A[]) => {
        const out: { arch: A; key: string }[] = [];
        const inOut = new Set<string>();
        for (const a of archs) {
          const key = space.key(a);
          if (seen.has(key) || inOut.has(key)) continue;
          inOut.add(key);
          out.push({ arch: a, key });
        }
        return out;
      };

      /** Moves to the next level (or, after the last, to the next batch of the last level). */
      const advance = () => {
        if (level === 0) {
          level = 1;
          queue = unseen(progressive.grow(progressive.root(), 0)).map((c) => c.arch);
          current = queue.slice();
          return;
        }
        if (!refit()) {
          queue = [space.sample(rng)];
          return;
        }
        if (level < progressive.levels) {
          const parents = current;
          const children: A[] = [];
          for (const p of parents) children.push(...progressive.grow(p, level));
          level++;
          const candidates = unseen(children);
          if (candidates.length === 0) return;
          queueTop(candidates);
          current = queue.slice();
          return;
        }
        pool = pool.filter((c) => !seen.has(c.key));
        if (pool.length > 0) queueTop(pool);
        else queue = [space.sample(rng)]; // every expansion evaluated: sample at random
      };

      return {
        name,
        ask(n: number): A[] {
          const out: A[] = [];
          for (let guard = 0; out.length < n && guard < 10_000; guard++) {
            if (queue.length === 0) {
              if (pending > 0) {
                // Results of this level are still out (parallel asks): propose a random cell meanwhile.
                queue.push(space.sample(rng));
              } else advance();
            }
            const a = queue.shift();
            if (a === undefined) continue;
            const key = space.key(a);
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(a);
          }
          pending += out.length;
          return out;
        },
        tell(arch: A, result: TrialResult, fitness: number) {
          pending--;
          history.add(arch, result, fitness);
          const p = predicted.get(space.key(arch));
          if (p !== undefined && Number.isFinite(fitness)) {
            levelFit.predicted.push(p);
            levelFit.actual.push(fitness);
          }
        },
        snapshot(): StrategySnapshot {
          const last = levelQuality[levelQuality.length - 1];
          return {
            strategy: name,
            step: history.told,
            population: history.view(),
            predictor: { name: surrogate.name, trainSize: surrogate.trainSize, kendallTau: last?.kendallTau, spearman: last?.spearman },
            level,
            beam: current.map((a) => space.format(a)),
            levelQuality: levelQuality.slice(),
          };
        },
      };
    },
  };
}

/** How PNAS block cells grow: one block per level; tokens are in1, op1, in2, op2 of each block. */
export function pnasCells(space: PnasSpace): ProgressiveSpace<PnasArch> {
  const B = space.options.maxBlocks;
  const ops = space.options.ops;
  return {
    name: "pnas",
    levels: B,
    root: () => space.empty(),
    grow: (a) => space.expand(a),
    tokens: (a) => a.blocks.flatMap((b) => [b.in1, B + 2 + ops.indexOf(b.op1), b.in2, B + 2 + ops.indexOf(b.op2)]),
    vocabulary: B + 2 + ops.length,
  };
}
