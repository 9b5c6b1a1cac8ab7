/**
 * The shared key of a distributed search: searches sign the jobs they queue and workers sign the results they
 * store with it (HMAC-SHA256, as Jupyter signs kernel messages with the key of its connection file), so a worker
 * runs only jobs from someone holding the key, and a search believes only results written by one.
 *
 * Where it comes from, first match wins: an explicit key (library option), the file named by `--key-file` or
 * NASBOOK_KEY_FILE, the NASBOOK_KEY environment variable, else the user's key file
 * (`$XDG_CONFIG_HOME/nasbook/key`, default `~/.config/nasbook/key`), created with 32 random bytes and mode 0600 on
 * first use, so every search and worker of one user on one machine share it with no setup. On several machines,
 * copy that file (or set NASBOOK_KEY) to each.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { NasbookError } from "../errors.js";

/** A key that cannot be read or is too short to sign with. */
export class SharedKeyError extends NasbookError {}

/** A loaded key: the secret, an id that is safe to print (it says which key, not what it is), and where it came from. */
export interface SharedKey {
  readonly secret: Buffer;
  /** The first 12 hex digits of a hash of the key: equal on both sides when the keys are equal. */
  readonly id: string;
  /** "option", "NASBOOK_KEY", or the file it was read from. */
  readonly source: string;
}

export interface SharedKeyOptions {
  /** The key itself (at least 16 characters). */
  key?: string;
  /** A file holding the key (its first line). */
  keyFile?: string;
}

const MIN_LENGTH = 16;

/** The default key file: `$XDG_CONFIG_HOME/nasbook/key`, else `~/.config/nasbook/key`. */
export function defaultKeyFile(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg && xdg.trim() !== "" ? resolve(xdg) : join(homedir(), ".config"), "nasbook", "key");
}

function fromText(text: string, source: string): SharedKey {
  const key = text.split("\n")[0]!.trim();
  if (key.length < MIN_LENGTH) {
    throw new SharedKeyError(
      `the key from ${source} has ${key.length} characters; it needs at least ${MIN_LENGTH} ` +
        "(make one: node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\")",
    );
  }
  const id = createHash("sha256").update(`nasbook key id\n${key}`).digest("hex").slice(0, 12);
  return { secret: Buffer.from(key, "utf8"), id, source };
}

function readKeyFile(file: string): SharedKey {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SharedKeyError(`cannot read the key file ${file} (${code ?? (e as Error).message}); give a readable file with --key-file or set NASBOOK_KEY`);
  }
  return fromText(text, file);
}

/** Reads the user's key file, creating it (0600, 32 random bytes as hex) when it does not exist yet. */
function userKey(file: string): SharedKey {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, "wx", 0o600); // fails if it exists: two processes starting at once create it once
    try {
      writeSync(fd, `${randomBytes(32).toString("hex")}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new SharedKeyError(`cannot create the key file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set NASBOOK_KEY or give --key-file`);
    }
  }
  return readKeyFile(file);
}

/** The shared key (see the file comment for where it is looked for). */
export function loadSharedKey(opts: SharedKeyOptions = {}): SharedKey {
  if (opts.key !== undefined) return fromText(opts.key, "option");
  const file = opts.keyFile ?? (process.env.NASBOOK_KEY_FILE?.trim() || undefined);
  if (file !== undefined) return readKeyFile(resolve(file));
  const env = process.env.NASBOOK_KEY;
  if (env !== undefined && env.trim() !== "") return fromText(env, "NASBOOK_KEY");
  return userKey(defaultKeyFile());
}

/**
 * The shared key when one is configured (an option, a key file given or named by NASBOOK_KEY_FILE, or NASBOOK_KEY),
 * else undefined: what a trial directory signs its entries with (a key is optional there, as nothing runs code).
 */
export function configuredSharedKey(opts: SharedKeyOptions = {}): SharedKey | undefined {
  const configured = opts.key !== undefined || opts.keyFile !== undefined || !!process.env.NASBOOK_KEY_FILE?.trim() || !!process.env.NASBOOK_KEY?.trim();
  return configured ? loadSharedKey(opts) : undefined;
}
