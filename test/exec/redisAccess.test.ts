/**
 * Reaching Redis: AUTH and TLS (`rediss://` with a self-signed certificate) work end to end with a real worker, the
 * password never shows in what the worker prints or in store names; and every way a server can be out of reach
 * (nothing listening, a wrong or missing password, TLS against a plain server and the reverse, an untrusted
 * certificate) is a one-line error and a non-zero exit of `nasbook search` and `nasbook worker`, not a silent wait.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullmqExecutor } from "../../src/exec/bullmq.js";
import { search, type SearchResult } from "../../src/search.js";
import { execSearchConfig } from "../fixtures/execEvaluators.js";
import { opensslAvailable, redisAvailable, startRedis, type RedisServer } from "../fixtures/redis.js";
import { TEST_KEY, startWorker } from "../fixtures/workers.js";

const skip = (!redisAvailable() || !opensslAvailable()) && process.env.CI !== "true";
const bin = fileURLToPath(new URL("../../bin/nasbook.js", import.meta.url));
const PASSWORD = "pw-Secret-4711";
const rows = (r: SearchResult<unknown>) => r.history.map((t) => [t.index, t.archString, t.seed, t.result.status, t.result.metrics.val_acc]);

/** Runs the CLI to its end (killed after `limitMs`: a hang fails the test); resolves with code, stderr and seconds. */
function cli(argv: string[], limitMs = 60_000, env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string; seconds: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...argv], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NASBOOK_KEY: TEST_KEY, ...env } });
    let stderr = "", stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

describe.skipIf(skip)("Redis AUTH and TLS", () => {
  let plain: RedisServer; // password, no TLS
  let secure: RedisServer; // password and TLS only
  beforeAll(async () => {
    [plain, secure] = await Promise.all([startRedis({ password: PASSWORD }), startRedis({ password: PASSWORD, tls: true })]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), secure?.stop()]);
  });

  it("a search and a worker over rediss:// with a password and a self-signed CA: same history as in-process, no password printed", async () => {
    // the worker gets the URL from NASBOOK_REDIS_URL (the password stays out of its argv) and the CA from --redis-ca
    const worker = await startWorker("", "tls", ["--redis-ca", secure.ca!], { NASBOOK_REDIS_URL: secure.url });
    const executor = bullmqExecutor({ redis: secure.url, ca: secure.ca, queue: "tls", key: TEST_KEY });
    try {
      const cfg = { queries: 6 };
      const r = await search({ ...execSearchConfig(undefined, cfg), executor, store: executor.store }).result();
      const reference = await search({ ...execSearchConfig(undefined, cfg), store: false }).result();
      expect(rows(r)).toEqual(rows(reference));
      expect(r.history.every((t) => t.result.status === "ok")).toBe(true);
      expect(worker.output()).toMatch(/serving queue "tls" on rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      expect(executor.store.name).toMatch(/^redis rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+$/);
      expect(r.store).toBe(executor.store.name);
      for (const text of [worker.output(), executor.store.name, String(r.store)]) expect(text).not.toContain(PASSWORD);
    } finally {
      await executor.close();
      await worker.stop();
    }
  });

  it("every unusable server is one line and a non-zero exit, for search and worker alike, without the password", async () => {
    const port = (u: string) => new URL(u).port;
    const cases: [string, string, string[], RegExp][] = [
      ["nothing listening", "redis://127.0.0.1:1", [], /nothing listens at redis:\/\/127\.0\.0\.1:1 \(connection refused\)/],
      ["wrong password", `redis://:wrong-${PASSWORD}@127.0.0.1:${port(plain.url)}`, [], /refused the password \(WRONGPASS\)/],
      ["no password", `redis://127.0.0.1:${port(plain.url)}`, [], /requires a password; give it in the URL/],
      ["rediss:// to a plain server", `rediss://:${PASSWORD}@127.0.0.1:${port(plain.url)}`, [], /no answer from rediss:.* \(a plain server given rediss:\/\/\? use redis:\/\/\)/],
      ["redis:// to a TLS server", `redis://:${PASSWORD}@127.0.0.1:${port(secure.url)}`, [], /closed the connection .*use rediss:\/\//],
      ["an untrusted certificate", secure.url, [], /TLS certificate of rediss:.* is not trusted .*--redis-ca/],
    ];
    const runs = cases.flatMap(([what, url, extra, message]) => [
      cli(["search", "--executor", "bullmq", "--redis", url, "--space", "chain", "--queries", "2", "--quiet", ...extra]).then((r) => ({ what: `search, ${what}`, r, message })),
      cli(["worker", "--redis", url, ...extra]).then((r) => ({ what: `worker, ${what}`, r, message })),
    ]);
    for (const { what, r, message } of await Promise.all(runs)) {
      console.log(`${what}: exit ${r.code} after ${r.seconds.toFixed(1)} s: ${r.stderr.trim()}`);
      expect(r.code, `${what}: ${r.stderr}`).toBe(1);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr.trim().split("\n"), what).toHaveLength(1);
      expect(r.stderr + r.stdout, what).not.toContain(PASSWORD);
    }
  }, 120_000);
});
