/**
 * Checkpoints that cannot lie (issue 31): 300 random single-byte and single-bit corruptions of a checkpoint, each
 * resumed, give no history that differs from the original without being refused; the same corruptions of a
 * checkpoint without checksums (the version-2 format) do, which shows the experiment can see a lie. And results
 * that could not be resumed (a string metric, `metrics: null`, a missing cost, an odd status...) fail their trial
 * with the reason before anything is written, so the search's own checkpoint always resumes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointError } from "../../src/errors.js";
import type { Evaluator, TrialResult } from "../../src/estimate/types.js";
import { Rng } from "../../src/rng.js";
import { search, type SearchResult } from "../../src/search.js";
import { regularizedEvolution } from "../../src/strategy/evolution.js";
import { bitSpace, hashEvaluator, type Bits } from "../fixtures/bitSpace.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-ckpt-integrity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const space = bitSpace(10);
const cfg = (checkpoint: string, queries: number, evaluator: Evaluator<Bits> = hashEvaluator()) => ({
  space, strategy: regularizedEvolution({ population: 6, sample: 2 }), evaluator, budget: { queries }, seed: 11, checkpoint, snapshotEvery: 0,
});
/** Everything a history says, as text (NaN and the error included). */
const historyText = (r: SearchResult<Bits>) =>
  JSON.stringify(r.history.map((t) => [t.index, t.archString, t.seed, t.result.status, t.result.error ?? null, Object.entries(t.result.metrics).map(([k, v]) => [k, String(v)]), t.fitness]));

type Outcome = "refused" | "same" | "different";

/** Applies each corruption to `original`, resumes it, and counts how each resume ended. */
async function corruptAndResume(original: Buffer, queries: number, corruptions: ((b: Buffer) => void)[], reference: string) {
  const counts: Record<Outcome, number> = { refused: 0, same: 0, different: 0 };
  const lies: string[] = [];
  const file = join(dir, "corrupt.jsonl");
  for (const [i, corrupt] of corruptions.entries()) {
    const bytes = Buffer.from(original);
    corrupt(bytes);
    writeFileSync(file, bytes);
    let outcome: Outcome;
    try {
      const r = await search(cfg(file, queries)).result();
      outcome = historyText(r) === reference ? "same" : "different";
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e; // a refusal is a CheckpointError naming file:line, nothing else
      // file:line for a damaged line; a damaged but checksum-less (version 2) record may instead change what the
      // header says or what replay proposes, which is refused as another configuration
      expect((e as Error).message).toMatch(/corrupt\.jsonl(:\d+ is damaged| has no header line| was written by a search with| was written with another|: trial \d+ was)/);
      outcome = "refused";
    }
    counts[outcome]++;
    if (outcome === "different") lies.push(`corruption ${i}`);
  }
  return { counts, lies };
}

/** 150 single-byte replacements and 150 single-bit flips at random places, seeded. */
function corruptions(length: number, seed: number): ((b: Buffer) => void)[] {
  const rng = new Rng(seed);
  const out: ((b: Buffer) => void)[] = [];
  for (let i = 0; i < 300; i++) {
    const at = rng.int(length);
    if (i % 2 === 0) {
      const value = rng.int(256);
      out.push((b) => void (b[at] = value === b[at] ? (value + 1) % 256 : value));
    } else {
      const bit = rng.int(8);
      out.push((b) => void (b[at] = b[at]! ^ (1 << bit)));
    }
  }
  return out;
}

/** The same checkpoint in the version-2 format: no checksums (what the audit measured). */
function withoutChecksums(text: string): string {
  return text.split("\n").map((line) => {
    if (line.trim() === "") return line;
    const { sum: _sum, ...rec } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(rec.type === "header" ? { ...rec, version: 2 } : rec);
  }).join("\n");
}

describe("checkpoint corruption", () => {
  it("300 random single-byte or single-bit corruptions: every one is refused or resumes the same history; without checksums some lie", async () => {
    const queries = 16;
    const file = join(dir, "original.jsonl");
    const reference = historyText(await search(cfg(file, queries)).result());
    const original = readFileSync(file);
    expect(original.toString("utf8")).toMatch(/"sum":"[0-9a-f]{16}"\}\n/);
    const checked = await corruptAndResume(original, queries, corruptions(original.length, 31), reference);
    console.log(`300 corruptions of a checkpoint with checksums (${original.length} bytes): ${JSON.stringify(checked.counts)}`);
    expect(checked.lies).toEqual([]);
    expect(checked.counts.refused).toBeGreaterThan(250);

    // The control: the version-2 format, same kind of corruptions, resumed the same way.
    const plain = Buffer.from(withoutChecksums(original.toString("utf8")));
    const control = await corruptAndResume(plain, queries, corruptions(plain.length, 31), reference);
    console.log(`300 corruptions of the same checkpoint without checksums (${plain.length} bytes): ${JSON.stringify(control.counts)}`);
    expect(control.counts.different).toBeGreaterThan(0);
  }, 120_000);

  it("a record without its checksum in a version-3 file, or an edited metric, is refused with file:line", async () => {
    const file = join(dir, "edited.jsonl");
    await search(cfg(file, 8)).result();
    const lines = readFileSync(file, "utf8").split("\n");
    const t = lines.findIndex((l) => l.includes('"type":"trial"'));
    const edited = [...lines];
    edited[t] = lines[t]!.replace(/"val_acc":(\d)/, (_m, d: string) => `"val_acc":${(Number(d) + 1) % 10}`);
    writeFileSync(file, edited.join("\n"));
    await expect(search(cfg(file, 8)).result()).rejects.toThrow(new RegExp(`edited\\.jsonl:${t + 1} is damaged \\(its checksum does not match its content`));
    const stripped = [...lines];
    stripped[t] = lines[t]!.replace(/,"sum":"[0-9a-f]+"\}$/, "}");
    writeFileSync(file, stripped.join("\n"));
    await expect(search(cfg(file, 8)).result()).rejects.toThrow(new RegExp(`edited\\.jsonl:${t + 1} is damaged \\(it has no checksum`));
  });

  it("a version-2 checkpoint (no checksums) still resumes, and what is appended carries checksums", async () => {
    const file = join(dir, "v2.jsonl");
    const reference = historyText(await search(cfg(file, 12)).result());
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    writeFileSync(file, withoutChecksums(lines.slice(0, 8).join("\n") + "\n"));
    const r = await search(cfg(file, 12)).result();
    expect(historyText(r)).toBe(reference);
    expect(r.resumed).toBeGreaterThan(0);
    const after = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(after.slice(0, 8).some((l) => l.includes('"sum"'))).toBe(false);
    expect(after.slice(8).every((l) => l.includes('"sum"'))).toBe(true);
    expect(historyText(await search(cfg(file, 12)).result())).toBe(reference);
  });
});

describe("results validated before they are written", () => {
  const bad: [string, unknown, RegExp][] = [
    ["a string metric", { metrics: { val_acc: "91.5" }, cost: { seconds: 0 }, status: "ok" }, /metrics\.val_acc is a string \("91\.5"\); metrics must be numbers/],
    ["a boolean metric", { metrics: { val_acc: 50, good: true }, cost: { seconds: 0 }, status: "ok" }, /metrics\.good is a boolean \(true\)/],
    ["an object metric", { metrics: { val_acc: { mean: 50 } }, cost: { seconds: 0 }, status: "ok" }, /metrics\.val_acc is a object/],
    ["no cost", { metrics: { val_acc: 50 }, status: "ok" }, /cost is a undefined; give at least \{ seconds/],
    ["an odd status", { metrics: { val_acc: 50 }, cost: { seconds: 0 }, status: "done" }, /status is "done"; it must be "ok" or "failed"/],
    ["metrics: null", { metrics: null, cost: { seconds: 0 }, status: "ok" }, /metrics is null; it must be an object of numbers/],
    ["cost.seconds NaN", { metrics: { val_acc: 50 }, cost: { seconds: NaN }, status: "ok" }, /cost\.seconds is NaN|cost\.seconds is null/],
    ["a BigInt", { metrics: { val_acc: 50 }, cost: { seconds: 0 }, status: "ok", extra: 1n }, /cannot be written as JSON/],
    ["nothing", undefined, /returned undefined, not a TrialResult/],
  ];
  it.each(bad)("%s: that trial fails with the reason, the search goes on, and its checkpoint resumes", async (_what, returned, reason) => {
    const file = join(dir, `bad-${_what.replace(/\W+/g, "-")}.jsonl`);
    let calls = 0;
    const evaluator: Evaluator<Bits> = {
      name: "sometimes-bad",
      objective: "val_acc",
      async evaluate(a): Promise<TrialResult> {
        calls++;
        if (a[0] === 1) return returned as TrialResult; // about half the architectures
        return { metrics: { val_acc: a.reduce((s, b) => s + b, 0) }, cost: { seconds: 0 }, status: "ok" };
      },
    };
    const r = await search(cfg(file, 10, evaluator)).result();
    expect(r.history).toHaveLength(10);
    const failed = r.history.filter((t) => t.arch[0] === 1);
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) {
      expect(t.result.status).toBe("failed");
      // (the in-process executor itself fails a trial whose evaluator returned no object at all)
      expect(t.result.error).toMatch(/^(InvalidResultError: evaluator sometimes-bad returned an invalid result: |TypeError: evaluator sometimes-bad returned undefined)/);
      expect(t.result.error).toMatch(reason);
    }
    expect(r.history.filter((t) => t.arch[0] === 0).every((t) => t.result.status === "ok")).toBe(true);
    // the checkpoint it wrote resumes, with the same history and no evaluation
    const before = calls;
    const resumed = await search(cfg(file, 10, evaluator)).result();
    expect(historyText(resumed)).toBe(historyText(r));
    expect(calls).toBe(before);
  });
});
