/**
 * HMAC-SHA256 signatures with the shared key (sharedKey.ts) on what crosses Redis: a job (signed by the search,
 * checked by the worker before it looks at anything else in it) and a result (signed by whoever computed it, checked
 * by whoever reads it from a store or a job's return value). Each signature covers a purpose tag and what binds the
 * data to its place (the queue and job id; the trial key), so a signed job cannot be replayed on another queue or
 * id, and a signed result cannot be moved to another trial.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { SharedKey } from "./sharedKey.js";
import { canonicalJson } from "./trialKey.js";
import type { TrialJob } from "./trialJob.js";

/** A job as it travels: the trial job plus the id of the key that signed it and the signature. */
export type SignedJob = TrialJob & { keyId: string; mac: string };

function hmac(key: SharedKey, parts: string[]): string {
  const h = createHmac("sha256", key.secret);
  for (const p of parts) h.update(`${p.length}:${p}`); // length-prefixed: no two part lists give the same bytes
  return h.digest("hex");
}

function equalHex(a: string, b: string): boolean {
  if (typeof a !== "string" || typeof b !== "string" || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The data as it will read after a JSON round trip (what the other side verifies). */
const wire = (v: unknown): string => canonicalJson(JSON.parse(JSON.stringify(v)) as unknown);

/** Signs a job for `queue` (its job id is its trial key). */
export function signJob(key: SharedKey, queue: string, job: TrialJob): SignedJob {
  return { ...job, keyId: key.id, mac: hmac(key, ["nasbook job v1", queue, job.key, wire(job)]) };
}

/** The job if `data` is one signed with `key` for `queue` under `jobId`; otherwise why it is refused. */
export function verifyJob(key: SharedKey, queue: string, jobId: string | undefined, data: unknown): { job: TrialJob } | { refused: string } {
  if (!data || typeof data !== "object" || Array.isArray(data)) return { refused: "the job is not an object" };
  const { mac, keyId, ...job } = data as Partial<SignedJob>;
  if (typeof mac !== "string") return { refused: "the job is not signed (start the search with the same shared key as this worker)" };
  if (typeof job.key !== "string" || job.key !== jobId) return { refused: `the job's trial key does not match its id ${JSON.stringify(jobId)}` };
  if (!equalHex(mac, hmac(key, ["nasbook job v1", queue, job.key, wire(job)]))) {
    return {
      refused: keyId !== key.id && typeof keyId === "string"
        ? `the job is signed with another key (key id ${keyId.slice(0, 12)}; this worker's is ${key.id}): give the search and the worker the same key`
        : "the job's signature does not match its content (altered in the queue, or signed with another key)",
    };
  }
  return { job: job as TrialJob };
}

/** A result (already JSON-safe, see resultCodec) with its signature for trial `trialKey`. */
export interface SealedResult { result: unknown; mac: string }

/** Seals an encoded result for `trialKey`. */
export function sealResult(key: SharedKey, trialKey: string, encoded: unknown): SealedResult {
  return { result: encoded, mac: hmac(key, ["nasbook result v1", trialKey, wire(encoded)]) };
}

/** The encoded result if `sealed` carries a valid signature for `trialKey`, else undefined. */
export function openResult(key: SharedKey, trialKey: string, sealed: unknown): unknown {
  const s = sealed as Partial<SealedResult> | null;
  if (!s || typeof s !== "object" || typeof s.mac !== "string" || !("result" in s)) return undefined;
  let text: string;
  try {
    text = wire(s.result);
  } catch {
    return undefined;
  }
  return equalHex(s.mac, hmac(key, ["nasbook result v1", trialKey, text])) ? s.result : undefined;
}
