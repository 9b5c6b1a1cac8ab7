/**
 * Trial identity: the sha256 of the canonical JSON of everything that decides a trial's result (the evaluator's
 * fingerprint, the space's name, the architecture (as written), the evaluation budget, the seed, and
 * nasbook's version). Same key ⇒ same result: that is what makes the trial store and at-least-once delivery safe.
 */
import { existsSync, readFileSync } from "node:fs";
import type { EvalBudget, Evaluator } from "../estimate/types.js";
import { FingerprintError } from "../errors.js";
import { sha256Hex } from "../hash.js";

export { FingerprintError } from "../errors.js";
export { sha256Hex } from "../hash.js";


/** JSON with object keys sorted at every level, so equal values give equal text; non-finite numbers are refused. */
export function canonicalJson(value: unknown): string {
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return `${v}`; // NaN/Infinity are distinct options, kept distinct as text
      return v;
    }
    if (v === undefined) return undefined;
    if (typeof v === "bigint") return `${v}n`;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`) ?? null);
    if (v instanceof Uint8Array || v instanceof Float32Array || v instanceof Int32Array || v instanceof Float64Array) {
      return { bytes: sha256Hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
    if (typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const w = walk((v as Record<string, unknown>)[k], `${path}.${k}`);
        if (w !== undefined) out[k] = w;
      }
      return out;
    }
    throw new FingerprintError(`${path || "value"} is a ${typeof v}: a fingerprint must be plain data (numbers, strings, arrays, objects)`);
  };
  return JSON.stringify(walk(value, ""));
}

let version: string | undefined;
/** nasbook's version (package.json): results of another version are never reused. */
export function nasbookVersion(): string {
  // src/exec/ in a clone, dist/src/exec/ once built: the package's own package.json is the nearest one named nasbook.
  for (let dir = new URL("./", import.meta.url); version === undefined; dir = new URL("../", dir)) {
    const file = new URL("package.json", dir);
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "nasbook" && pkg.version) version = pkg.version;
    }
    if (dir.pathname === "/") throw new Error("nasbook's package.json not found above " + import.meta.url);
  }
  return version;
}

/** The fingerprint of an evaluator, or a FingerprintError saying how to give it one. */
export async function evaluatorFingerprint<A>(evaluator: Evaluator<A>): Promise<Record<string, unknown>> {
  if (typeof evaluator.fingerprint !== "function") {
    throw new FingerprintError(
      `evaluator "${evaluator.name}" has no fingerprint(), so its trials cannot be cached: add ` +
        "`fingerprint: () => ({ ...every option that changes a result })` to it, or pass `store: false` to search()",
    );
  }
  const fp = await evaluator.fingerprint();
  if (!fp || typeof fp !== "object") throw new FingerprintError(`evaluator "${evaluator.name}".fingerprint() returned ${String(fp)}, not an object`);
  return fp;
}

export interface TrialIdentity {
  /** The evaluator's fingerprint (see evaluatorFingerprint). */
  fingerprint: Record<string, unknown>;
  /** The space's name. */
  space: string;
  /**
   * The architecture as written, `space.format(arch)`; not the canonical `space.key`: equivalent (isomorphic)
   * architectures can have different results (NAS-Bench-201 trained each written cell separately), and a store
   * must never answer for one with the other's numbers.
   */
  archKey: string;
  budget?: EvalBudget;
  /** The trial's seed; ignored when the fingerprint says `seeded: false` (a table's mean over seeds). */
  seed: number;
}

/** The trial key: sha256 hex of the canonical JSON of the trial's identity. */
export function trialKey(t: TrialIdentity): string {
  const seed = t.fingerprint.seeded === false ? null : t.seed;
  return sha256Hex(canonicalJson({ v: 1, nasbook: nasbookVersion(), evaluator: t.fingerprint, space: t.space, arch: t.archKey, budget: t.budget ?? null, seed }));
}
