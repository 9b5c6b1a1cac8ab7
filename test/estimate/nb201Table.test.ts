import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { setDataDir } from "../../src/data/dir.js";
import { DataFileError } from "../../src/errors.js";
import { Nb201Table, loadNb201Table, nb201Dataset, nb201TableEvaluator } from "../../src/estimate/nb201Table.js";
import { search } from "../../src/search.js";
import { nb201Space } from "../../src/space/nb201.js";
import { randomSearch } from "../../src/strategy/random.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

const csv = nb201Csv();
const table = Nb201Table.parse(csv, "fixture.csv");
const space = nb201Space();

afterEach(() => setDataDir(undefined));

describe("NAS-Bench-201 table evaluator", () => {
  it("searches on the 12-epoch validation signal and reports the 200-epoch test accuracy, per dataset", async () => {
    const a = space.parse(table.arch[10]!);
    const row = table.row(a);
    for (const [dataset, signal, test] of [
      ["cifar10", "cifar10valid_val_12ep", "cifar10_test_200ep"],
      ["cifar100", "cifar100_val_12ep", "cifar100_test_200ep"],
      ["ImageNet16-120", "imagenet16_val_12ep", "imagenet16_test_200ep"],
    ] as const) {
      const ev = nb201TableEvaluator({ dataset, table });
      expect(ev.objective).toBe("val_acc");
      const r = await ev.evaluate(a, { seed: 0 });
      expect(r.status).toBe("ok");
      expect(r.metrics.val_acc).toBe(table.column(signal)[row]);
      expect(r.metrics.test_acc).toBe(table.column(test)[row]);
      expect(r.cost.queries).toBe(1);
    }
  });

  it("loads the file from the data directory and the search reports the best by signal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-data-"));
    mkdirSync(join(dir, "nb201"));
    writeFileSync(join(dir, "nb201", "nb201_all.csv"), csv);
    setDataDir(dir);
    const t = loadNb201Table();
    expect(t.size).toBe(300);
    // Restrict the search to archs in the fixture: a space whose sample draws table rows.
    const rows = space.all().filter((a) => { try { t.row(a); return true; } catch { return false; } });
    expect(rows.length).toBe(300);
    const sub = { ...space, sample: (rng: { choice<T>(x: readonly T[]): T }) => rng.choice(rows), size: () => 300n };
    const r = await search({ space: sub, strategy: randomSearch(), evaluator: nb201TableEvaluator({ dataset: "cifar10", table: t }), budget: { queries: 300 }, seed: 1 }).result();
    const best = Math.max(...t.column("cifar10valid_val_12ep"));
    expect(r.best!.fitness).toBe(best);
  });

  it("a missing file names the path and how to obtain it", () => {
    setDataDir("/nonexistent/dir");
    expect(() => Nb201Table.load()).toThrow(DataFileError);
    expect(() => Nb201Table.load()).toThrow(/not found: \/nonexistent\/dir\/nb201\/nb201_all.csv.*NASBOOK_DATA.*README/);
  });

  it.each([
    ["an empty file", "", /is empty: expected a header and rows with columns index, arch/],
    ["a missing column", csv.replace("cifar100_val_12ep", "c100"), /lacks column\(s\) cifar100_val_12ep; expected columns: index, arch/],
    ["a short row", csv.split("\n").slice(0, 3).join("\n") + "\n1,2,3\n", /line 4 has 3 fields, the header has 15/],
    ["a non-numeric value", csv.replace(/\n(\d+),([^,]+),([^,]+),[^,]+,/, "\n$1,$2,$3,abc,"), /line 2: column cifar10_test_200ep is "abc", expected a finite number/],
    ["a bad arch", csv.replace(/\n(\d+),\|[a-z_0-9]+~0\|/, "\n$1,|conv~0|"), /line 2: bad arch string: "conv" is not an op of nb201/],
  ])("rejects %s with an error naming the problem", (_, text, msg) => {
    expect(() => Nb201Table.parse(text, "t.csv")).toThrow(DataFileError);
    expect(() => Nb201Table.parse(text, "t.csv")).toThrow(msg);
  });

  it("computes the NATS iso_key when the column is absent", () => {
    const lines = csv.trim().split("\n").map((l) => l.split(",").filter((_, i) => i !== 2).join(","));
    const t = Nb201Table.parse(lines.join("\n"));
    expect(t.isoKey).toEqual(table.isoKey);
  });

  it("an architecture missing from the table and an unknown dataset give clear errors", async () => {
    const missing = space.all().find((a) => { try { table.row(a); return false; } catch { return true; } })!;
    await expect(nb201TableEvaluator({ table }).evaluate(missing, { seed: 0 })).rejects.toThrow(/is not in the NAS-Bench-201 table \(the file has 300 of 15625 rows\)/);
    expect(() => nb201Dataset("svhn")).toThrow(/unknown NAS-Bench-201 dataset "svhn" \(datasets: cifar10, cifar100, ImageNet16-120\)/);
    expect(nb201Dataset("imagenet16")).toBe("ImageNet16-120");
  });
});
