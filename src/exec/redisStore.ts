/**
 * The Redis trial store: one string per trial at `<prefix><trial key>` holding the result as JSON, written with
 * SET NX so the first writer wins and a result, once there, never changes (same key ⇒ same result, which is what
 * makes a BullMQ job delivered twice harmless). Non-finite metrics survive (resultCodec); a value that does not
 * decode as a TrialResult reads as a miss.
 */
import type { Redis } from "ioredis";
import type { TrialResult } from "../estimate/types.js";
import { decodeResult, encodeResult } from "./resultCodec.js";
import type { TrialStore } from "./types.js";

export interface RedisStoreOptions {
  /** Key prefix (default "nasbook:trial:"). */
  prefix?: string;
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
  // ioredis loads on first use; maxRetriesPerRequest null: while the server restarts, commands wait for it
  let client: Promise<Redis> | undefined;
  const connect = () => (client ??= import("ioredis").then(({ Redis }) => {
    const r = new Redis(url, { maxRetriesPerRequest: null });
    r.on("error", () => undefined); // reconnects on its own; commands wait meanwhile
    return r;
  }));
  return {
    name: `redis ${url}`,
    url,
    async get(key: string): Promise<TrialResult | undefined> {
      const redis = await connect();
      const text = await redis.get(prefix + key);
      if (text === null) return undefined;
      let v: TrialResult | undefined;
      try {
        v = decodeResult(JSON.parse(text));
      } catch {
        v = undefined;
      }
      if (v) return v;
      // Drop the corrupt value (only if unchanged) so the recomputed result can be written with SET NX.
      await redis.eval(DELETE_IF_EQUAL, 1, prefix + key, text);
      return undefined;
    },
    async put(key: string, result: TrialResult): Promise<void> {
      await (await connect()).set(prefix + key, JSON.stringify(encodeResult(result)), "NX");
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
      const redis = await client;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
