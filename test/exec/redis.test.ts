/** The Redis trial store against a real redis-server: immutable results, corrupt entries, persistence across restart. */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrialResult } from "../../src/estimate/types.js";
import { redisStore } from "../../src/exec/redisStore.js";
import { redisAvailable, startRedis, type RedisServer } from "../fixtures/redis.js";

const skip = !redisAvailable() && process.env.CI !== "true";
const ok = (v: number): TrialResult => ({ metrics: { val_acc: v }, cost: { seconds: 1 }, status: "ok" });

describe.skipIf(skip)("redis trial store", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis({ appendonly: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("first writer wins: a second put under the same key does not change the result", async () => {
    const a = redisStore(server.url), b = redisStore(server.url);
    expect(await a.get("k1")).toBeUndefined();
    await a.put("k1", ok(1));
    await b.put("k1", ok(2));
    expect(await b.get("k1")).toEqual(ok(1));
    expect(a.name).toBe(`redis ${server.url}`);
    await a.close();
    await b.close();
  });

  it("a corrupt or torn entry reads as a miss, and the recomputed result can then be stored", async () => {
    const raw = new Redis(server.url);
    const store = redisStore(server.url);
    await raw.set("nasbook:trial:torn", '{"metrics":{"val_acc":1},"cost":');
    await raw.set("nasbook:trial:foreign", '{"hello":"world"}');
    expect(await store.get("torn")).toBeUndefined();
    expect(await store.get("foreign")).toBeUndefined();
    await store.put("torn", ok(3));
    expect(await store.get("torn")).toEqual(ok(3));
    raw.disconnect();
    await store.close();
  });

  it("with appendonly on, results survive a server restart, and a store open across the restart keeps working", async () => {
    const store = redisStore(server.url);
    for (let i = 0; i < 20; i++) await store.put(`p${i}`, ok(i));
    const before = await store.count();
    await server.restart();
    expect(await store.get("p7")).toEqual(ok(7)); // the same client reconnects on its own
    expect(await store.count()).toBe(before);
    await store.close();
  });
});
