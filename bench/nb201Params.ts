/**
 * Builds the NAS-Bench-201 network (C=16, N=5, 10 classes, 32x32x3 input) for all 15,625 architectures and checks
 * each parameter count against the `params_M_cifar10` column of $NASBOOK_DATA/nb201/nb201_all.csv.
 * Usage: npm run bench:nb201-params [-- --data DIR] [--limit N]. Last stdout line: one JSON object.
 */
import { readFileSync, existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { dataPath, setDataDir } from "../src/data/dir.js";
import { NB201_PAPER, nb201Model } from "../src/model/nb201.js";
import { parseNb201 } from "../src/space/nb201.js";
import { stringFlag } from "./args.js";

function arg(name: string): string | undefined {
  return stringFlag(name.replace(/^--/, ""));
}

async function main(): Promise<void> {
  setDataDir(arg("--data"));
  const limit = Number(arg("--limit") ?? Infinity);
  const file = dataPath("nb201/nb201_all.csv");
  if (!existsSync(file)) {
    throw new Error(`${file} not found: put nb201_all.csv under <data>/nb201/ (set NASBOOK_DATA or pass --data DIR)`);
  }
  await tf.setBackend("cpu"); // building graphs only; no training
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const header = lines[0]!.split(",");
  const archCol = header.indexOf("arch");
  const paramsCol = header.indexOf("params_M_cifar10");
  const t0 = performance.now();
  let checked = 0;
  let maxParams = 0;
  let maxFlops = 0;
  const mismatches: { arch: string; table: number; ours: number }[] = [];
  for (const line of lines.slice(1)) {
    if (checked >= limit) break;
    const cols = line.split(",");
    const arch = parseNb201(cols[archCol]!);
    const table = Math.round(Number(cols[paramsCol]) * 1e6);
    const built = nb201Model(arch, { ...NB201_PAPER, inputShape: [32, 32, 3], numClasses: 10, seed: 0, zeroInit: true });
    built.model.dispose();
    if (built.params !== table) mismatches.push({ arch: cols[archCol]!, table, ours: built.params });
    maxParams = Math.max(maxParams, built.params);
    maxFlops = Math.max(maxFlops, built.flops);
    checked++;
    if (checked % 2000 === 0) console.log(`${checked} checked, ${mismatches.length} mismatches`);
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const m of mismatches.slice(0, 10)) console.log(`MISMATCH ${m.arch}: table ${m.table}, ours ${m.ours}`);
  console.log(`${checked} architectures, ${mismatches.length} mismatches, max params ${maxParams}, max MACs ${maxFlops}, ${seconds.toFixed(1)} s`);
  console.log(JSON.stringify({ bench: "nb201-params", checked, mismatches: mismatches.length, maxParams, maxFlops, seconds }));
  if (mismatches.length > 0) process.exitCode = 1;
}

await main();
