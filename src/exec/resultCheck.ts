/**
 * Is what an evaluator returned a TrialResult that can be written and read back as it is? Checked before a result is
 * told, stored or checkpointed, so a search never writes a checkpoint it cannot resume: a string, boolean or object
 * metric, a missing cost, an odd status or `metrics: null` fails that one trial with the reason, instead of being
 * accepted during the run and refused (or crashing the search) later.
 */
import type { TrialResult } from "../estimate/types.js";
import { decodeResult, encodeResult } from "./resultCodec.js";

const shown = (v: unknown) => {
  const text = typeof v === "string" ? JSON.stringify(v) : v === undefined ? "undefined" : (() => {
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  })();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`);

/** What is wrong with `r` as a TrialResult (one clause, naming the field and the fix), or undefined if nothing. */
export function resultProblem(r: unknown): string | undefined {
  if (!r || typeof r !== "object" || Array.isArray(r)) return `it returned ${shown(r)}, not a TrialResult ({ metrics, cost: { seconds }, status })`;
  const o = r as Record<string, unknown>;
  if (o.status !== "ok" && o.status !== "failed") return `status is ${shown(o.status)}; it must be "ok" or "failed"`;
  if (!o.metrics || typeof o.metrics !== "object" || Array.isArray(o.metrics)) {
    return `metrics is ${kind(o.metrics)}; it must be an object of numbers, e.g. { val_acc: 91.2 }`;
  }
  for (const [k, v] of Object.entries(o.metrics)) {
    if (typeof v !== "number") return `metrics.${k} is ${kind(v)} (${shown(v)}); metrics must be numbers`;
  }
  if (!o.cost || typeof o.cost !== "object" || Array.isArray(o.cost)) return `cost is ${kind(o.cost)}; give at least { seconds: <number> }`;
  const cost = o.cost as Record<string, unknown>;
  for (const k of ["seconds", "epochs", "queries"]) {
    const v = cost[k];
    if (k !== "seconds" && v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) return `cost.${k} is ${shown(v)}; it must be a finite number >= 0`;
  }
  if (o.error !== undefined && typeof o.error !== "string") return `error is ${kind(o.error)}; it must be a string`;
  // Whatever else it holds must survive being written as JSON and read back unchanged.
  let back: TrialResult | undefined;
  try {
    back = decodeResult(JSON.parse(JSON.stringify(encodeResult(r as TrialResult))));
  } catch (e) {
    return `it cannot be written as JSON (${(e as Error).message})`;
  }
  if (!back) return "it does not read back as a TrialResult";
  const written = encodeResult(r as TrialResult) as Record<string, unknown>, read = encodeResult(back) as Record<string, unknown>;
  if (JSON.stringify(written) === JSON.stringify(read)) return undefined;
  const field = Object.keys(written).find((k) => JSON.stringify(written[k]) !== JSON.stringify(read[k])) ?? "a field";
  return `${field} does not read back as it was written (${shown(written[field])} vs ${shown(read[field])}); keep results to numbers, strings, arrays and objects`;
}
