/**
 * The checkpoint faults of issue 12 ("Nothing lost"), each reproduced: two processes on one path, a damaged
 * middle line, a last line without its newline, a whitespace-only file, a directory or missing parent as path,
 * a resume under another evaluator fingerprint or evaluation budget, a non-finite objective.
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointError } from "../../src/errors.js";
import type { Evaluator } from "../../src/estimate/types.js";
import { search } from "../../src/search.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { bitSpace, hashEvaluator, type Bits } from "../fixtures/bitSpace.js";

const space = bitSpace(10);
const tmp = () => mkdtempSync(join(tmpdir(), "nasbook-ckpt-"));
const summary = (h: { archString: string; fitness: number; seed: number }[]) => h.map((t) => `${t.archString}:${t.fitness}:${t.seed}`);
const cfg = (checkpoint: string | undefined, queries: number, evaluator: Evaluator<Bits> = hashEvaluator()) => ({
  space, strategy: regularizedEvolution({ population: 6, sample: 2 }), evaluator, budget: { queries }, seed: 11, checkpoint,
});
const trialLines = (file: string) => readFileSync(file, "utf8").split('"type":"trial"').length - 1;
const child = join(import.meta.dirname, "..", "fixtures", "searchChild.ts");
const runChild = (checkpoint: string, out: string, delay: number, queries: number, seed = 7) =>
  spawn(process.execPath, ["--import", "tsx", child, checkpoint, out, String(delay), String(queries), String(seed)], { stdio: "ignore" });
const exit = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on("exit", (code) => r(code)));

describe("checkpoint: one writer", () => {
  it("refuses a path in use by a live process, naming its pid, and leaves that writer's file intact", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl"), out = join(dir, "out.json");
    const writer = runChild(ckpt, out, 20, 40);
    for (let i = 0; i < 400 && !(existsSync(ckpt) && trialLines(ckpt) >= 5); i++) await new Promise((r) => setTimeout(r, 25));
    appendFileSync(ckpt, ""); // nothing: just make sure it exists
    const before = trialLines(ckpt);
    // Same configuration (would have duplicated trials) and another seed (used to truncate the writer's file).
    for (const seed of [7, 8]) {
      const other = { space: bitSpace(12), strategy: regularizedEvolution({ population: 8, sample: 3 }), evaluator: hashEvaluator(), budget: { queries: 40 }, seed, checkpoint: ckpt };
      await expect(search(other).result()).rejects.toThrow(new RegExp(`in use by another search \\(process ${writer.pid}`));
    }
    expect(trialLines(ckpt)).toBeGreaterThanOrEqual(before);
    expect(await exit(writer)).toBe(0);
    const got = JSON.parse(readFileSync(out, "utf8"));
    expect(got.history.map((t: { index: number }) => t.index)).toEqual([...Array(40).keys()]);
    expect(trialLines(ckpt)).toBe(40);
    expect(existsSync(`${ckpt}.lock`)).toBe(false);
  });

  it("takes over a lock left by a dead process", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    const dead = spawn(process.execPath, ["-e", "0"]);
    await exit(dead);
    writeFileSync(`${ckpt}.lock`, `${dead.pid}\n`);
    const r = await search(cfg(ckpt, 5)).result();
    expect(r.history.length).toBe(5);
    expect(existsSync(`${ckpt}.lock`)).toBe(false);
  });

  it("a second search in this process on a path still open is refused", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    const slow = search(cfg(ckpt, 30, hashEvaluator(5))).result();
    await new Promise((r) => setTimeout(r, 30));
    await expect(search(cfg(ckpt, 30)).result()).rejects.toThrow(new RegExp(`process ${process.pid}`));
    expect((await slow).history.length).toBe(30);
  });
});

describe("checkpoint: damaged files", () => {
  it("refuses a garbage middle line with file:line and the fix, changing nothing", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    await search(cfg(ckpt, 20)).result();
    const lines = readFileSync(ckpt, "utf8").split("\n");
    lines.splice(10, 0, "garbage{");
    writeFileSync(ckpt, lines.join("\n"));
    const bytes = readFileSync(ckpt, "utf8");
    const err = await search(cfg(ckpt, 40)).result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(new RegExp(`${ckpt.replace(/[.]/g, "\\.")}:11 is damaged .*Fix or delete that line`));
    expect(readFileSync(ckpt, "utf8")).toBe(bytes);
  });

  it("a last line that lost its newline does not merge with the next record", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    const full = await search(cfg(undefined, 20)).result();
    await search(cfg(ckpt, 8)).result();
    writeFileSync(ckpt, readFileSync(ckpt, "utf8").replace(/\n$/, ""));
    const resumed = await search(cfg(ckpt, 20)).result();
    expect(resumed.resumed).toBe(8);
    expect(summary(resumed.history)).toEqual(summary(full.history));
    const text = readFileSync(ckpt, "utf8");
    expect(text.split("\n").filter(Boolean).every((l) => JSON.parse(l))).toBe(true);
    expect(trialLines(ckpt)).toBe(20);
    // and it resumes again
    expect((await search(cfg(ckpt, 20)).result()).resumed).toBe(20);
  });

  it("drops only a torn (unterminated, unparsable) last record, and resumes", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    const full = await search(cfg(undefined, 20)).result();
    await search(cfg(ckpt, 8)).result();
    const before = readFileSync(ckpt, "utf8");
    appendFileSync(ckpt, '{"type":"trial","index":8,"ba');
    const resumed = await search(cfg(ckpt, 20)).result();
    expect(summary(resumed.history)).toEqual(summary(full.history));
    expect(readFileSync(ckpt, "utf8").startsWith(before)).toBe(true);
  });

  it("a whitespace-only file becomes a checkpoint that resumes", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    writeFileSync(ckpt, "  \n\n \t");
    await search(cfg(ckpt, 6)).result();
    const r = await search(cfg(ckpt, 10)).result();
    expect(r.resumed).toBe(6);
    expect(r.history.length).toBe(10);
  });

  it("a file that is not a checkpoint is refused and not touched", async () => {
    const dir = tmp(), f = join(dir, "notes.txt");
    writeFileSync(f, "my notes\nline two\n");
    await expect(search(cfg(f, 5)).result()).rejects.toThrow(/has no header line.*not a nasbook checkpoint/);
    expect(readFileSync(f, "utf8")).toBe("my notes\nline two\n");
  });

  it("a directory or a missing parent directory is a clear CheckpointError", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "d"));
    await expect(search(cfg(join(dir, "d"), 5)).result()).rejects.toThrow(/is a directory; give a file path/);
    await expect(search(cfg(join(dir, "nope", "c.jsonl"), 5)).result()).rejects.toThrow(/directory .*nope does not exist; create it/);
  });
});

describe("checkpoint: same evaluator, same budget", () => {
  const trained = (epochs: number): Evaluator<Bits> => ({
    ...hashEvaluator(),
    name: "fake-train",
    fingerprint: () => ({ kind: "fake-train", train: { epochs, lr: 0.01 } }),
  });

  it("refuses a resume whose evaluator fingerprint differs, naming the field", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    await search(cfg(ckpt, 5, trained(1))).result();
    await expect(search(cfg(ckpt, 10, trained(50))).result()).rejects.toThrow(/evaluator fingerprint \(train\.epochs: 1 vs 50/);
    expect((await search(cfg(ckpt, 10, trained(1))).result()).resumed).toBe(5);
  });

  it("refuses a resume whose evaluation budget differs, naming the field", async () => {
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    await search({ ...cfg(ckpt, 5), evalBudget: { epochs: 1 } }).result();
    await expect(search({ ...cfg(ckpt, 10), evalBudget: { epochs: 50 } }).result()).rejects.toThrow(/evaluation budget \(epochs: 1 vs 50/);
  });
});

describe("non-finite objectives", () => {
  it("NaN and ±Infinity objectives are failed trials, and the checkpoint resumes to the same history", async () => {
    const bad = new Map<string, number>();
    const base = hashEvaluator();
    const ev: Evaluator<Bits> = {
      name: "sometimes-nonfinite",
      objective: "val_acc",
      async evaluate(a, o) {
        const r = await base.evaluate(a, o);
        const v = bad.get(a.join(""));
        return v === undefined ? r : { ...r, metrics: { ...r.metrics, val_acc: v, val_loss: v } };
      },
    };
    const dry = await search(cfg(undefined, 20)).result();
    [Infinity, NaN, -Infinity].forEach((v, i) => bad.set(dry.history[3 + 4 * i]!.archString, v));
    const dir = tmp(), ckpt = join(dir, "c.jsonl");
    const full = await search(cfg(undefined, 20, ev)).result();
    const failed = full.history.filter((t) => t.result.status === "failed");
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed[0]!.result.error).toMatch(/NonFiniteObjectiveError: evaluator sometimes-nonfinite reported val_acc = (Infinity|NaN|-Infinity)/);
    expect(failed.every((t) => t.fitness === -Infinity)).toBe(true);
    expect(full.best!.fitness).toBeLessThan(Infinity);

    await search(cfg(ckpt, 12, ev)).result();
    const resumed = await search(cfg(ckpt, 20, ev)).result();
    expect(resumed.resumed).toBe(12);
    expect(summary(resumed.history)).toEqual(summary(full.history));
    // the non-finite metric survives the checkpoint as itself
    const logged = resumed.history.find((t) => t.archString === dry.history[3]!.archString)!;
    expect(logged.result.metrics.val_loss).toBe(Infinity);
  });
});
