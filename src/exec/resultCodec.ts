/**
 * TrialResult <-> JSON without loss: JSON has no NaN or ±Infinity (JSON.stringify writes null, which then reads
 * back as a non-number and breaks a resume), so non-finite numbers travel as the strings "NaN", "Infinity" and
 * "-Infinity". Decoding checks the shape, so a record that is not a result reads as undefined.
 */
import type { TrialResult } from "../estimate/types.js";

const NON_FINITE = new Set(["NaN", "Infinity", "-Infinity"]);

/** The result as JSON-safe data (non-finite numbers as strings). */
export function encodeResult(r: TrialResult): unknown {
  const metrics: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(r.metrics)) metrics[k] = Number.isFinite(v) ? v : String(v);
  return { ...r, metrics };
}

/** A result from `encodeResult`'s data (or older plain JSON); undefined if it is not one. */
export function decodeResult(data: unknown): TrialResult | undefined {
  const o = data as { metrics?: unknown; cost?: unknown; status?: unknown; error?: unknown } | null;
  if (!o || typeof o !== "object" || (o.status !== "ok" && o.status !== "failed")) return undefined;
  if (!o.metrics || typeof o.metrics !== "object" || !o.cost || typeof o.cost !== "object") return undefined;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(o.metrics as Record<string, unknown>)) {
    if (typeof v === "number") metrics[k] = v;
    else if (typeof v === "string" && NON_FINITE.has(v)) metrics[k] = Number(v);
    else if (v === null) metrics[k] = NaN; // written by an older version that let JSON.stringify drop it to null
    else return undefined;
  }
  return { ...(o as TrialResult), metrics };
}
