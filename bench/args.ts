/**
 * Command-line flags of the benchmarks, parsed by node:util `parseArgs` (so `--seeds 5` and `--seeds=5` both work
 * and a flag without its value is an error): one helper instead of an argv scan in every bench.
 */
import { parseArgs } from "node:util";

/** The value of `--name VALUE` (or `--name=VALUE`), or undefined if absent. Other flags are left to their readers. */
export function stringFlag(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: { [name]: { type: "string" } }, strict: false, allowPositionals: true });
  const v = values[name];
  if (v === true) throw new Error(`--${name} needs a value, e.g. --${name}=…`);
  return typeof v === "string" ? v : undefined;
}

/** Whether the boolean flag `--name` is given. */
export function booleanFlag(name: string, argv: readonly string[] = process.argv.slice(2)): boolean {
  const { values } = parseArgs({ args: [...argv], options: { [name]: { type: "boolean" } }, strict: false, allowPositionals: true });
  return values[name] === true;
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `--kebab-name N` (or `--camelName N`) flags with numeric defaults; an unknown flag or a non-number is an error. */
export function numberFlags<T extends Record<string, number>>(argv: readonly string[], defaults: T): T {
  const options = Object.fromEntries(Object.keys(defaults).flatMap((k) => [...new Set([kebab(k), k])].map((n) => [n, { type: "string" as const }])));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new Error(`${(err as Error).message} (flags: ${Object.keys(options).map((k) => "--" + k).join(", ")})`);
  }
  const out: Record<string, number> = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const raw = values[kebab(key)] ?? values[key];
    if (raw === undefined) continue;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`--${kebab(key)} needs a number, got "${String(raw)}"`);
    out[key] = v;
  }
  return out as T;
}
