/** `nasbook search` / `nasbook worker` from the command line: flags, one-line errors, every strategy, --history. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { cliStrategies, main as searchMain, type HistoryLine } from "../../src/cli/search.js";
import { main as workerMain } from "../../src/cli/worker.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";
import { redisAvailable, startRedis } from "../fixtures/redis.js";
import { TEST_KEY, startWorker } from "../fixtures/workers.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-cli-"));
const table = join(dir, "nb201_all.csv");
writeFileSync(table, nb201Csv(15625));
const tinyTable = join(dir, "tiny.csv");
writeFileSync(tinyTable, nb201Csv(3));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs a command's main() here, capturing what it prints. */
async function run(main: (argv: string[]) => Promise<number>, argv: string[]) {
  const out: string[] = [], err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("nasbook search flags", () => {
  it.each([
    [["--queries", "-5"], /--queries must be a positive integer, got "-5"/],
    [["--queries"], /--queries needs a value/],
    [["--bogus"], /unknown option --bogus \(options: --strategy, --space/],
    [["--executor", "gpu"], /--executor must be one of inprocess, pool, bullmq; got "gpu"/],
    [["--strategy", "nope"], /--strategy must be one of random, regularized-evolution, local-search, local-search-zc, reinforce, pnas, predictor-evolution, delta-nas/],
    [["--strategy", "darts"], /darts is a weight-sharing search .* dartsSearch/],
    [["--executor", "bullmq"], /--executor bullmq needs --redis URL/],
    [["--executor", "bullmq", "--redis", "localhost:6379"], /not a Redis URL/],
    [["--space", "chain", "--task", "imagenet"], /--task must be one of synthetic/],
    [["--epochs", "3"], /--epochs applies to --space chain/],
    [["--json=yes"], /--json takes no value/],
  ])("%j is a one-line usage error (exit 2)", async (argv, message) => {
    const r = await run(searchMain, argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
    expect(r.err.split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/see nasbook search --help|nasbook search:/);
  });

  it("--help lists every flag the issue names and exits 0", async () => {
    const r = await run(searchMain, ["--help"]);
    expect(r.code).toBe(0);
    for (const f of ["--space", "--task", "--epochs", "--executor", "--workers", "--parallel", "--redis", "--queue", "--store", "--checkpoint", "--history"]) {
      expect(r.out).toContain(f);
    }
    const w = await run(workerMain, ["--help"]);
    expect(w.code).toBe(0);
    for (const f of [/--redis URL /, /--redis-ca FILE /, /--module M /, /--key-file FILE /, /--queue NAME /, /--concurrency N /]) expect(w.out).toMatch(f);
    expect(w.out).toMatch(/--grace S .*handed back/);
  });

  it("nasbook worker without --redis or with a bad --concurrency: one-line errors", async () => {
    expect((await run(workerMain, [])).err).toMatch(/--redis URL is required/);
    const r = await run(workerMain, ["--redis", "redis://127.0.0.1:1", "--concurrency", "0"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--concurrency must be a positive integer, got "0"/);
    for (const bad of ["-1", "soon", " "]) {
      const g = await run(workerMain, ["--redis", "redis://127.0.0.1:1", "--grace", bad]);
      expect(g.code).toBe(2);
      expect(g.err).toMatch(/--grace must be a number of seconds >= 0, got ".*"; e.g. --grace 0/);
    }
  });

  it("through bin/nasbook.js: --data without a value and an unknown flag print one line, no stack trace", () => {
    const bin = fileURLToPath(new URL("../../bin/nasbook.js", import.meta.url));
    for (const argv of [["search", "--data"], ["search", "--queries", "-5"], ["worker", "--nope"]]) {
      const r = spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8" });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("nasbook search runs", () => {
  it("every registered strategy runs on the nb201 table and finds a result", async () => {
    for (const name of Object.keys(cliStrategies)) {
      const history = join(dir, `all-${name}.jsonl`);
      const r = await run(searchMain, ["--table", table, "--strategy", name, "--queries", "12", "--json", "--history", history]);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const s = JSON.parse(r.out) as { queries: number; failed: number; best: { val_acc: number } };
      expect(s.queries).toBe(12);
      expect(s.failed).toBe(0);
      // the reported best is the best of the trials it ran (not just any table entry)
      const lines = readFileSync(history, "utf8").trim().split("\n").map((l) => JSON.parse(l) as HistoryLine);
      expect(lines).toHaveLength(12);
      expect(s.best.val_acc).toBe(Math.max(...lines.map((l) => l.metrics.val_acc!)));
    }
  }, 120_000);

  it("--history writes one JSON line per trial with index, arch, key, seed, status, cached, metrics", async () => {
    const history = join(dir, "h.jsonl");
    const r = await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "15", "--seed", "3", "--history", history, "--quiet"]);
    expect(r.code).toBe(0);
    const lines = readFileSync(history, "utf8").trim().split("\n").map((l) => JSON.parse(l) as HistoryLine);
    expect(lines.map((l) => l.index)).toEqual([...Array(15).keys()]);
    for (const l of lines) {
      expect(l.key).toMatch(/^[0-9a-f]{64}$/);
      expect(l.status).toBe("ok");
      expect(l.cached).toBe(false);
      expect(typeof l.metrics.val_acc).toBe("number");
      expect(l.arch).toMatch(/^\|/);
    }
    // the same seed again gives the same history
    const again = join(dir, "h2.jsonl");
    await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "15", "--seed", "3", "--history", again, "--quiet"]);
    expect(readFileSync(again, "utf8")).toBe(readFileSync(history, "utf8"));
  });

  it("--store DIR: a second run is all cache hits with the same results", async () => {
    const store = join(dir, "store"), history = join(dir, "store-h.jsonl");
    const a = await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "30", "--store", store, "--json", "--history", history]);
    const b = await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "30", "--store", store, "--json"]);
    const [sa, sb] = [JSON.parse(a.out), JSON.parse(b.out)] as { cached: number; best: unknown }[];
    // in the first run only a re-proposed architecture would be a hit
    const keys = readFileSync(history, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as HistoryLine).key);
    expect(sa!.cached).toBe(30 - new Set(keys).size);
    // --history names the trial key the store uses even when the search ran without a store (the run above had one)
    const plain = join(dir, "plain-h.jsonl");
    await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "30", "--history", plain, "--quiet"]);
    expect(readFileSync(plain, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as HistoryLine).key)).toEqual(keys);
    expect(sb!.cached).toBe(30);
    expect(sb!.best).toEqual(sa!.best);
  });

  it("all trials failed: reports the count and the first error, exits non-zero", async () => {
    const r = await run(searchMain, ["--table", tinyTable, "--strategy", "random", "--queries", "5", "--quiet"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/all 5 trials failed; first errors:\n {2}\S/);
    expect(r.out).not.toMatch(/undefined/);
  });
});

describe.skipIf(!redisAvailable() && process.env.CI !== "true")("nasbook search on every executor", () => {
  it("--executor inprocess, pool (2 threads) and bullmq (2 nasbook workers) write the same --history", async () => {
    const redis = await startRedis();
    const workers = await Promise.all([startWorker(redis.url, "cli"), startWorker(redis.url, "cli")]);
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, `${TEST_KEY}\n`);
    try {
      const histories: Record<string, unknown[]> = {};
      for (const [name, extra] of [
        ["inprocess", []], ["pool", ["--executor", "pool", "--workers", "2"]],
        ["bullmq", ["--executor", "bullmq", "--redis", redis.url, "--queue", "cli", "--key-file", keyFile]],
      ] as const) {
        const h = join(dir, `exec-${name}.jsonl`);
        const r = await run(searchMain, ["--table", table, "--strategy", "regularized-evolution", "--queries", "20", "--parallel", "2", "--seed", "9", "--history", h, "--quiet", ...extra]);
        expect(r.code, `${name}: ${r.err}`).toBe(0);
        // `cached` differs by design: the Redis store also serves a re-proposed architecture within the run
        histories[name] = readFileSync(h, "utf8").trim().split("\n").map((l) => ({ ...(JSON.parse(l) as HistoryLine), cached: undefined }));
      }
      expect(histories.inprocess).toHaveLength(20);
      expect(histories.pool).toEqual(histories.inprocess);
      expect(histories.bullmq).toEqual(histories.inprocess);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await redis.stop();
    }
  });
});
