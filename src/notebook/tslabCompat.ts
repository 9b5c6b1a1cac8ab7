/**
 * `import * as tslab from "tslab"` in a nasbook cell: tslab's display API (tslab 1.0.22, dist/public.js) on the
 * nasbook kernel, so notebooks written for tslab run unchanged and without tslab installed. Each call sends the
 * display_data tslab sends: `{ data: { [mime]: content }, metadata: {} }`, binary content (png, jpeg, gif, pdf)
 * base64-encoded, and no text/plain added. `newDisplay()` is tslab's updatable display: it has its own display id;
 * its first call shows it below the running cell, later calls (from any cell) update it in place.
 *
 * Each notebook gives its cells its own instance (`tslabModule`); the module-level exports below are what the type
 * checker sees, and refuse to work outside a notebook cell.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { NasbookError } from "../errors.js";
import { packageRoot } from "../packageLocation.js";
import type { MimeBundle } from "./mime.js";

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

/** Where a notebook's tslab displays go. */
export interface TslabSink {
  /** Shows `bundle` below the running cell (with a display id for updatable displays); false when no cell runs. */
  show(bundle: MimeBundle, displayId?: string): boolean;
  /** Updates the display with id `displayId`. */
  update(displayId: string, bundle: MimeBundle): void;
}

function encode(contentType: string, content: string | Uint8Array): MimeBundle {
  const data = typeof content === "string" ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("base64");
  return { [contentType]: data };
}

class SinkDisplay implements Display {
  private shown = false;
  constructor(private readonly sink: TslabSink | undefined, private readonly displayId?: string) {}
  private send(contentType: string, content: string | Uint8Array): void {
    const bundle = encode(contentType, content);
    if (this.displayId !== undefined && this.shown) {
      this.sink!.update(this.displayId, bundle);
      return;
    }
    if (!this.sink?.show(bundle, this.displayId)) {
      throw new NasbookError(`tslab.display.${contentType}: no notebook cell is running here; call it from a cell's code`);
    }
    this.shown = true;
  }
  javascript(s: string): void { this.send("text/javascript", s); }
  html(s: string): void { this.send("text/html", s); }
  markdown(s: string): void { this.send("text/markdown", s); }
  latex(s: string): void { this.send("text/latex", s); }
  svg(s: string): void { this.send("image/svg+xml", s); }
  png(b: Uint8Array): void { this.send("image/png", b); }
  jpeg(b: Uint8Array): void { this.send("image/jpeg", b); }
  gif(b: Uint8Array): void { this.send("image/gif", b); }
  pdf(b: Uint8Array): void { this.send("application/pdf", b); }
  text(s: string): void { this.send("text/plain", s); }
  raw(contentType: string, b: string | Uint8Array): void { this.send(contentType, b); }
}

const nasbookVersion = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;

/** Versions, as tslab reports them; `tslab` is the nasbook version that provides this API. */
export const versions: { tslab: string; typescript: string; node: string } = {
  tslab: `nasbook ${nasbookVersion}`,
  typescript: ts.version,
  node: process.version,
};

let nextDisplay = 1;

/** tslab's module for one notebook's cells. */
export function tslabModule(sink: TslabSink): { display: Display; newDisplay(): Display; versions: typeof versions } {
  return {
    display: new SinkDisplay(sink),
    newDisplay: () => new SinkDisplay(sink, `tslab-${nextDisplay++}`),
    versions,
  };
}

/** Shows rich content below the running cell, as `tslab.display` does (in a notebook cell). */
export const display: Display = new SinkDisplay(undefined);

/** tslab's updatable display: the first call shows it, later calls update it in place (in a notebook cell). */
export function newDisplay(): Display {
  return new SinkDisplay(undefined, `tslab-${nextDisplay++}`);
}
