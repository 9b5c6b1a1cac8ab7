/**
 * A notebook live in a page: the compile steps recorded at export time (payload.ts) applied, cell after cell, to the
 * same dataflow core as the kernel and `nasbook run` (dataflow.ts), with the same output rule (outputRouter.ts, saved
 * as a Jupyter client saves them, savedOutputs.ts) drawn into the page (outputView.ts). The library cells see is
 * the page's bundle bound to a session whose store replays the exported trials (replayStore.ts). Controls are live
 * elements: moving one re-runs exactly its readers.
 */
import type { SearchProgress } from "../exec/progress.js";
import { reportError } from "../notebook/cellErrors.js";
import { cellLabel } from "../notebook/cellLabel.js";
import { Dataflow, type CellSpec } from "../notebook/dataflow.js";
import { outputEvents } from "../notebook/notebookOutputs.js";
import { OutputRouter } from "../notebook/outputRouter.js";
import { SavedOutputs } from "../notebook/savedOutputs.js";
import { NotebookSession } from "../notebook/session.js";
import { WidgetBook } from "../notebook/widgets.js";
import type { SearchEvent, SearchStartedEvent } from "../search.js";
import { ChoiceControl, isControl, isControlGroup } from "../ui/controls.js";
import { page } from "./dom.js";
import { showOutputs } from "./outputView.js";
import { pageHost } from "./pageHost.js";
import type { LivePayload, LiveSpec } from "./payload.js";
import type { ReplayStore } from "./replayStore.js";
import { showStatus, type PageStatus, type SearchStatus } from "./statusView.js";

export interface LivePageOptions {
  readonly payload: LivePayload;
  /** The bundled library module (`import * as nas from "nasbook"`). */
  readonly library: Record<string, unknown>;
  /** Other modules cells may import (pageHost.ts). */
  readonly modules?: Readonly<Record<string, unknown>>;
  readonly store: ReplayStore;
  /** The tfjs backend the page trains on, once chosen (`backendInfo()`), and optimizer steps taken so far. */
  readonly backend: () => { name: string; description: string } | undefined;
  readonly trainingSteps: () => number;
}

/** A control of the page: the variable it is assigned to, its cell, its kind, and its value as `--set` writes it. */
export interface PageControl {
  readonly name: string;
  readonly cellId: string;
  readonly kind: string;
  readonly text: string;
}

/** Timings a reader (and the browser tests) can ask the page for. */
export interface LiveTimings {
  /** ms from the page's script start to the end of the first run of every cell. */
  firstRun: number | undefined;
  /** ms from each control move to the moment everything it started had settled. */
  reruns: number[];
}

function specOf(s: LiveSpec): CellSpec {
  if (s.kind === "run") return { kind: "run", cell: s.cell, inputs: new Map(s.inputs) };
  const error = new Error(s.error.message);
  error.name = s.error.name;
  // A compile error or graph problem recorded at export: its stack would name only this page's machinery.
  error.stack = `${s.error.name}: ${s.error.message}`;
  return { kind: "fail", id: s.id, error };
}

/** The live notebook of a page (see the file comment). */
export class LivePage {
  readonly dataflow: Dataflow;
  readonly timings: LiveTimings = { firstRun: undefined, reruns: [] };
  private readonly saved = new SavedOutputs();
  private readonly router: OutputRouter<string>;
  private readonly widgets = new WidgetBook((n) => `nasbook-page-widget-${n}`);
  private readonly counts = new Map<string, number>();
  private readonly rendered = new Map<string, string>();
  private renderScheduled = false;
  private readonly status: PageStatus;
  private settledOnce = false;
  private readonly labels: ReadonlyMap<string, string>;

  constructor(private readonly options: LivePageOptions, private readonly started = performance.now()) {
    const { payload, store } = options;
    this.labels = new Map(payload.steps.map((s) => [s.cellId, s.label]));
    this.status = {
      phase: "running the notebook in this page…", backend: undefined, warning: undefined,
      embedded: store.embedded, replayed: 0, computed: 0, trainingSteps: 0, searches: [], notes: [],
    };
    this.router = new OutputRouter<string>((op) => {
      this.saved.apply(op);
      this.scheduleRender();
    }, (f) => setTimeout(f, 0));
    const session = new NotebookSession({
      store,
      progress: (o) => this.searchProgress(o.label, o.total),
      print: (line) => this.note(line.replace(/^trial store this page: /, "")),
    });
    const library = session.bind(options.library);
    const controlValues = new Map(Object.entries(payload.controls));
    const host = pageHost({
      library: () => library,
      modules: options.modules,
      print: (cellId, name, text) => this.router.stream(cellId, name, text),
      label: (id) => this.labels.get(id) ?? cellLabel(undefined),
      controlValue: (name) => controlValues.get(name),
    });
    const events = outputEvents(this.router, { render: (v) => (isControl(v) || isControlGroup(v) ? this.widgets.bundle(v) : undefined) });
    this.dataflow = new Dataflow(host, {
      ...events,
      run: (id) => {
        events.run?.(id);
        this.markRunning(id, true);
      },
      value: (id, v, streaming) => {
        events.value?.(id, v, streaming);
        if (!streaming) this.markRunning(id, false);
      },
      error: (id, e) => {
        events.error?.(id, e);
        this.markRunning(id, false);
      },
      control: () => void this.timeRerun(),
    });
  }

  /** Runs every cell as `nasbook run` did (each settles before the next), then the page is live. */
  async start(): Promise<void> {
    const { payload } = this.options;
    this.refreshStatus();
    const failed: string[] = [];
    for (const step of payload.steps) {
      this.counts.set(step.cellId, step.count);
      this.router.begin({ ref: step.cellId, cellId: step.cellId, count: step.count, silent: false });
      this.router.setLive(step.cellId, step.live);
      for (const id of step.rerun) this.dataflow.rerun(id);
      this.dataflow.startLog();
      this.dataflow.apply({
        exposures: step.exposures.map(([n, owner]) => [n, owner ?? undefined] as const),
        specs: step.specs.map(specOf),
      });
      await this.dataflow.whenSettled();
      this.router.end();
      const { errors } = this.dataflow.stopLog();
      const own = errors.get(step.cellId);
      if (own !== undefined) {
        if (!this.router.isComposite(step.cellId)) {
          this.router.flush();
          this.saved.error(step.cellId, reportError(own));
          this.scheduleRender();
        }
        // Unlike `nasbook run`, the cells after a failing one still run: the export refuses notebooks that fail, so a
        // cell fails here only for what a page cannot do (it says what), and the reader keeps every cell that can run.
        failed.push(step.label);
      }
    }
    await this.dataflow.whenSettled();
    this.router.idle();
    this.router.flush();
    this.render();
    this.timings.firstRun = performance.now() - this.started;
    this.settledOnce = true;
    this.status.phase = `live: move a control to re-run the cells that read it (first run ${(this.timings.firstRun / 1000).toFixed(1)} s)`;
    if (failed.length) this.status.warning = `${failed.length} cell${failed.length > 1 ? "s" : ""} cannot run in this page (see ${failed.map((l) => `"${l}"`).join(", ")}); the saved output of every other cell is live`;
    this.refreshStatus();
  }

  /** True once the first run is over and nothing computes, runs or streams. */
  isSettled(): boolean {
    return this.settledOnce && this.dataflow.isSettled();
  }

  /** The value of `name` as cells read it (for the browser tests and the console). */
  valueOf(name: string): Promise<unknown> {
    for (const step of this.options.payload.steps) {
      for (const s of step.specs) if (s.kind === "run" && s.cell.values.includes(name)) return this.dataflow.valueOf(name, s.cell.id);
    }
    return Promise.reject(new Error(`no cell of this page defines "${name}"`));
  }

  /** The page's controls that some cell reads (for benches, tests, the console). */
  controls(): PageControl[] {
    const out: PageControl[] = [];
    for (const step of this.options.payload.steps) {
      for (const s of step.specs) {
        if (s.kind !== "run") continue;
        for (const name of s.cell.values) {
          if (out.some((c) => c.name === name)) continue;
          const v = this.dataflow.controlOf(name);
          if (!v) continue;
          const text = v instanceof ChoiceControl ? v.labels[v.options.indexOf(v.value)] ?? "" : String(v.value);
          out.push({ name, cellId: s.cell.id, kind: v.kind, text });
        }
      }
    }
    return out;
  }

  /** The outputs cell `id` shows now (as a saved notebook would hold them). */
  outputsOf(id: string): unknown[] {
    this.router.flush();
    return structuredClone(this.saved.of(id));
  }

  private async timeRerun(): Promise<void> {
    const t0 = performance.now();
    this.status.phase = "re-running the cells that read the control…";
    this.refreshStatus();
    await Promise.resolve();
    await this.dataflow.whenSettled();
    this.router.flush();
    this.render();
    const ms = performance.now() - t0;
    this.timings.reruns.push(ms);
    this.status.phase = `live: re-ran in ${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`}`;
    this.refreshStatus();
  }

  private note(line: string): void {
    this.status.notes.push(line);
    this.refreshStatus();
  }

  private searchProgress(label: string | undefined, total: number | undefined): SearchProgress {
    const s: SearchStatus = { label: label ?? "search", total, done: 0, replayed: 0, computed: 0, failed: 0, finished: false };
    this.status.searches.push(s);
    const store = this.options.store;
    return {
      update: (e: SearchEvent<unknown> | SearchStartedEvent) => {
        if (e.type === "started") s.total = e.total ?? s.total;
        else if (e.type === "trial") {
          s.done = e.queries;
          const origin = e.trial.trialKey === undefined ? undefined : store.origin(e.trial.trialKey);
          if (e.trial.result.status !== "ok") s.failed++;
          if (origin === "replayed" && e.trial.cached) s.replayed++;
          else s.computed++;
        } else s.finished = true;
        this.refreshStatus();
      },
      finish: () => ({ done: s.done, cached: s.replayed, failed: s.failed, running: 0 }),
    };
  }

  private refreshStatus(): void {
    const { store, payload } = this.options;
    const backend = this.options.backend();
    this.status.backend = backend?.description;
    this.status.replayed = store.replayed;
    this.status.computed = store.computed;
    this.status.trainingSteps = this.options.trainingSteps();
    if (backend && payload.backend && backend.name !== payload.backend) {
      this.status.warning = `the embedded trained trials were computed on the ${payload.backend} backend and this page trains on ${backend.name}: ` +
        "a trained trial's key names its backend, so those trials are trained again here (table lookups still replay)";
    }
    showStatus(this.status);
  }

  private markRunning(id: string, running: boolean): void {
    const section = page.document.getElementById(id);
    if (!section) return;
    if (running) section.setAttribute("data-nasbook-running", "1");
    else section.removeAttribute("data-nasbook-running");
    section.className = section.className.replace(/\s*\brunning\b/g, "") + (running ? " running" : "");
  }

  private scheduleRender(): void {
    if (this.renderScheduled) return;
    this.renderScheduled = true;
    const run = (): void => {
      this.renderScheduled = false;
      this.render();
    };
    if (page.requestAnimationFrame) page.requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  /** Redraws the output area of every cell whose outputs changed since it was last drawn. */
  private render(): void {
    for (const [id, count] of this.counts) {
      const outputs = this.saved.of(id);
      const key = JSON.stringify(outputs);
      if (this.rendered.get(id) === key) continue;
      const section = page.document.getElementById(id);
      if (!section) continue;
      this.rendered.set(id, key);
      showOutputs(section, outputs, count, (modelId) => this.widgets.controlOf(modelId) ?? this.widgets.groupOf(modelId));
    }
  }
}
