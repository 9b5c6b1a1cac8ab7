/**
 * Step 6 of a cell's life: where each piece of a cell's output goes. ONE rule, shared by the kernel (which turns the
 * operations into iopub messages), the headless runner (which applies them to the .ipynb as a Jupyter client would)
 * and a live page. No Node built-ins: the host converts values to MIME bundles.
 *
 * The rule. While a cell's own execute request is current and the cell reads no other cell, its output is ordinary
 * Jupyter output under that request: `stream` for what it prints, `display_data` for `display()`, `execute_result` for
 * its value (a stream's value instead goes in a `display_data` with a display id, updated as the stream yields).
 * Any other output of a cell — from a re-run caused by another cell or a control, from a stream still yielding after
 * its request was answered, from a timer — can only reach the cell's own output area through a display id, so such
 * a cell keeps ONE composite display: what its current run printed and displayed, then its value (or error). A cell
 * that reads other cells uses the composite from its first run, so a re-run replaces exactly what the previous run
 * showed. Updates go under the request being handled (Jupyter clients route display ids to the output holding them,
 * nbclient saves only messages of the current request); with no request, under the cell's last one.
 *
 * Display ids are `nasbook-<cell>-<n>`, new for every execution of the cell by a request, so an output a client saved
 * earlier is never overwritten by a later execution.
 */

/** A Jupyter MIME bundle: MIME type -> content. */
export type MimeBundle = Record<string, unknown>;

/** An output operation, in Jupyter's terms; `parent` is the request it is sent under (opaque to the router). */
export type OutputOp<R> =
  | { readonly op: "stream"; readonly parent: R; readonly name: "stdout" | "stderr"; readonly text: string }
  | { readonly op: "display"; readonly parent: R; readonly bundle: MimeBundle; readonly displayId?: string }
  | { readonly op: "result"; readonly parent: R; readonly bundle: MimeBundle; readonly count: number }
  | { readonly op: "update"; readonly parent: R; readonly bundle: MimeBundle; readonly displayId: string }
  | { readonly op: "clear"; readonly parent: R; readonly wait: boolean };

/** An execute request as the router sees it. */
export interface RouterRequest<R> {
  readonly ref: R;
  /** The cell it executes (undefined: a request that runs no cell, e.g. one that only deletes cells). */
  readonly cellId: string | undefined;
  readonly count: number;
  readonly silent: boolean;
}

type Part =
  | { readonly kind: "stream"; readonly name: "stdout" | "stderr"; text: string }
  | { readonly kind: "display"; bundle: MimeBundle; readonly displayId?: string }
  | { readonly kind: "value"; bundle: MimeBundle };

interface CellOutputs<R> {
  /** Reads other cells: its output lives in the composite from the start. */
  live: boolean;
  /** Own executions so far (display ids). */
  executions: number;
  lastRequest: R | undefined;
  /** The composite display: its id, its parts, and the bundle last sent. */
  composite: { id: string; parts: Part[]; sent: string | undefined; dirty: boolean } | undefined;
  /** Parts of the previous run, still shown until the current run shows something. */
  stale: boolean;
  /** A pending `clearOutput({ wait: true })`. */
  clearOnNext: boolean;
  /** For a cell in plain mode: the display id of its streaming value once shown, and that value. */
  valueDisplay: string | undefined;
  lastValue: MimeBundle | undefined;
}

/** Bundles larger than this many characters of printed text keep only their end. */
const maxPrinted = 200_000;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** What a composite shows: its parts one below the other. A lone display or value keeps its bundle as it is. */
export function composeParts(parts: readonly Part[]): MimeBundle {
  if (parts.length === 1 && parts[0]!.kind !== "stream") return parts[0]!.bundle;
  const text: string[] = [];
  const html: string[] = [];
  let rich = false;
  for (const p of parts) {
    if (p.kind === "stream") {
      text.push(p.text);
      const style = p.name === "stderr" ? "background:#fdd;" : "";
      html.push(`<pre style="margin:0;${style}white-space:pre-wrap">${escapeHtml(p.text)}</pre>`);
      if (p.name === "stderr") rich = true;
      continue;
    }
    const plain = typeof p.bundle["text/plain"] === "string" ? (p.bundle["text/plain"] as string) : "";
    text.push(plain.endsWith("\n") || plain === "" ? plain : `${plain}\n`);
    if (typeof p.bundle["text/html"] === "string") {
      html.push(p.bundle["text/html"] as string);
      rich = true;
    } else if (typeof p.bundle["image/svg+xml"] === "string") {
      html.push(p.bundle["image/svg+xml"] as string);
      rich = true;
    } else {
      html.push(`<pre style="margin:0;white-space:pre-wrap">${escapeHtml(plain)}</pre>`);
    }
  }
  const bundle: MimeBundle = { "text/plain": text.join("").replace(/\n$/, "") };
  if (rich) bundle["text/html"] = html.join("\n");
  return bundle;
}

/** The output router of one notebook (see the file comment). */
export class OutputRouter<R> {
  private readonly cells = new Map<string, CellOutputs<R>>();
  private current: (RouterRequest<R> & { ended: boolean }) | undefined;
  private lastParent: R | undefined;
  /** The last non-execute message handled since the current request began (see `handling`). */
  private handlingRef: R | undefined;
  /** tslab-style display ids made by `display(..., displayId)`: where each lives. */
  private readonly named = new Map<string, { cellId: string; inComposite: boolean }>();
  private flushScheduled = false;

  constructor(
    private readonly emit: (op: OutputOp<R>) => void,
    private readonly schedule: (f: () => void) => void = (f) => queueMicrotask(f),
  ) {}

  private state(cellId: string): CellOutputs<R> {
    let s = this.cells.get(cellId);
    if (!s) {
      s = {
        live: false, executions: 0, lastRequest: undefined, composite: undefined, stale: false, clearOnNext: false,
        valueDisplay: undefined, lastValue: undefined,
      };
      this.cells.set(cellId, s);
    }
    return s;
  }

  /** Whether cell `cellId` reads other cells (then its output is a composite from its first run). */
  setLive(cellId: string, live: boolean): void {
    this.state(cellId).live = live;
  }

  /** An execute request for `request.cellId` starts: its cell's output area is new. */
  begin(request: RouterRequest<R>): void {
    this.flush();
    this.current = { ...request, ended: false };
    this.lastParent = request.ref;
    this.handlingRef = undefined;
    if (request.cellId === undefined) return;
    const s = this.state(request.cellId);
    s.executions++;
    s.lastRequest = request.ref;
    s.composite = undefined;
    s.valueDisplay = undefined;
    s.lastValue = undefined;
    s.stale = false;
    s.clearOnNext = false;
  }

  /** The current request is being answered: from now on its cell's output is late (composite). */
  end(): void {
    this.flush();
    if (this.current) this.current.ended = true;
  }

  /** No request is current any more (idle). */
  idle(): void {
    this.flush();
    this.current = undefined;
  }

  /**
   * A message other than an execute request is being handled (a control's comm message): between execute requests,
   * what it causes goes out under it.
   */
  handling(ref: R): void {
    this.lastParent = ref;
    this.handlingRef = ref;
  }

  /** True when the cell's output is its composite display (its errors show there, not as `error` output). */
  isComposite(cellId: string): boolean {
    return this.state(cellId).live || this.state(cellId).composite !== undefined;
  }

  /** Forgets a deleted cell. */
  forget(cellId: string): void {
    this.cells.delete(cellId);
  }

  private own(cellId: string): boolean {
    return this.current !== undefined && !this.current.ended && this.current.cellId === cellId;
  }

  private plain(cellId: string): boolean {
    return this.own(cellId) && !this.state(cellId).live && this.state(cellId).composite === undefined;
  }

  private parentFor(s: CellOutputs<R>): R | undefined {
    if (this.current && !this.current.ended) return this.current.ref;
    return this.handlingRef ?? this.current?.ref ?? s.lastRequest ?? this.lastParent;
  }

  private silent(cellId: string): boolean {
    return this.own(cellId) && this.current!.silent;
  }

  /** A run of the cell starts: what its previous run printed goes once this run shows something. */
  run(cellId: string): void {
    const s = this.state(cellId);
    if (s.composite && !this.plain(cellId)) s.stale = true;
  }

  /** Printed text. `cellId` undefined: not from any cell (goes to the current request, if any). */
  stream(cellId: string | undefined, name: "stdout" | "stderr", text: string): void {
    if (cellId === undefined) {
      if (this.current && !this.current.silent) this.emit({ op: "stream", parent: this.current.ref, name, text });
      return;
    }
    if (this.silent(cellId)) return;
    if (this.plain(cellId)) {
      this.emit({ op: "stream", parent: this.current!.ref, name, text });
      return;
    }
    this.addPart(cellId, { kind: "stream", name, text });
  }

  /** `display(value)` (or a tslab display, with its own display id). */
  display(cellId: string, bundle: MimeBundle, displayId?: string): void {
    if (this.silent(cellId)) return;
    if (this.plain(cellId)) {
      this.emit({ op: "display", parent: this.current!.ref, bundle, ...(displayId ? { displayId } : {}) });
      if (displayId) this.named.set(displayId, { cellId, inComposite: false });
      return;
    }
    if (displayId) this.named.set(displayId, { cellId, inComposite: true });
    this.addPart(cellId, { kind: "display", bundle, ...(displayId ? { displayId } : {}) });
  }

  /** Updates a display made with a display id (tslab's newDisplay), wherever it is. */
  updateDisplay(displayId: string, bundle: MimeBundle): void {
    const where = this.named.get(displayId);
    if (!where) return;
    const s = this.state(where.cellId);
    if (where.inComposite && s.composite) {
      const part = s.composite.parts.find((p) => p.kind === "display" && p.displayId === displayId);
      if (part && part.kind === "display") {
        part.bundle = bundle;
        this.touch(where.cellId);
      }
      return;
    }
    const parent = this.parentFor(s);
    if (parent !== undefined) this.emit({ op: "update", parent, displayId, bundle });
  }

  /** The cell's value (undefined: nothing to show); `streaming` while a stream feeds it. */
  value(cellId: string, bundle: MimeBundle | undefined, streaming: boolean): void {
    if (this.silent(cellId)) return;
    const s = this.state(cellId);
    if (this.plain(cellId)) {
      if (bundle === undefined) return;
      if (s.valueDisplay !== undefined) {
        s.lastValue = bundle;
        this.emit({ op: "update", parent: this.current!.ref, displayId: s.valueDisplay, bundle });
        return;
      }
      const displayId = `nasbook-${cellId}-${s.executions}`;
      if (!streaming) {
        // A final value: nothing updates it later (late output of the cell goes to a composite of its own).
        this.emit({ op: "result", parent: this.current!.ref, bundle, count: this.current!.count });
        return;
      }
      s.valueDisplay = displayId;
      s.lastValue = bundle;
      this.emit({ op: "display", parent: this.current!.ref, bundle, displayId });
      return;
    }
    this.setValue(cellId, bundle);
  }

  /** The cell failed: its composite shows the error in place of its value (the executed cell's reply says so too). */
  error(cellId: string, bundle: MimeBundle): void {
    if (this.silent(cellId)) return;
    if (this.plain(cellId)) {
      const s = this.state(cellId);
      // A stream that failed after showing values: its display shows the error. Otherwise the reply reports it.
      if (s.valueDisplay !== undefined) this.emit({ op: "update", parent: this.current!.ref, displayId: s.valueDisplay, bundle });
      return;
    }
    this.setValue(cellId, bundle);
  }

  /** `clearOutput({ wait })` in the cell. */
  clear(cellId: string, wait: boolean): void {
    if (this.silent(cellId)) return;
    if (this.plain(cellId)) {
      this.emit({ op: "clear", parent: this.current!.ref, wait });
      return;
    }
    const s = this.state(cellId);
    if (wait) {
      s.clearOnNext = true;
      return;
    }
    this.dropPrinted(s);
    this.touch(cellId);
  }

  /** Sends every composite changed since the last flush. */
  flush(): void {
    for (const [cellId, s] of this.cells) {
      const c = s.composite;
      if (!c?.dirty) continue;
      c.dirty = false;
      const bundle = composeParts(c.parts.length ? c.parts : [{ kind: "value", bundle: { "text/plain": "" } }]);
      const text = JSON.stringify(bundle);
      if (text === c.sent) continue;
      const parent = this.parentFor(s);
      if (parent === undefined) continue;
      if (c.sent === undefined) this.emit({ op: "display", parent: this.own(cellId) ? this.current!.ref : (s.lastRequest ?? parent), bundle, displayId: c.id });
      else this.emit({ op: "update", parent, displayId: c.id, bundle });
      c.sent = text;
    }
  }

  private composite(cellId: string): NonNullable<CellOutputs<R>["composite"]> | undefined {
    const s = this.state(cellId);
    if (s.composite) return s.composite;
    // Late output of a cell whose streaming value is shown: that display becomes its composite.
    const id = s.valueDisplay ?? `nasbook-${cellId}-${s.executions}`;
    if (s.lastRequest === undefined && !this.own(cellId) && this.lastParent === undefined) return undefined;
    const parts: Part[] = s.valueDisplay !== undefined && s.lastValue ? [{ kind: "value", bundle: s.lastValue }] : [];
    s.composite = { id, parts, sent: s.valueDisplay !== undefined ? "" : undefined, dirty: false };
    return s.composite;
  }

  private addPart(cellId: string, part: Part): void {
    const s = this.state(cellId);
    const c = this.composite(cellId);
    if (!c) return;
    if (s.stale || s.clearOnNext) {
      this.dropPrinted(s);
      s.stale = false;
      s.clearOnNext = false;
    }
    const last = c.parts[c.parts.length - 1];
    const valueAt = c.parts.findIndex((p) => p.kind === "value");
    if (part.kind === "stream" && last && last.kind === "stream" && last.name === part.name && valueAt === -1) {
      last.text = (last.text + part.text).slice(-maxPrinted);
    } else if (part.kind === "stream" && valueAt > 0 && c.parts[valueAt - 1]!.kind === "stream" && (c.parts[valueAt - 1] as { name: string }).name === part.name) {
      const prev = c.parts[valueAt - 1] as { text: string };
      prev.text = (prev.text + part.text).slice(-maxPrinted);
    } else if (valueAt >= 0) {
      c.parts.splice(valueAt, 0, part);
    } else {
      c.parts.push(part);
    }
    this.touch(cellId);
  }

  private setValue(cellId: string, bundle: MimeBundle | undefined): void {
    const s = this.state(cellId);
    const c = bundle === undefined && !s.composite ? undefined : this.composite(cellId);
    if (!c) return;
    if (s.stale) {
      this.dropPrinted(s);
      s.stale = false;
    }
    const at = c.parts.findIndex((p) => p.kind === "value");
    if (bundle === undefined) {
      if (at >= 0) c.parts.splice(at, 1);
    } else if (at >= 0) (c.parts[at] as { bundle: MimeBundle }).bundle = bundle;
    else c.parts.push({ kind: "value", bundle });
    this.touch(cellId);
  }

  private dropPrinted(s: CellOutputs<R>): void {
    if (!s.composite) return;
    s.composite.parts = s.composite.parts.filter((p) => p.kind === "value");
    s.composite.dirty = true;
  }

  private touch(cellId: string): void {
    const c = this.state(cellId).composite;
    if (!c) return;
    c.dirty = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.schedule(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }
}
