/**
 * `import * as tslab from "tslab"` in a nasbook cell: tslab's display API (tslab 1.0.22, dist/public.js) on the
 * nasbook kernel, so notebooks written for tslab run unchanged and without tslab installed. Each call sends the
 * display_data tslab sends: `{ data: { [mime]: content }, metadata: {} }`, binary content (png, jpeg, gif, pdf)
 * base64-encoded, and no text/plain added.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { NasbookError } from "../errors.js";
import { packageRoot } from "./compiler.js";
import { showInRunningCell } from "./displayRoutes.js";

/** tslab's `Display` interface. */
export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  raw(contentType: string, b: string | Uint8Array): void;
}

function send(contentType: string, content: string | Uint8Array): void {
  const data = typeof content === "string" ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("base64");
  if (!showInRunningCell({ [contentType]: data })) {
    throw new NasbookError(`tslab.display.${contentType}: no notebook cell is running here; call it from a cell's code`);
  }
}

class NasbookDisplay implements Display {
  javascript(s: string): void { send("text/javascript", s); }
  html(s: string): void { send("text/html", s); }
  markdown(s: string): void { send("text/markdown", s); }
  latex(s: string): void { send("text/latex", s); }
  svg(s: string): void { send("image/svg+xml", s); }
  png(b: Uint8Array): void { send("image/png", b); }
  jpeg(b: Uint8Array): void { send("image/jpeg", b); }
  gif(b: Uint8Array): void { send("image/gif", b); }
  pdf(b: Uint8Array): void { send("application/pdf", b); }
  text(s: string): void { send("text/plain", s); }
  raw(contentType: string, b: string | Uint8Array): void { send(contentType, b); }
}

/** Shows rich content below the running cell, as `tslab.display` does. */
export const display: Display = new NasbookDisplay();

/**
 * tslab's updatable display. The nasbook kernel updates a cell's output when the cell's value changes (return a
 * stream or re-run the cell) rather than through display ids, so this is refused with that advice.
 */
export function newDisplay(): Display {
  throw new NasbookError(
    "tslab.newDisplay() (an updatable display) is not supported on the nasbook kernel: make the cell's value an " +
      "async generator and yield each new figure, or use tslab.display for output that stays",
  );
}

const nasbookVersion = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;

/** Versions, as tslab reports them; `tslab` is the nasbook version that provides this API. */
export const versions: { tslab: string; typescript: string; node: string } = {
  tslab: `nasbook ${nasbookVersion}`,
  typescript: ts.version,
  node: process.version,
};
