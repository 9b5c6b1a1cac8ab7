/** `node:fs/promises` for a live page: reads from the embedded files; writes are a clear error (see fs.ts). */
import { unsupported } from "../unsupported.js";
import { readFileSync } from "./fs.js";

export async function readFile(p: unknown, options?: string | { encoding?: string | null }): Promise<unknown> {
  return readFileSync(p, options);
}

const writing = (name: string) => async (p?: unknown): Promise<never> => {
  throw unsupported(`writing files (${name} ${typeof p === "string" ? p : ""})`, "a page cannot write to your disk");
};

export const writeFile = writing("writeFile");
export const mkdir = writing("mkdir");
export const link = writing("link");
export const rename = writing("rename");
export const unlink = writing("unlink");
export const rm = writing("rm");

export default { readFile, writeFile, mkdir, link, rename, unlink, rm };
