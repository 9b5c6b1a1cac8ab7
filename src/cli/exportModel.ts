/**
 * `nasbook export-model`: trains an architecture (or the best trial of a `nasbook search --space chain` checkpoint)
 * on the embedded synthetic task from its seed, and writes the network with its best epoch's weights as tfjs files,
 * ONNX and/or PyTorch, each checked against the tfjs outputs (see src/export/exportModel.ts).
 */
import { readFileSync } from "node:fs";
import { exportModel, EXPORT_FORMATS, type ExportFormat } from "../export/exportModel.js";
import { trainEvaluator } from "../estimate/train.js";
import { modelBuilder } from "../model/build.js";
import { nb201Space, type Nb201Arch } from "../space/nb201.js";
import { CliUsageError, integer, oneOf, parseCli, positiveInt } from "./args.js";
import { syntheticChainEvaluator, syntheticChainSpace } from "./syntheticTask.js";

const HELP = `usage: nasbook export-model (--arch STRING | --checkpoint FILE [--trial best|N]) [options]

Trains the architecture on the embedded synthetic task from its seed (a checkpoint's trial: the trial's own seed and
budget, so the weights are the ones its fitness came from) and exports it.

  --space chain|nb201   the architecture's space (default chain, as \`nasbook search --space chain\`)
  --arch STRING         the architecture as its space writes it
  --checkpoint FILE     a \`nasbook search --space chain\` checkpoint; --trial best (default) or a trial index
  --epochs N            training epochs (default 3; a checkpoint's own budget wins)
  --seed N              training seed for --arch (default 0)
  --format LIST         tfjs,onnx,pytorch (default all three)
  --out DIR             output directory (default export/)
  --no-check            do not run the exports beside the tfjs model`;

interface TrialLine { type: "trial"; index: number; arch: string; seed: number; result: { status: string; metrics: Record<string, number> } }

/** The chosen trial of a checkpoint: the best by the header's objective, or the one with the given index. */
function trialFromCheckpoint(file: string, which: string): { trial: TrialLine; epochs?: number; budgetEpochs?: number; objective: string } {
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  const parsed = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return []; // a torn last line
    }
  });
  const header = parsed.find((l) => l.type === "header") as
    | { objective: string; space: string; evalBudget: { epochs?: number } | null; fingerprint: { epochs?: number } | null }
    | undefined;
  if (!header) throw new CliUsageError("export-model", `${file} has no checkpoint header; pass the file given to nasbook search --checkpoint`);
  if (header.space !== "chain") throw new CliUsageError("export-model", `${file} is a search over "${header.space}"; export-model retrains chain searches (the nb201 table has no weights: use --space nb201 --arch)`);
  const trials = parsed.filter((l) => l.type === "trial") as unknown as TrialLine[];
  let trial: TrialLine | undefined;
  if (which === "best") {
    for (const t of trials) if (t.result.status === "ok" && (!trial || t.result.metrics[header.objective]! > trial.result.metrics[header.objective]!)) trial = t;
  } else trial = trials.find((t) => t.index === Number(which));
  if (!trial) throw new CliUsageError("export-model", `${file} has no ${which === "best" ? "successful trial" : `trial ${which}`}`);
  // The search's epochs: its evalBudget's if it had one, else the evaluator's own (in its fingerprint).
  return { trial, epochs: header.evalBudget?.epochs ?? header.fingerprint?.epochs, budgetEpochs: header.evalBudget?.epochs, objective: header.objective };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  try {
    const v = parseCli("export-model", argv, {
      space: { type: "string" }, arch: { type: "string" }, checkpoint: { type: "string" }, trial: { type: "string" }, epochs: { type: "string" },
      seed: { type: "string" }, format: { type: "string" }, out: { type: "string" }, "no-check": { type: "boolean" },
    });
    const space = oneOf("export-model", "space", (v.space as string | undefined) ?? "chain", ["chain", "nb201"] as const);
    const formats = ((v.format as string | undefined) ?? EXPORT_FORMATS.join(",")).split(",").map((f) => oneOf("export-model", "format", f.trim(), EXPORT_FORMATS)) as ExportFormat[];
    if ((v.arch === undefined) === (v.checkpoint === undefined)) throw new CliUsageError("export-model", "give one of --arch STRING or --checkpoint FILE");
    const out = (v.out as string | undefined) ?? "export";
    const check = v["no-check"] !== true;
    let epochs = v.epochs !== undefined ? positiveInt("export-model", "epochs", v.epochs as string) : 3;
    let report;
    if (v.checkpoint !== undefined) {
      const { trial, epochs: searchEpochs, budgetEpochs } = trialFromCheckpoint(v.checkpoint as string, (v.trial as string | undefined) ?? "best");
      if (searchEpochs !== undefined) epochs = searchEpochs;
      const chain = syntheticChainSpace();
      const evaluator = syntheticChainEvaluator({ epochs });
      console.log(`trial ${trial.index}: ${trial.arch} (seed ${trial.seed}, val_acc ${trial.result.metrics.val_acc})`);
      report = await exportModel(
        { arch: chain.parse(trial.arch), archString: trial.arch, seed: trial.seed, result: trial.result },
        { evaluator, format: formats, dir: out, check, budget: budgetEpochs !== undefined ? { epochs: budgetEpochs } : undefined },
      );
    } else {
      const seed = v.seed !== undefined ? integer("export-model", "seed", v.seed as string) : 0;
      if (space === "chain") {
        report = await exportModel(syntheticChainSpace().parse(v.arch as string), { evaluator: syntheticChainEvaluator({ epochs }), format: formats, dir: out, check, seed });
      } else {
        const nb = nb201Space();
        const evaluator = trainEvaluator<Nb201Arch>({ build: modelBuilder(nb), train: { epochs } });
        report = await exportModel(nb.parse(v.arch as string), { evaluator, format: formats, dir: out, check, seed });
      }
    }
    if (report.trained) console.log(`trained: val_acc ${report.trained.metrics.val_acc?.toFixed(2)}, test_acc ${report.trained.metrics.test_acc?.toFixed(2)}${report.trained.reproduced ? " (equal to the trial's)" : ""}`);
    for (const c of report.checks) console.log(`${c.format}: checked in ${c.runtime}, max |difference| ${c.maxAbsDiff.toExponential(2)} over ${c.batch} images`);
    for (const f of report.files) console.log(`wrote ${f}`);
    return 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      console.error(e.message);
      return 2;
    }
    console.error(`nasbook export-model: ${(e as Error).message}`);
    return 1;
  }
}
