/**
 * The worker's trust boundary against a real redis-server and a real `nasbook worker`: jobs pushed straight into
 * Redis (as anyone who can reach it could) that name `node:child_process`, a `data:` URL or a module the worker was
 * not given are refused, unsigned or altered jobs and jobs signed with another key are refused, each said once;
 * and results planted in the store without the key are not believed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullmqExecutor } from "../../src/exec/bullmq.js";
import { loadSharedKey } from "../../src/exec/sharedKey.js";
import { signJob } from "../../src/exec/signature.js";
import { jobOf, type TrialJob } from "../../src/exec/trialJob.js";
import { bits, stepped } from "../fixtures/execEvaluators.js";
import { redisAvailable, startRedis, type RedisServer } from "../fixtures/redis.js";
import { until } from "../fixtures/until.js";
import { TEST_KEY, startWorker, type WorkerProcess } from "../fixtures/workers.js";

const skip = !redisAvailable() && process.env.CI !== "true";
const dir = mkdtempSync(join(tmpdir(), "nasbook-trust-"));
const queue = "trust";
const key = loadSharedKey({ key: TEST_KEY });

/** A job as a search would send it, for the bits space and the stepped evaluator (allowed on the test workers). */
async function honestJob(id: string): Promise<TrialJob> {
  const space = bits({ n: 6 });
  return jobOf({ key: id, index: 0, arch: space.parse("010101"), archString: "010101", seed: 1, space, evaluator: stepped() });
}

describe.skipIf(skip)("nasbook worker trust boundary", () => {
  let server: RedisServer;
  let worker: WorkerProcess;
  let q: Queue;
  beforeAll(async () => {
    server = await startRedis();
    worker = await startWorker(server.url, queue, ["--quiet"]);
    q = new Queue(queue, { connection: { url: server.url } as never });
  });
  afterAll(async () => {
    await q?.close();
    await worker?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Pushes a job into the queue and waits until the worker has failed it; returns its failure reason. */
  const refusedReason = async (id: string, data: unknown): Promise<string> => {
    await q.add("trial", data as never, { jobId: id, attempts: 1 });
    await until(() => worker.output().includes(`refused job ${id}:`), 30_000, `the worker to refuse ${id}`);
    await until(async () => (await q.getJobState(id)) === "failed", 30_000, `job ${id} to be failed`);
    const reason = (await q.getJob(id))!.failedReason;
    // said once per job
    expect(worker.output().split(`refused job ${id}:`).length - 1).toBe(1);
    return reason;
  };

  it("an unsigned job naming node:child_process's execSync is refused and runs nothing", async () => {
    const marker = join(dir, "pwned-exec");
    const job = { ...(await honestJob("exec")), evaluator: { kind: "module", module: "node:child_process", export: "execSync", options: `touch ${marker}` } };
    const reason = await refusedReason("exec", job);
    expect(reason).toMatch(/refused by nasbook worker \d+: the job is not signed/);
    expect(existsSync(marker)).toBe(false);
  });

  it("a job signed with the right key still cannot name node:child_process, a data: URL or a file the worker was not given", async () => {
    const markers = [join(dir, "pwned-signed-exec"), join(dir, "pwned-data"), join(dir, "pwned-file")];
    const evil = join(dir, "evil.mjs");
    writeFileSync(evil, `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(markers[2])}, "x"); export function ev() { return {}; }`);
    const dataUrl = `data:text/javascript,${encodeURIComponent(`import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(markers[1])}, "x"); export function ev() { return {}; }`)}`;
    const recipes = [
      { kind: "module", module: "node:child_process", export: "execSync", options: `touch ${markers[0]}` },
      { kind: "module", module: dataUrl, export: "ev" },
      { kind: "module", module: pathToFileURL(evil).href, export: "ev" },
    ];
    for (const [i, evaluator] of recipes.entries()) {
      const id = `signed-${i}`;
      const job = signJob(key, queue, { ...(await honestJob(id)), evaluator: evaluator as TrialJob["evaluator"] });
      expect(await refusedReason(id, job)).toMatch(/this worker does not run module .*start it with --module PATH/);
    }
    // the space recipe goes through the same check
    const spaceJob = signJob(key, queue, { ...(await honestJob("signed-space")), space: recipes[1] as TrialJob["space"] });
    expect(await refusedReason("signed-space", spaceJob)).toMatch(/does not run module "data:text\/javascript/);
    for (const m of markers) expect(existsSync(m), m).toBe(false);
  });

  it("a job signed with another key, or altered after signing, is refused; an honest one runs", async () => {
    const other = loadSharedKey({ key: "another-key-of-at-least-16-chars" });
    expect(await refusedReason("other-key", signJob(other, queue, await honestJob("other-key"))))
      .toMatch(new RegExp(`signed with another key \\(key id ${other.id}; this worker's is ${key.id}\\)`));
    const signed = signJob(key, queue, await honestJob("altered"));
    expect(await refusedReason("altered", { ...signed, seed: 2 })).toMatch(/signature does not match its content/);
    // replayed under another job id
    expect(await refusedReason("moved", signJob(key, queue, await honestJob("elsewhere")))).toMatch(/trial key does not match its id "moved"/);
    // a signed job of another queue
    expect(await refusedReason("other-queue", signJob(key, "another-queue", await honestJob("other-queue")))).toMatch(/signature does not match/);
    // the control: the same job, honestly signed, runs and its result is stored
    await q.add("trial", signJob(key, queue, await honestJob("honest")) as never, { jobId: "honest" });
    const raw = new Redis(server.url);
    try {
      // the worker stores the result before it completes the job (which is then removed)
      await until(async () => (await raw.exists("nasbook:trial:honest")) === 1, 60_000, "the honest job to run and store its result");
    } finally {
      raw.disconnect();
    }
    expect(worker.output()).not.toMatch(/refused job honest/);
  });

  it("a result planted in the Redis store without the key is not believed: the search computes the trial", async () => {
    const executor = bullmqExecutor({ redis: server.url, queue, key: TEST_KEY });
    const raw = new Redis(server.url);
    const space = bits({ n: 6 });
    const evaluator = stepped();
    const task = { key: "planted", index: 0, arch: space.parse("111000"), archString: "111000", seed: 3, space, evaluator };
    try {
      const forged = { metrics: { val_acc: 100 }, cost: { seconds: 0 }, status: "ok" };
      await raw.set("nasbook:trial:planted", JSON.stringify(forged));
      await raw.set("nasbook:trial:planted-sealed", JSON.stringify({ result: forged, mac: "0".repeat(64) }));
      expect(await executor.store.get("planted")).toBeUndefined();
      expect(await executor.store.get("planted-sealed")).toBeUndefined();
      const r = await executor.run(task, new AbortController().signal);
      expect(r.status).toBe("ok");
      expect(r.metrics.val_acc).not.toBe(100);
      // a genuine result moved to another trial's key is not believed either
      await raw.set("nasbook:trial:moved-result", (await raw.get("nasbook:trial:planted"))!);
      expect(await executor.store.get("moved-result")).toBeUndefined();
      expect(await executor.store.get("planted")).toEqual(r);
    } finally {
      raw.disconnect();
      await executor.close();
    }
  });
});
