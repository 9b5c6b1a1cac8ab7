/**
 * Where datasets and benchmark tables live. Resolution order: an explicit argument (the CLI's `--data DIR`),
 * then the `NASBOOK_DATA` environment variable, then `~/.cache/nasbook/data`.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

let override: string | undefined;

/** Sets the data directory for this process (what `--data DIR` does). */
export function setDataDir(dir: string | undefined): void {
  override = dir === undefined ? undefined : resolve(dir);
}

export function dataDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (override) return override;
  const env = process.env.NASBOOK_DATA;
  if (env && env.trim() !== "") return resolve(env);
  return join(homedir(), ".cache", "nasbook", "data");
}

/** A path inside the data directory. */
export function dataPath(relative: string, explicit?: string): string {
  return join(dataDir(explicit), relative);
}
