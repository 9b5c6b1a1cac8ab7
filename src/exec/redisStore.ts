/**
 * The Redis trial store: one string per trial at `<prefix><trial key>` holding the result as JSON, written with
 * SET NX so the first writer wins and a result, once there, never changes (same key ⇒ same result, which is what
 * makes a BullMQ job delivered twice harmless). Non-finite metrics survive (resultCodec); a value that does not
 * decode as a TrialResult reads as a miss.
 *
 * With a shared key (what the BullMQ executor and `nasbook worker` always give it) each value is sealed: the result
 * and an HMAC over it and its trial key (signature.ts), so whoever can write to Redis without the key cannot plant a
 * result, nor move one to another trial; an entry that does not verify reads as a miss and is replaced.
 */
import type { Redis } from "ioredis";
import type { TrialResult } from "../estimate/types.js";
import { probeRedis, redactUrl, redisConnection, type RedisTarget } from "./redisConnection.js";
import { decodeResult, encodeResult } from "./resultCodec.js";
import type { SharedKey } from "./sharedKey.js";
import { openResult, sealResult } from "./signature.js";
import type { TrialStore } from "./types.js";

export interface RedisStoreOptions {
  /** Key prefix (default "nasbook:trial:"). */
  prefix?: string;
  /** Seal every result with this key, and believe only results sealed with it. */
  key?: SharedKey;
  /** The CA of a `rediss://` server's certificate (see RedisTarget). */
  ca?: RedisTarget["ca"];
}

/** A TrialStore in Redis, shared by every search and `nasbook worker` pointed at the same server. */
export interface RedisTrialStore extends TrialStore {
  readonly url: string;
  /** Number of stored trials under this prefix (SCAN; for reports and tests). */
  count(): Promise<number>;
  close(): Promise<void>;
}

const DELETE_IF_EQUAL = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** Opens a Redis trial store at `url` (e.g. redis://127.0.0.1:6379). */
export function redisStore(url: string, opts: RedisStoreOptions = {}): RedisTrialStore {
  const prefix = opts.prefix ?? "nasbook:trial:";
  const target: RedisTarget = { url, ca: opts.ca };
  // ioredis loads on first use; the probe turns an unreachable server into one clear error instead of a wait forever
  let client: Promise<Redis> | undefined;
  const connect = () => (client ??= probeRedis(target).then(() => redisConnection(target)));
  const decode = (trialKey: string, text: string): TrialResult | undefined => {
    try {
      const data = JSON.parse(text) as unknown;
      return decodeResult(opts.key ? openResult(opts.key, trialKey, data) : data);
    } catch {
      return undefined;
    }
  };
  return {
    name: `redis ${redactUrl(url)}`,
    url,
    async get(key: string): Promise<TrialResult | undefined> {
      const redis = await connect();
      const text = await redis.get(prefix + key);
      if (text === null) return undefined;
      const v = decode(key, text);
      if (v) return v;
      // A reader without the key leaves sealed entries alone: they are someone else's, and may be valid.
      if (!opts.key && /"mac"\s*:/.test(text)) return undefined;
      // Drop the corrupt (or forged) value, only if unchanged, so the recomputed result can be written with SET NX.
      await redis.eval(DELETE_IF_EQUAL, 1, prefix + key, text);
      return undefined;
    },
    async put(key: string, result: TrialResult): Promise<void> {
      const encoded = encodeResult(result);
      const value = opts.key ? sealResult(opts.key, key, encoded) : encoded;
      await (await connect()).set(prefix + key, JSON.stringify(value), "NX");
    },
    async count(): Promise<number> {
      const redis = await connect();
      let n = 0;
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        n += keys.length;
        cursor = next;
      } while (cursor !== "0");
      return n;
    },
    async close(): Promise<void> {
      if (!client) return;
      const redis = await client.catch(() => undefined);
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
