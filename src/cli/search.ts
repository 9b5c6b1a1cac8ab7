/**
 * `nasbook search`: a search from the command line.
 *
 *   nasbook search [--strategy regularized-evolution] [--dataset cifar10] [--queries 100] [--seed 0]
 *                  [--checkpoint run.jsonl] [--json]
 *
 * Runs on the NAS-Bench-201 table in the data directory (--data DIR or NASBOOK_DATA).
 */
import { parseArgs } from "node:util";
import { nb201TableEvaluator } from "../estimate/nb201Table.js";
import { search, type StrategyFactory } from "../search.js";
import { nb201Space } from "../space/nb201.js";
import { localSearch } from "../strategy/localSearch.js";
import { randomSearch } from "../strategy/random.js";
import { regularizedEvolution } from "../strategy/evolution.js";

export const cliStrategies: Record<string, () => StrategyFactory> = {
  random: () => randomSearch(),
  "regularized-evolution": () => regularizedEvolution(),
  "local-search": () => localSearch(),
};

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      strategy: { type: "string", default: "regularized-evolution" },
      dataset: { type: "string", default: "cifar10" },
      queries: { type: "string", default: "100" },
      seed: { type: "string", default: "0" },
      checkpoint: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const make = cliStrategies[values.strategy!];
  if (!make) {
    console.error(`nasbook search: unknown strategy "${values.strategy}" (strategies: ${Object.keys(cliStrategies).join(", ")})`);
    return 2;
  }
  const space = nb201Space();
  const evaluator = nb201TableEvaluator({ dataset: values.dataset });
  const run = search({
    space,
    strategy: make(),
    evaluator,
    budget: { queries: Number(values.queries) },
    seed: Number(values.seed),
    checkpoint: values.checkpoint,
    snapshotEvery: 0,
  });
  const tty = process.stderr.isTTY;
  for await (const e of run) {
    if (e.type === "trial" && tty) {
      process.stderr.write(`\r${e.queries} queries, best val ${e.best?.fitness.toFixed(2) ?? "-"}   `);
    }
    if (e.type === "done") {
      if (tty) process.stderr.write("\n");
      const best = e.result.best;
      const summary = {
        strategy: values.strategy,
        dataset: evaluator.dataset,
        queries: e.result.history.length,
        seed: e.result.seed,
        best: best && { arch: best.archString, val_acc: best.result.metrics.val_acc, test_acc: best.result.metrics.test_acc, index: best.result.metrics.index },
        optimum: evaluator.table.optimum(evaluator.dataset),
        resumed: e.result.resumed,
        seconds: +e.result.seconds.toFixed(3),
      };
      if (values.json) console.log(JSON.stringify(summary));
      else {
        console.log(`${summary.strategy} on NAS-Bench-201 ${summary.dataset}, ${summary.queries} queries, seed ${summary.seed}`);
        console.log(`best by 12-epoch validation: ${best?.archString}`);
        console.log(`  val ${best?.result.metrics.val_acc?.toFixed(2)}%  200-epoch test ${best?.result.metrics.test_acc?.toFixed(2)}%  (table optimum ${summary.optimum.toFixed(2)}%)`);
      }
    }
  }
  return 0;
}
