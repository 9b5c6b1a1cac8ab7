/**
 * The page's status bar: what the page is doing (running the notebook, live), the tfjs backend it trains on, and
 * for every search how its trials were obtained: replayed from the results the page carries, or computed in this
 * browser (a table lookup, or real training, counted in optimizer steps), with a progress bar while one runs.
 */
import { element, page, type PageElement } from "./dom.js";

export interface SearchStatus {
  label: string;
  total: number | undefined;
  done: number;
  replayed: number;
  computed: number;
  failed: number;
  finished: boolean;
}

export interface PageStatus {
  phase: string;
  backend: string | undefined;
  /** A problem the reader must know (e.g. trained trials cannot replay on this backend). */
  warning: string | undefined;
  embedded: number;
  replayed: number;
  computed: number;
  trainingSteps: number;
  searches: SearchStatus[];
  notes: string[];
}

const STYLE = `
#nasbook-live-status { position: sticky; top: 0; z-index: 10; background: #f4f6fb; border: 1px solid #d5d9e6; border-radius: 6px;
  padding: 6px 12px; margin: 0 0 16px; font: 13px/1.45 system-ui, sans-serif; color: #25253a; }
#nasbook-live-status .warning { color: #9a4b00; } #nasbook-live-status progress { width: 160px; vertical-align: middle; margin: 0 6px; }
#nasbook-live-status .notes { color: #555568; }
.nasbook-live-control { display: flex; align-items: center; gap: 6px; } .nasbook-live-control input[type=range] { width: 260px; }
.nasbook-control-problem { color: #b00020; } section.cell.running > .outputs { opacity: 0.55; transition: opacity 0.2s; }
`;

/** Draws `status` into the page's status bar (made on first use, at the top of the page). */
export function showStatus(status: PageStatus): void {
  const doc = page.document;
  let bar = doc.getElementById("nasbook-live-status");
  if (!bar) {
    const style = element("style");
    style.textContent = STYLE;
    doc.head.append(style);
    bar = element("div");
    bar.id = "nasbook-live-status";
    const main = doc.querySelector("main.notebook") ?? doc.body;
    main.insertBefore(bar, main.children[0] ?? null);
  }
  const lines: PageElement[] = [];
  const head = element("div", "phase");
  head.append(element("strong", undefined, "Live notebook: "), status.phase);
  lines.push(head);
  const trials = element("div", "trials");
  trials.textContent =
    `trials: ${status.embedded} embedded in the page; ${status.replayed} replayed, ${status.computed} computed in this browser` +
    ` (${status.trainingSteps} training steps)` + (status.backend ? `; tfjs backend: ${status.backend}` : "");
  lines.push(trials);
  if (status.warning) lines.push(element("div", "warning", status.warning));
  for (const s of status.searches.slice(-3)) {
    const row = element("div", "search");
    const bar = element("progress");
    bar.setAttribute("max", String(s.total ?? Math.max(1, s.done)));
    bar.setAttribute("value", String(s.done));
    row.append(
      `${s.label}: `, bar,
      `${s.done}${s.total ? `/${s.total}` : ""} trials — ${s.replayed} replayed, ${s.computed} computed here${s.failed ? `, ${s.failed} failed` : ""}` +
        (s.finished ? "" : " …"),
    );
    lines.push(row);
  }
  if (status.notes.length) lines.push(element("div", "notes", status.notes.slice(-2).join(" · ")));
  bar.replaceChildren(...lines);
}
