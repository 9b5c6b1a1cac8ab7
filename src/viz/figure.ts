/**
 * Figures as data. Every figure is an object with `toMimeBundle()` (and the same method under
 * `Symbol.for("nasbook.mime")`, the protocol the notebook layer displays), giving
 * `text/html` (inline and interactive; SVG inside HTML because nbconvert strips bare image/svg+xml),
 * `application/vnd.plotly.v1+json` for plotly figures, and a short `text/plain`.
 */
import { defaultPlotlySession, PLOTLY_READY_EVENT, plotlyCdnUrl, plotlyLibraryHtml, scriptSafe, type PlotlySession } from "./plotlyLibrary.js";
import { escapeXml } from "./svg.js";

/** The protocol symbol: `value[Symbol.for("nasbook.mime")](ctx?)` returns a MIME bundle. */
export const MIME_SYMBOL: unique symbol = Symbol.for("nasbook.mime") as never;

export type PlotlyTrace = Record<string, unknown>;
export interface PlotlyFrame {
  name: string;
  data: PlotlyTrace[];
  layout?: Record<string, unknown>;
  traces?: number[];
}
/** The plotly figure JSON (what `application/vnd.plotly.v1+json` carries and `Plotly.newPlot` takes). */
export interface PlotlySpec {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  frames?: PlotlyFrame[];
  config?: Record<string, unknown>;
}

export interface MimeBundle {
  "text/html": string;
  "text/plain": string;
  "application/vnd.plotly.v1+json"?: PlotlySpec;
}

/**
 * How a figure is rendered into a document.
 * - `displayId`: the notebook display it goes to (cell identity); a re-render under the same id that carried
 *   plotly.js carries it again.
 * - `plotly`: "session" (default: the session decides), "inline" (always include the library), "external" (never:
 *   the page provides `window.Plotly`, e.g. `figuresPage`).
 */
export interface RenderContext {
  displayId?: string;
  session?: PlotlySession;
  plotly?: "session" | "inline" | "external";
}

/** A figure: anything the notebook can display. */
export abstract class Figure {
  abstract readonly kind: string;
  /** Deterministic DOM id: from the caller or a hash of the content. */
  abstract readonly id: string;
  /** One or two lines describing the figure, used as `text/plain`. */
  abstract readonly summary: string;
  abstract toHtml(ctx?: RenderContext): string;

  /** The MIME bundle the notebook displays. */
  toMimeBundle(ctx?: RenderContext): MimeBundle {
    return { "text/html": this.toHtml(ctx), "text/plain": this.summary };
  }

  [MIME_SYMBOL](ctx?: RenderContext): MimeBundle {
    return this.toMimeBundle(ctx);
  }
}

/** A figure drawn as an SVG string; needs no script, so it survives every frontend and exporter. */
export class SvgFigure extends Figure {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly svg: string,
    readonly summary: string,
  ) {
    super();
  }

  toHtml(): string {
    return `<div class="nasbook-figure nasbook-svg" id="${this.id}" style="max-width:100%;overflow-x:auto">${this.svg}</div>`;
  }
}

/** JSON inside a <script>: `<`, `>` and `&` only occur in JSON strings, where `\u003c` etc. mean the same. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The loader: draws the figure into every not-yet-drawn element carrying this figure's id (the same content may be
 * displayed twice; Notebook 6 runs scripts detached from their output, so `document.currentScript` cannot be used).
 * Waits for `window.Plotly` by event and by a slow poll; after 10 s it says what is missing, and keeps waiting.
 * Sets `data-nasbook-ready="1"` on the element once drawn (exporters and tests wait for it).
 */
function loaderScript(id: string, spec: PlotlySpec): string {
  const cdn = plotlyCdnUrl();
  const js = `(function () {
  var id = ${JSON.stringify(id)};
  var READY = ${JSON.stringify(PLOTLY_READY_EVENT)};
  var fig = ${jsonForScript(spec)};
  var waited = 0;
  function draw() {
    var els = document.querySelectorAll('[data-nasbook-plotly-fig="' + id + '"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.getAttribute('data-nasbook-drawn') === '1') continue;
      el.setAttribute('data-nasbook-drawn', '1');
      el.textContent = '';
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function (gd) {
        return fig.frames ? window.Plotly.addFrames(gd, fig.frames).then(function () { return gd; }) : gd;
      }).then(function (gd) { gd.setAttribute('data-nasbook-ready', '1'); });
    }
  }
  // A saved notebook carries no plotly.js (nasbook run leaves it out to stay small): with no copy in the page
  // after a few seconds, fetch the same version once from plotly's CDN (through RequireJS where Notebook 6 has it).
  function fromCdn() {
    if (window.Plotly || window.__nasbookPlotlyCdn || document.querySelector('script[data-nasbook-plotly]')) return;
    window.__nasbookPlotlyCdn = 1;
    var announce = function () { window.dispatchEvent(new Event(READY)); };
    if (typeof window.requirejs === 'function' && window.define && window.define.amd) {
      window.requirejs.config({ paths: { 'nasbook-plotly-cdn': ${JSON.stringify(cdn.replace(/\.js$/, ""))} } });
      window.requirejs(['nasbook-plotly-cdn'], function (P) { if (!window.Plotly) window.Plotly = P; announce(); });
    } else {
      var s = document.createElement('script');
      s.src = ${JSON.stringify(cdn)};
      s.onload = announce;
      document.head.appendChild(s);
    }
  }
  if (window.Plotly) { draw(); return; }
  function ready() { if (!window.Plotly) return; window.removeEventListener(READY, ready); clearInterval(timer); draw(); }
  window.addEventListener(READY, ready);
  var timer = setInterval(function () {
    if (window.Plotly) { ready(); return; }
    waited += 500;
    if (waited === 3000) fromCdn();
    if (waited === 10000) {
      var els = document.querySelectorAll('[data-nasbook-plotly-fig="' + id + '"]');
      for (var i = 0; i < els.length; i++) els[i].textContent = 'Waiting for plotly.js. A notebook saved by nasbook run leaves it out (it would add 4.6 MB) and it could not be fetched from cdn.plot.ly: open the HTML export (nasbook export NOTEBOOK.ipynb --html), which works offline, or re-run this cell. In a live session plotly.js comes with the first plotly figure; if that output was cleared, re-run it or call nas.viz.defaultPlotlySession.reset() and re-run this cell.';
    }
  }, 500);
})();`;
  return `<script type="text/javascript">${scriptSafe(js)}</script>`;
}

/** A plotly figure; interactive wherever scripts in text/html run, and plain plotly JSON for renderers that have it. */
export class PlotlyFigure extends Figure {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly spec: PlotlySpec,
    readonly summary: string,
    readonly height: number,
  ) {
    super();
  }

  /** Whether this rendering must include plotly.js, per the context's policy. */
  private includesLibrary(ctx: RenderContext | undefined): boolean {
    const mode = ctx?.plotly ?? "session";
    if (mode === "inline") return true;
    if (mode === "external") return false;
    return (ctx?.session ?? defaultPlotlySession).claim(ctx?.displayId ?? this.id);
  }

  toHtml(ctx?: RenderContext): string {
    const lib = this.includesLibrary(ctx) ? plotlyLibraryHtml() : "";
    const div =
      `<div class="nasbook-figure nasbook-plotly" id="${this.id}" data-nasbook-plotly-fig="${this.id}" ` +
      `style="width:100%;min-width:320px;height:${this.height}px">${escapeXml(this.summary)}</div>`;
    return lib + div + loaderScript(this.id, this.spec);
  }

  override toMimeBundle(ctx?: RenderContext): MimeBundle {
    return { ...super.toMimeBundle(ctx), "application/vnd.plotly.v1+json": this.spec };
  }
}
