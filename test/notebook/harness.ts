// A notebook driven as the kernel drives it (an execute request per cell, the output router, a client's saved
// outputs), without sockets: what each cell shows, as text.
import { Notebook, type NotebookOptions, type ExecuteOutcome } from "../../src/notebook/notebook.js";
import { OutputRouter } from "../../src/notebook/outputRouter.js";
import { SavedOutputs } from "../../src/notebook/savedOutputs.js";
import type { Output } from "../../src/notebook/ipynb.js";

/** One output as text: a stream's text, a display's text/plain, an error's `ename: evalue`. */
export function outputText(o: Output): string {
  if (o.output_type === "stream") return Array.isArray(o.text) ? o.text.join("") : o.text;
  if (o.output_type === "error") return `${o.ename}: ${o.evalue}`;
  return String(o.data["text/plain"] ?? "");
}

export class TestNotebook {
  readonly saved = new SavedOutputs();
  readonly router = new OutputRouter<string>((op) => this.saved.apply(op), (f) => queueMicrotask(f));
  readonly nb: Notebook;
  private count = 0;

  constructor(opts: Omit<NotebookOptions, "outputs"> = {}) {
    this.nb = new Notebook({ ...opts, outputs: this.router });
  }

  async execute(code: string, cellId: string, opts: { until?: Promise<unknown> | (() => Promise<unknown>) } = {}): Promise<ExecuteOutcome> {
    this.saved.begin(cellId);
    this.router.begin({ ref: cellId, cellId, count: ++this.count, silent: false });
    const outcome = await this.nb.execute(code, { cellId, until: opts.until });
    this.router.end();
    this.router.flush();
    if (outcome.status === "error" && outcome.error && !this.router.isComposite(cellId)) this.saved.error(cellId, outcome.error);
    return outcome;
  }

  async delete(ids: string[]): Promise<void> {
    await this.nb.delete(ids);
    for (const id of ids) this.router.forget(id);
    this.router.flush();
  }

  /** Everything the cell shows, one output per line. */
  text(cellId: string): string {
    this.router.flush();
    return this.saved.of(cellId).map(outputText).join("\n");
  }

  /** What the cell shows last: its value or error (the last output). */
  last(cellId: string): string | undefined {
    this.router.flush();
    const o = this.saved.of(cellId).at(-1);
    return o === undefined ? undefined : outputText(o);
  }

  outputs(cellId: string): Output[] {
    this.router.flush();
    return this.saved.of(cellId);
  }

  dispose(): void {
    this.nb.dispose();
  }
}
