/**
 * Output operations saved as a Jupyter client saves the messages it receives (JupyterLab's rules, which nbclient
 * follows for the messages of the request it is running): output under a request goes to that request's cell; an
 * update replaces every output holding its display id, wherever it is; clear_output empties the cell (with `wait`,
 * on its next output). The headless runner saves notebooks with it; tests read what a client would show.
 */
import { joinSource, outputs as out, type Output } from "./ipynb.js";
import type { CellErrorReport } from "./cellErrors.js";
import type { MimeBundle } from "./mime.js";
import type { OutputOp } from "./outputRouter.js";

/** The saved outputs of every cell (see the file comment). */
export class SavedOutputs {
  private readonly outputs = new Map<string, Output[]>();
  private readonly waitingClear = new Set<string>();
  /** display id -> the outputs holding it. */
  private readonly displays = new Map<string, Output[]>();

  /** The cell is executed again: a client clears its output area. */
  begin(cellId: string): void {
    this.waitingClear.delete(cellId);
    this.clear(cellId);
  }

  of(cellId: string): Output[] {
    let list = this.outputs.get(cellId);
    if (!list) this.outputs.set(cellId, (list = []));
    return list;
  }

  private add(cellId: string, o: Output, displayId?: string): void {
    if (this.waitingClear.delete(cellId)) this.clear(cellId);
    const list = this.of(cellId);
    const last = list[list.length - 1];
    // Consecutive writes to one stream are one output, as Jupyter clients merge them.
    if (o.output_type === "stream" && last?.output_type === "stream" && last.name === o.name) {
      last.text = joinSource(last.text) + joinSource(o.text);
      return;
    }
    list.push(o);
    if (displayId !== undefined) {
      const holders = this.displays.get(displayId) ?? [];
      holders.push(o);
      this.displays.set(displayId, holders);
    }
  }

  private clear(cellId: string): void {
    const list = this.of(cellId);
    for (const [id, holders] of this.displays) {
      const kept = holders.filter((o) => !list.includes(o));
      if (kept.length) this.displays.set(id, kept);
      else this.displays.delete(id);
    }
    list.length = 0;
  }

  apply(op: OutputOp<string>): void {
    switch (op.op) {
      case "stream":
        return this.add(op.parent, out.stream(op.name, op.text));
      case "display":
        // A display id already shown elsewhere is updated there too (nbclient and JupyterLab do so).
        if (op.displayId !== undefined) this.update(op.displayId, op.bundle);
        return this.add(op.parent, out.display(op.bundle), op.displayId);
      case "result":
        return this.add(op.parent, out.result(op.count, op.bundle));
      case "update":
        return this.update(op.displayId, op.bundle);
      case "clear":
        if (op.wait) this.waitingClear.add(op.parent);
        else this.clear(op.parent);
        return;
    }
  }

  /** The executed cell's error, as a client saves the `error` message (a composite cell shows it in its display). */
  error(cellId: string, report: CellErrorReport): void {
    this.of(cellId).push(out.error(report));
  }

  private update(displayId: string, bundle: MimeBundle): void {
    for (const o of this.displays.get(displayId) ?? []) if (o.output_type === "display_data" || o.output_type === "execute_result") o.data = bundle;
  }
}

