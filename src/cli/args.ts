/**
 * Flag parsing for `nasbook search` and `nasbook worker` on node:util parseArgs: every mistake (unknown flag,
 * missing value, bad number, value not in a list) becomes a one-line CliUsageError naming the flag and what is
 * valid, which the command prints instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { NasbookError } from "../errors.js";

/** A command-line mistake; its message is one line, ready to print. */
export class CliUsageError extends NasbookError {
  constructor(command: string, problem: string) {
    super(`nasbook ${command}: ${problem} (see nasbook ${command} --help)`);
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv strictly; `--n -5` is read as the value -5 of --n (so it is refused as a bad value, not a flag). */
export function parseCli(command: string, argv: readonly string[], options: Options): Record<string, string | boolean | undefined> {
  // As node's parseArgs types it: a `multiple: true` flag's value is an array, which its caller reads as one.
  return parseCommandLine(command, argv, options).values as Record<string, string | boolean | undefined>;
}

/**
 * `parseCli` for commands that also take positional arguments (a notebook, a connection file): at most
 * `maxPositionals` of them (default none), in order. The one argument parser of every `nasbook` command.
 */
export function parseCommandLine(
  command: string,
  argv: readonly string[],
  options: Options,
  opts: { maxPositionals?: number } = {},
): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const opt = a.startsWith("--") ? options[a.slice(2)] : undefined;
    if (opt?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  const valid = Object.keys(options).map((k) => `--${k}`).join(", ");
  const maxPositionals = opts.maxPositionals ?? 0;
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: maxPositionals > 0 });
    parsed = { values, positionals };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = (e as Error).message;
    const flag = /'(?:-\w, )?(--?[^' ,]+)/.exec(msg)?.[1] ?? ""; // "Option '-o, --out <value>' ..." names --out
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new CliUsageError(command, `unknown option ${flag} (options: ${valid})`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new CliUsageError(command, `unexpected argument ${/'([^']+)'/.exec(msg)?.[1] ?? ""} (options: ${valid})`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      if (options[flag.replace(/^--/, "")]?.type === "boolean") throw new CliUsageError(command, `${flag} takes no value`);
      throw new CliUsageError(command, `${flag} needs a value`);
    }
    throw new CliUsageError(command, msg.split("\n")[0]!);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new CliUsageError(command, `unexpected argument ${parsed.positionals[maxPositionals]} (options: ${valid})`);
  }
  return parsed;
}

/** A positive integer flag value. */
export function positiveInt(command: string, flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new CliUsageError(command, `--${flag} must be a positive integer, got "${v}"`);
  return n;
}

/** An integer flag value (seeds may be 0 or negative). */
export function integer(command: string, flag: string, v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new CliUsageError(command, `--${flag} must be an integer, got "${v}"`);
  return n;
}

/** A positive number flag value (seconds). */
export function positiveNumber(command: string, flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new CliUsageError(command, `--${flag} must be a positive number, got "${v}"`);
  return n;
}

/** A flag value from a fixed list. */
export function oneOf<T extends string>(command: string, flag: string, v: string, valid: readonly T[]): T {
  if (!(valid as readonly string[]).includes(v)) throw new CliUsageError(command, `--${flag} must be one of ${valid.join(", ")}; got "${v}"`);
  return v as T;
}

/** The NAME=VALUE pairs of a repeatable `--set` flag (control values), by name. */
export function controlSettings(command: string, value: string | boolean | (string | boolean)[] | undefined): Record<string, string> {
  const set: Record<string, string> = {};
  for (const pair of Array.isArray(value) ? value.map(String) : []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CliUsageError(command, `--set takes NAME=VALUE, got "${pair}"; e.g. --set budget=50`);
    set[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return set;
}
