/**
 * Where a notebook's output goes (the output router implements it), and how the dataflow's events reach it: values
 * become MIME bundles (a host's own rendering first, e.g. controls as widgets), errors an error bundle and a report.
 * Shared by the Node notebook (notebook.ts) and a live page (src/page/livePage.ts); no Node built-ins.
 */
import { reportError, type CellErrorReport } from "./cellErrors.js";
import type { DataflowEvents } from "./dataflow.js";
import { errorBundle, toMimeBundle, type MimeBundle } from "./mime.js";

/** Where a notebook's output goes (the output router implements it; every method optional). */
export interface NotebookOutputs {
  /** Whether cell `cellId` reads other cells (decided at each execution). */
  setLive?(cellId: string, live: boolean): void;
  run?(cellId: string): void;
  stream?(cellId: string, name: "stdout" | "stderr", text: string): void;
  display?(cellId: string, bundle: MimeBundle, displayId?: string): void;
  updateDisplay?(displayId: string, bundle: MimeBundle): void;
  value?(cellId: string, bundle: MimeBundle | undefined, streaming: boolean): void;
  error?(cellId: string, bundle: MimeBundle, report: CellErrorReport): void;
  clear?(cellId: string, wait: boolean): void;
  forget?(cellId: string): void;
}

export interface OutputEventOptions {
  /** How a value becomes a MIME bundle before the default (toMimeBundle); undefined: the default. */
  readonly render?: (value: unknown, cellId: string) => MimeBundle | undefined;
  /** How an error is shown (e.g. its stack's lines mapped back to the cell's); default: as it is. */
  readonly shownError?: (error: unknown) => unknown;
}

/** The dataflow events that feed `outputs` (see the file comment). */
export function outputEvents(outputs: NotebookOutputs, options: OutputEventOptions = {}): DataflowEvents {
  const toBundle = (v: unknown, id: string): MimeBundle | undefined => (v === undefined ? undefined : options.render?.(v, id)) ?? toMimeBundle(v);
  return {
    run: (id) => outputs.run?.(id),
    value: (id, v, streaming) => outputs.value?.(id, toBundle(v, id), streaming),
    error: (id, e) => {
      const shown = options.shownError ? options.shownError(e) : e;
      outputs.error?.(id, errorBundle(shown), reportError(shown));
    },
    display: (id, values) => {
      for (const v of values) {
        const b = toBundle(v, id);
        if (b) outputs.display?.(id, b);
      }
    },
    clear: (id, wait) => outputs.clear?.(id, wait),
  };
}
