/**
 * Connections to Redis for the BullMQ executor, `nasbook worker` and the Redis trial store: the URL checked and
 * printed without its password, TLS (`rediss://`, with a CA file for a self-signed server), and a probe that turns
 * every way a server can be out of reach (nothing listening, a wrong or missing password, TLS against a plain server
 * or the reverse, a host that does not answer) into one line within seconds, instead of the endless reconnecting a
 * Redis client does by design. Once a server has answered, connections reconnect on their own (a restart loses
 * nothing with AOF on).
 */
import { readFileSync } from "node:fs";
import type { Redis, RedisOptions } from "ioredis";
import { NasbookError } from "../errors.js";

/** The Redis URL is not one (e.g. `--redis localhost`). */
export class RedisUrlError extends NasbookError {}

/** Redis cannot be used: unreachable, refusing the password, a TLS mismatch. One line, with the fix. */
export class RedisUnreachableError extends NasbookError {}

/** Where Redis is, and how to trust its TLS certificate. */
export interface RedisTarget {
  /** redis://[user:password@]host:port[/db] or rediss://... (TLS). */
  url: string;
  /**
   * PEM certificate(s) of the CA that signed a `rediss://` server's certificate (e.g. a self-signed one), or a path to
   * a PEM file. Default: NASBOOK_REDIS_CA (a path), else the system's CAs.
   */
  ca?: string | Buffer;
}

/** Checks a Redis URL (redis:// or rediss://) and returns it. */
export function checkRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(`"${redactUrl(url)}" is not a Redis URL; give one like redis://127.0.0.1:6379`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new RedisUrlError(`"${redactUrl(url)}" is not a Redis URL (redis:// or rediss://); e.g. redis://127.0.0.1:6379`);
  return url;
}

/** The URL without its password (`redis://:***@host:port`), for logs, store names and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href.replace(/\/$/, "");
  } catch {
    // not a URL: still hide anything between "//" and "@", where a password would be
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

function caOf(t: RedisTarget): Buffer | string | undefined {
  const ca = t.ca ?? (process.env.NASBOOK_REDIS_CA?.trim() || undefined);
  if (ca === undefined || Buffer.isBuffer(ca) || ca.includes("-----BEGIN")) return ca;
  try {
    return readFileSync(ca);
  } catch (e) {
    throw new RedisUnreachableError(`cannot read the Redis CA file ${ca} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a PEM file with --redis-ca or NASBOOK_REDIS_CA`);
  }
}

/** ioredis options for a target (TLS only for rediss://). */
function options(t: RedisTarget, extra: RedisOptions): RedisOptions {
  const tls = checkRedisUrl(t.url).startsWith("rediss:") ? { tls: { ca: caOf(t) } } : {};
  return { ...tls, ...extra };
}

/**
 * A connection for long use: `maxRetriesPerRequest: null` is what BullMQ requires (commands wait for a restarting
 * server instead of failing). Call `probeRedis` first: this one never gives up.
 */
export async function redisConnection(t: RedisTarget): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const r = new Redis(t.url, options(t, { maxRetriesPerRequest: null }));
  r.on("error", () => undefined); // reconnects on its own; commands wait meanwhile
  return r;
}

/** Seconds the probe waits for a server before calling it unreachable. */
export const PROBE_SECONDS = 5;

/** The problem and its fix, from the first error the probe saw. */
function explain(t: RedisTarget, e: unknown): string {
  const where = redactUrl(t.url);
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const tls = t.url.startsWith("rediss:");
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
    return `Redis at ${where} refused the password (WRONGPASS); give the right one in the URL (redis://:PASSWORD@host:port, or set NASBOOK_REDIS_URL to keep it off the command line)`;
  }
  if (/NOAUTH|Authentication required/i.test(msg)) {
    return `Redis at ${where} requires a password; give it in the URL (redis://:PASSWORD@host:port, or set NASBOOK_REDIS_URL to keep it off the command line)`;
  }
  if (code === "ECONNREFUSED") return `nothing listens at ${where} (connection refused); start redis-server there, or fix the host and port`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `the host of ${where} is not known (${code}); fix the URL`;
  if (tls && /certificate|self[- ]signed|unable to verify|CERT_|UNABLE_TO/i.test(`${msg} ${code ?? ""}`)) {
    return `the TLS certificate of ${where} is not trusted (${code ?? msg}); give the CA that signed it with --redis-ca FILE (or NASBOOK_REDIS_CA)`;
  }
  if (tls && /wrong version number|packet length too long|ssl|tls|ECONNRESET|socket disconnected/i.test(`${msg} ${code ?? ""}`)) {
    return `TLS to ${where} failed (${code ?? msg}): is it a plain (non-TLS) server? use redis:// for a plain server, rediss:// for its --tls-port`;
  }
  if (code === "ETIMEDOUT" || /timed out|no answer/i.test(msg)) {
    return `no answer from ${where} within ${PROBE_SECONDS} s${tls ? " (a plain server given rediss://? use redis://)" : ""}; check the host, port and firewall`;
  }
  if (!tls && /Connection is closed|ECONNRESET/i.test(msg)) {
    return `${where} closed the connection (${code ?? msg}): a TLS-only server given redis://? use rediss:// for its --tls-port`;
  }
  return `cannot use Redis at ${where}: ${msg.split("\n")[0]}`;
}

/**
 * Connects once, authenticates and PINGs, within PROBE_SECONDS; throws RedisUnreachableError (one line) when that
 * fails. What the executor, the worker and the store do before their first command.
 */
export async function probeRedis(t: RedisTarget): Promise<void> {
  const { Redis } = await import("ioredis");
  const r = new Redis(t.url, options(t, {
    lazyConnect: true, connectTimeout: PROBE_SECONDS * 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false,
    retryStrategy: () => null, reconnectOnError: () => false,
  }));
  let first: unknown;
  r.on("error", (e: unknown) => (first ??= e));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" })), PROBE_SECONDS * 1000);
  });
  try {
    await Promise.race([(async () => {
      await r.connect();
      await r.ping();
    })(), deadline]);
  } catch (e) {
    // The first error says why (e.g. WRONGPASS); the later ones say only that the connection closed.
    throw new RedisUnreachableError(explain(t, first ?? e));
  } finally {
    clearTimeout(timer);
    r.disconnect();
  }
}
