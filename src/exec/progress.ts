/**
 * Progress of a search for a terminal: on a TTY one line redrawn in place (a bar, trials done/total, cached hits,
 * trials running, best so far, ETA); otherwise plain lines (at most one a second, plus new bests and the end),
 * so a log file stays readable. Feed it the search's events: `for await (const e of run) progress.update(e)`.
 */
import type { SearchEvent, SearchStartedEvent } from "../search.js";

export interface ProgressOptions {
  /** Where to draw (default process.stderr). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force TTY or plain output (default: the stream's isTTY). */
  tty?: boolean;
  /** Shown in front of the line (e.g. the strategy's name). */
  label?: string;
  /** Trials expected when the search does not say (budget.queries). */
  total?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface SearchProgress {
  /** Takes one search event (the started event, from `search({ startedEvent: true })`, gives the total). */
  update(e: SearchEvent<unknown> | SearchStartedEvent): void;
  /** Ends the line (TTY) and returns the final counts. */
  finish(): ProgressCounts;
}

export interface ProgressCounts {
  done: number;
  total?: number;
  cached: number;
  failed: number;
  running: number;
  best?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Formats the progress line (exported for tests and for other front ends, e.g. a notebook status line). */
export function progressLine(c: ProgressCounts, elapsedSeconds: number, opts: { label?: string; width?: number; bar?: boolean } = {}): string {
  const parts: string[] = [];
  if (opts.label) parts.push(opts.label);
  if (opts.bar && c.total) {
    const w = Math.max(10, Math.min(30, (opts.width ?? 80) - 70));
    const filled = Math.round((Math.min(c.done, c.total) / c.total) * w);
    parts.push(`[${"#".repeat(filled)}${".".repeat(w - filled)}]`);
  }
  parts.push(c.total ? `${c.done}/${c.total}` : `${c.done} trials`);
  parts.push(`cached ${c.cached}`);
  if (c.failed) parts.push(`failed ${c.failed}`);
  parts.push(`running ${c.running}`);
  parts.push(`best ${c.best === undefined ? "-" : c.best.toFixed(2)}`);
  // ETA from the trials computed here (cache hits cost nothing and would make it optimistic)
  const computed = c.done - c.cached;
  if (c.total && c.done < c.total) {
    parts.push(`ETA ${computed > 0 ? duration((elapsedSeconds / computed) * (c.total - c.done)) : "?"}`);
  } else parts.push(`in ${duration(elapsedSeconds)}`);
  return parts.join("  ");
}

/** A progress display for a search's events (see the file comment). */
export function searchProgress(opts: ProgressOptions = {}): SearchProgress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? !!stream.isTTY;
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const c: ProgressCounts = { done: 0, total: opts.total, cached: 0, failed: 0, running: 0 };
  let lastDraw = -Infinity;
  let lastLine = "";
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < (tty ? 100 : 1000)) return;
    lastDraw = t;
    const line = progressLine(c, (t - t0) / 1000, { label: opts.label, width: stream.columns ?? 80, bar: tty });
    if (tty) stream.write(`\r${line}\x1b[K`);
    else if (line !== lastLine) stream.write(line + "\n"); // the final line is not repeated
    lastLine = line;
  };
  return {
    update(e) {
      if (e.type === "trial") {
        c.done = e.queries;
        c.cached = e.cachedHits;
        if (e.trial.result.status !== "ok") c.failed++;
        c.running = e.running;
        const newBest = e.best !== undefined && e.best.fitness !== c.best;
        if (e.best) c.best = e.best.fitness;
        draw(newBest || (c.total !== undefined && c.done >= c.total));
      } else if (e.type === "done") {
        c.running = 0;
        c.done = e.result.history.length;
      } else if (e.total !== undefined) c.total = e.total;
    },
    finish() {
      draw(true);
      if (tty) stream.write("\n");
      return { ...c };
    },
  };
}
