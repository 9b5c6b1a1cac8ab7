/**
 * Figures as data. Every figure is an object with `toMimeBundle()` (and the same method under
 * `Symbol.for("nasbook.mime")`, the protocol the notebook layer displays), giving
 * `text/html` (inline and interactive; SVG inside HTML because nbconvert strips bare image/svg+xml),
 * `application/vnd.plotly.v1+json` for plotly figures, and a short `text/plain`.
 */
import {
  defaultPlotlySession,
  PLOTLY_FAILED_EVENT,
  PLOTLY_READY_EVENT,
  plotlyCdnUrl,
  plotlyLibraryHtml,
  plotlyResourceFile,
  scriptSafe,
  type KernelspecPlotly,
  type PlotlySession,
} from "./plotlyLibrary.js";
import { mimeSymbol } from "../mimeSymbol.js";
import { escapeXml } from "./svg.js";


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

/** A figure's MIME bundle: inline HTML, a one-line text, and the plotly JSON for plotly figures. */
export interface FigureBundle {
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
  toMimeBundle(ctx?: RenderContext): FigureBundle {
    return { "text/html": this.toHtml(ctx), "text/plain": this.summary };
  }

  [mimeSymbol](ctx?: RenderContext): FigureBundle {
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

/** The kernel name a loader tries when its session names none: the one `nasbook kernel install` registers. */
const DEFAULT_KERNEL_NAME = "nasbook";

/**
 * The loader: draws the figure into every not-yet-drawn element carrying this figure's id (the same content may be
 * displayed twice; Notebook 6 runs scripts detached from their output, so `document.currentScript` cannot be used).
 * Waits for `window.Plotly` by event and by a slow poll. With no copy in the page it fetches one, once per page:
 * first from the Jupyter server's kernelspec copy when the page is a Jupyter frontend (base URL from JupyterLab's
 * `#jupyter-config-data` or Notebook 6's `data-base-url`), then from plotly's CDN — at once when the session serves
 * plotly.js from the kernelspec (no figure carries it), otherwise after 3 s (a carrier may still be rendering).
 * When nothing loads, the figure says what was tried and what to do; it keeps waiting.
 * Sets `data-nasbook-ready="1"` on the element once drawn (exporters and tests wait for it).
 */
function loaderScript(id: string, spec: PlotlySpec, served: KernelspecPlotly | undefined): string {
  const cdn = plotlyCdnUrl();
  const resource = `kernelspecs/${encodeURIComponent(served?.kernelName ?? DEFAULT_KERNEL_NAME)}/${served?.file ?? plotlyResourceFile()}`;
  const why = served
    ? "This output does not carry plotly.js (4.6 MB): the nasbook kernel leaves it out because the Jupyter server serves it from the kernelspec."
    : "This output does not carry plotly.js (4.6 MB): in a live session it comes with the session's first plotly figure, and a notebook saved by nasbook run leaves it out.";
  const remedy = served
    ? "Open the HTML export (nasbook export NOTEBOOK.ipynb --html), which works offline, or install the kernelspec again (nasbook kernel install) and restart the kernel; to carry plotly.js in an output instead, run nas.viz.defaultPlotlySession.serveFromKernelspec(undefined) and re-run this cell."
    : "Open the HTML export (nasbook export NOTEBOOK.ipynb --html), which works offline, or re-run this cell; if the output that carried plotly.js was cleared, call nas.viz.defaultPlotlySession.reset() and re-run this cell.";
  const js = `(function () {
  var id = ${JSON.stringify(id)};
  var READY = ${JSON.stringify(PLOTLY_READY_EVENT)};
  var FAILED = ${JSON.stringify(PLOTLY_FAILED_EVENT)};
  var fig = ${jsonForScript(spec)};
  var fetchAfter = ${served ? 0 : 3000};
  var waited = 0;
  function els() { return document.querySelectorAll('[data-nasbook-plotly-fig="' + id + '"]'); }
  function draw() {
    var all = els();
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.getAttribute('data-nasbook-drawn') === '1') continue;
      el.setAttribute('data-nasbook-drawn', '1');
      el.textContent = '';
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function (gd) {
        return fig.frames ? window.Plotly.addFrames(gd, fig.frames).then(function () { return gd; }) : gd;
      }).then(function (gd) { gd.setAttribute('data-nasbook-ready', '1'); });
    }
  }
  function say(text) {
    var all = els();
    for (var i = 0; i < all.length; i++) if (all[i].getAttribute('data-nasbook-drawn') !== '1') all[i].textContent = text;
  }
  function jupyterBase() {
    var cfg = document.getElementById('jupyter-config-data');
    if (cfg) { try { var b = JSON.parse(cfg.textContent || '{}').baseUrl; if (typeof b === 'string') return b; } catch (e) {} }
    var d = document.body && document.body.getAttribute('data-base-url');
    return typeof d === 'string' ? d : null;
  }
  // One fetch at a time per page, shared by every figure: window.__nasbookPlotlyFetch = { tried: [urls], failed }.
  function load(url, done) {
    if (typeof window.requirejs === 'function' && window.define && window.define.amd) {
      // Notebook 6 has RequireJS: plotly's UMD wrapper would call define() from a plain <script> and fail.
      var name = 'nasbook-plotly-' + (window.__nasbookPlotlyLoads = (window.__nasbookPlotlyLoads || 0) + 1);
      var paths = {}; paths[name] = url.slice(0, -'.js'.length); // RequireJS appends .js
      window.requirejs.config({ paths: paths });
      window.requirejs([name], function (P) { if (!window.Plotly && P && P.newPlot) window.Plotly = P; done(); }, function () { done(); });
    } else {
      var s = document.createElement('script');
      s.src = url;
      s.onload = function () { done(); };
      s.onerror = function () { s.remove(); done(); };
      document.head.appendChild(s);
    }
  }
  function fetchPlotly() {
    var prev = window.__nasbookPlotlyFetch;
    // A fetch under way serves this figure too; after a failed one, a newly drawn figure tries again.
    if (window.Plotly || (prev && !prev.failed) || document.querySelector('script[data-nasbook-plotly]')) return;
    var state = window.__nasbookPlotlyFetch = { tried: [], failed: false };
    var base = jupyterBase();
    var urls = base === null ? [] : [new URL((base.slice(-1) === '/' ? base : base + '/') + ${JSON.stringify(resource)}, document.baseURI).href];
    urls.push(${JSON.stringify(cdn)});
    (function next(i) {
      if (window.Plotly) { window.dispatchEvent(new Event(READY)); return; }
      if (i === urls.length) { state.failed = true; window.dispatchEvent(new Event(FAILED)); return; }
      state.tried.push(urls[i]);
      load(urls[i], function () { next(i + 1); });
    })(0);
  }
  function failed() {
    var state = window.__nasbookPlotlyFetch;
    if (window.Plotly || !state || !state.failed) return false;
    say('plotly.js did not load from ' + state.tried.join(' nor from ') + '. ' + ${JSON.stringify(why)} + ' ' + ${JSON.stringify(remedy)});
    return true;
  }
  if (window.Plotly) { draw(); return; }
  function ready() { if (!window.Plotly) return; window.removeEventListener(READY, ready); window.removeEventListener(FAILED, failed); clearInterval(timer); draw(); }
  window.addEventListener(READY, ready);
  window.addEventListener(FAILED, failed);
  if (fetchAfter === 0) fetchPlotly();
  var timer = setInterval(function () {
    if (window.Plotly) { ready(); return; }
    waited += 500;
    if (waited === fetchAfter) fetchPlotly();
    if (waited === 10000 && !failed()) {
      var state = window.__nasbookPlotlyFetch;
      say('Waiting for plotly.js' + (state ? ' (loading ' + state.tried[state.tried.length - 1] + ')' : '') + '. ' + ${JSON.stringify(why)} + ' ' + ${JSON.stringify(remedy)});
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
    const served = (ctx?.plotly ?? "session") === "session" ? (ctx?.session ?? defaultPlotlySession).kernelspecResource : undefined;
    const div =
      `<div class="nasbook-figure nasbook-plotly" id="${this.id}" data-nasbook-plotly-fig="${this.id}" ` +
      `style="width:100%;min-width:320px;height:${this.height}px">${escapeXml(this.summary)}</div>`;
    return lib + div + loaderScript(this.id, this.spec, served);
  }

  override toMimeBundle(ctx?: RenderContext): FigureBundle {
    return { ...super.toMimeBundle(ctx), "application/vnd.plotly.v1+json": this.spec };
  }
}
