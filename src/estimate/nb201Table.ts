/**
 * NAS-Bench-201 as a tabular evaluator (Dong & Yang, ICLR 2020): an architecture's accuracy is looked up, not
 * trained. The search signal is the 12-epoch-schedule validation accuracy; the reported metric is the 200-epoch
 * test accuracy (mean over seeds), as in the benchmark's protocol for query-based search.
 */
import { existsSync, readFileSync } from "node:fs";
import { DataFileError } from "../errors.js";
import { sha256Hex } from "../hash.js";
import { parseCsv } from "../data/csv.js";
import { dataPath } from "../data/dir.js";
import { formatNb201, natsUniqueString, parseNb201, type Nb201Arch } from "../space/nb201.js";
import type { EvaluateOptions, Evaluator, TrialResult } from "./types.js";

export const NB201_DATASETS = ["cifar10", "cifar100", "ImageNet16-120"] as const;
export type Nb201Dataset = (typeof NB201_DATASETS)[number];

/** The file inside the data directory. */
export const NB201_TABLE_FILE = "nb201/nb201_all.csv";

/** Columns the table must have; see the README for how to produce the file from the NATS-Bench API. */
export const NB201_COLUMNS = [
  "index",
  "arch",
  "cifar10_test_200ep",
  "cifar100_test_200ep",
  "imagenet16_test_200ep",
  "cifar10valid_val_12ep",
  "cifar10_test_12ep",
  "cifar100_val_12ep",
  "cifar100_test_12ep",
  "imagenet16_val_12ep",
  "imagenet16_test_12ep",
  "params_M_cifar10",
  "params_M_cifar100",
  "params_M_imagenet16",
] as const;

const COLUMNS_BY_DATASET: Record<Nb201Dataset, { signal: string; test: string; test12: string; params: string }> = {
  cifar10: { signal: "cifar10valid_val_12ep", test: "cifar10_test_200ep", test12: "cifar10_test_12ep", params: "params_M_cifar10" },
  cifar100: { signal: "cifar100_val_12ep", test: "cifar100_test_200ep", test12: "cifar100_test_12ep", params: "params_M_cifar100" },
  "ImageNet16-120": { signal: "imagenet16_val_12ep", test: "imagenet16_test_200ep", test12: "imagenet16_test_12ep", params: "params_M_imagenet16" },
};

const HOW_TO_OBTAIN =
  `Put nb201_all.csv at <data dir>/${NB201_TABLE_FILE} (data dir: --data DIR or NASBOOK_DATA); ` +
  "the README section 'NAS-Bench-201 table' shows how to produce it from the official NATS-Bench API.";

/** Accepts the common spellings of the three datasets. */
export function nb201Dataset(name: string): Nb201Dataset {
  const n = name.toLowerCase().replace(/[_\s]/g, "-");
  if (n === "cifar10" || n === "cifar-10") return "cifar10";
  if (n === "cifar100" || n === "cifar-100") return "cifar100";
  if (n === "imagenet16-120" || n === "imagenet16" || n === "imagenet") return "ImageNet16-120";
  throw new DataFileError(`unknown NAS-Bench-201 dataset "${name}" (datasets: ${NB201_DATASETS.join(", ")})`);
}

export class Nb201Table {
  readonly size: number;
  private readonly rowByArch: Map<string, number>;
  private readonly cols: Map<string, Float64Array>;
  readonly arch: string[];
  readonly isoKey: string[];
  /** sha256 of the CSV text: the table's identity in trial keys. */
  readonly sha256: string;
  /** The file it was loaded from (undefined when parsed from text). */
  path?: string;

  private constructor(arch: string[], isoKey: string[], cols: Map<string, Float64Array>, sha256: string) {
    this.sha256 = sha256;
    this.arch = arch;
    this.isoKey = isoKey;
    this.cols = cols;
    this.size = arch.length;
    this.rowByArch = new Map(arch.map((a, i) => [a, i]));
  }

  /** Loads `<data dir>/nb201/nb201_all.csv` (or an explicit path). */
  static load(path = dataPath(NB201_TABLE_FILE)): Nb201Table {
    if (!existsSync(path)) throw new DataFileError(`NAS-Bench-201 table not found: ${path}. ${HOW_TO_OBTAIN}`);
    const t = Nb201Table.parse(readFileSync(path, "utf8"), path);
    t.path = path;
    return t;
  }

  /** Parses the CSV text strictly (see parseCsv); `source` names the file in errors. */
  static parse(text: string, source = "nb201 table"): Nb201Table {
    if (text.trim() === "" || !/\r?\n\s*\S/.test(text.trim())) {
      throw new DataFileError(`${source} is empty: expected a header and rows with columns ${NB201_COLUMNS.join(", ")}. ${HOW_TO_OBTAIN}`);
    }
    const csv = parseCsv(text, source);
    csv.requireColumns(NB201_COLUMNS, HOW_TO_OBTAIN);
    const numeric = NB201_COLUMNS.filter((c) => c !== "arch");
    const hasIso = csv.has("iso_key"); // optional: computed when absent
    const n = csv.rows.length;
    const cols = new Map<string, Float64Array>(numeric.map((c) => [c, new Float64Array(n)]));
    const arch: string[] = new Array(n);
    const iso: string[] = new Array(n);
    csv.rows.forEach((row, r) => {
      let parsed: Nb201Arch;
      try {
        parsed = parseNb201(csv.text(row, "arch"));
      } catch (e) {
        throw new DataFileError(`${source} line ${row.line}: bad arch string: ${(e as Error).message}`);
      }
      arch[r] = formatNb201(parsed);
      iso[r] = hasIso ? csv.text(row, "iso_key") : natsUniqueString(parsed);
      for (const c of numeric) cols.get(c)![r] = csv.number(row, c);
    });
    return new Nb201Table(arch, iso, cols, sha256Hex(text));
  }

  /** Row number of an architecture. */
  row(a: Nb201Arch | string): number {
    const s = typeof a === "string" ? formatNb201(parseNb201(a)) : formatNb201(a);
    const r = this.rowByArch.get(s);
    if (r === undefined) throw new DataFileError(`architecture ${s} is not in the NAS-Bench-201 table (the file has ${this.size} of 15625 rows)`);
    return r;
  }

  column(name: string): Float64Array {
    const c = this.cols.get(name);
    if (!c) throw new DataFileError(`no column ${name} in the NAS-Bench-201 table (columns: ${[...this.cols.keys()].join(", ")})`);
    return c;
  }

  /** Search signal, reported test accuracy and params of row `r` on `dataset`. */
  query(r: number, dataset: Nb201Dataset): { index: number; val_acc: number; test_acc: number; test_acc_12ep: number; params_M: number } {
    const c = COLUMNS_BY_DATASET[dataset];
    return {
      index: this.column("index")[r]!,
      val_acc: this.column(c.signal)[r]!,
      test_acc: this.column(c.test)[r]!,
      test_acc_12ep: this.column(c.test12)[r]!,
      params_M: this.column(c.params)[r]!,
    };
  }

  /** The best 200-epoch test accuracy in the table (the benchmark's "optimal" row). */
  optimum(dataset: Nb201Dataset): number {
    return this.column(COLUMNS_BY_DATASET[dataset].test).reduce((m, x) => Math.max(m, x), -Infinity);
  }
}

const tableCache = new Map<string, Nb201Table>();

/** Loads the table once per path and process. */
export function loadNb201Table(path = dataPath(NB201_TABLE_FILE)): Nb201Table {
  let t = tableCache.get(path);
  if (!t) tableCache.set(path, (t = Nb201Table.load(path)));
  return t;
}

export interface Nb201EvaluatorOptions {
  dataset?: Nb201Dataset | string;
  /** A loaded table; by default the data directory's file. */
  table?: Nb201Table;
}

/**
 * Tabular evaluator: `val_acc` (12-epoch validation accuracy, the search signal), `test_acc` (200-epoch test
 * accuracy, reported), `params_M`, `index`. The table holds means over training seeds, so `seed` does not matter.
 */
/** What a table lookup reports: `val_acc` (12-epoch validation), `test_acc` (200 epochs), `params_M`, the row `index`. */
export type Nb201Metrics = ReturnType<Nb201Table["query"]> & Record<string, number>;

/** A table lookup's result. */
export interface Nb201TrialResult extends TrialResult {
  status: "ok";
  metrics: Nb201Metrics;
}

export function nb201TableEvaluator(opts: Nb201EvaluatorOptions = {}): Evaluator<Nb201Arch, Nb201TrialResult> & { table: Nb201Table; dataset: Nb201Dataset } {
  const dataset = nb201Dataset(opts.dataset ?? "cifar10");
  const table = opts.table ?? loadNb201Table();
  return {
    name: `nb201-table(${dataset})`,
    objective: "val_acc",
    table,
    dataset,
    // A table row is a mean over training seeds: the trial's seed does not change the result.
    fingerprint: () => ({ kind: "nb201-table", dataset, table: table.sha256, seeded: false }),
    recipe: table.path ? { kind: "builtin", name: "nb201-table", options: { dataset, path: table.path } } : undefined,
    async evaluate(a: Nb201Arch, _opts: EvaluateOptions): Promise<Nb201TrialResult> {
      const metrics = table.query(table.row(a), dataset);
      return { metrics, cost: { seconds: 0, queries: 1 }, status: "ok" };
    },
  };
}
