/**
 * plotly.js inlined once per document. A notebook shows many plotly figures; inlining the 4.6 MB library in each
 * would make a saved notebook huge, and a CDN link breaks offline and in nbconvert exports. So:
 *
 * - a `PlotlySession` (one per kernel session / document) hands the library to the FIRST plotly figure it renders
 *   (the "carrier"); later figures carry only a small loader that waits for `window.Plotly`;
 * - if the carrier is re-rendered (its cell re-runs and its display is updated in place), it carries the library
 *   again, so the saved document still contains it once;
 * - loaders wait (event + slow poll) rather than assume order, because a frontend may render outputs out of order
 *   (JupyterLab's windowed notebook, a cell re-run above the carrier);
 * - a kernel started from the kernelspec `nasbook kernel install` wrote has a copy of plotly.js in the kernelspec
 *   directory, which Jupyter servers (Notebook 6, jupyter_server) serve at `<base_url>kernelspecs/<kernel>/<file>`.
 *   Its session is told so (`serveFromKernelspec`): no figure carries the library, loaders fetch it from there at
 *   once, and the notebook the frontend saves stays small (the quickstart: ~50 KB instead of ~4.8 MB);
 * - a standalone page (`figuresPage`) and the HTML export inline the library once in <head>;
 * - a notebook saved by `nasbook run` carries no library at all (it would be 4.6 MB of a ~100 KB file): its figures
 *   keep their plotly JSON (`application/vnd.plotly.v1+json`, drawn natively by VS Code and by JupyterLab with the
 *   plotly extension), and their loaders fetch the same version (from the Jupyter server's kernelspec copy when the
 *   page is a Jupyter frontend, else from plotly's CDN) when no copy is in the page.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { DataFileError } from "../errors.js";

/** Event the library script dispatches on `window` once `window.Plotly` exists. */
export const PLOTLY_READY_EVENT = "nasbook:plotly-ready";
/** Event a loader dispatches on `window` when every source it tried for plotly.js failed. */
export const PLOTLY_FAILED_EVENT = "nasbook:plotly-failed";

let cachedSource: string | undefined;
let cachedVersion: string | undefined;

/** The path of the plotly.js bundle in node_modules (what `nasbook kernel install` copies). */
export function plotlyBundlePath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve("plotly.js-dist-min");
  } catch (err) {
    throw new DataFileError(
      `plotly.js-dist-min is not installed (${(err as Error).message}); run \`npm install\` in the nasbook directory`,
    );
  }
}

/** The plotly.js bundle's source, read once from node_modules. */
export function plotlySource(): string {
  if (cachedSource === undefined) cachedSource = readFileSync(plotlyBundlePath(), "utf8");
  return cachedSource;
}

/** The version of the inlined plotly.js. */
export function plotlyVersion(): string {
  if (cachedVersion === undefined) {
    const m = /plotly\.js v(\d+\.\d+\.\d+)/.exec(plotlySource().slice(0, 200));
    cachedVersion = m?.[1] ?? "unknown";
  }
  return cachedVersion;
}

/**
 * Where plotly's CDN serves the same plotly.js version: the last source a loader tries (see figure.ts) when no copy
 * is in the page. HTML exports and carrier sessions have one and fetch nothing.
 */
export function plotlyCdnUrl(): string {
  return `https://cdn.plot.ly/plotly-${plotlyVersion()}.min.js`;
}

/**
 * The file name of plotly.js in the kernelspec directory. The version is in the name so that a kernelspec written by
 * an older nasbook (another plotly.js) is not used for figures made with this one.
 */
export function plotlyResourceFile(): string {
  return `plotly-${plotlyVersion()}.min.js`;
}

/** Where a Jupyter server serves plotly.js to a kernel's figures: `<base_url>kernelspecs/<kernelName>/<file>`. */
export interface KernelspecPlotly {
  kernelName: string;
  file: string;
}

/** Makes script text safe inside an HTML <script> element (no early `</script`, no `<!--` parsing states). */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * The <script> element that defines `window.Plotly` (skipped if the page already has it) and announces it.
 * `module`/`exports`/`define` are shadowed so the UMD wrapper always installs a browser global, also under
 * RequireJS (Notebook 6) or a CommonJS-like host (VS Code webviews).
 */
export function plotlyLibraryHtml(): string {
  const body =
    `if (!window.Plotly) { (function (module, exports, define) {\n${plotlySource()}\n}).call(window); }\n` +
    `window.dispatchEvent(new Event(${JSON.stringify(PLOTLY_READY_EVENT)}));`;
  return `<script type="text/javascript" data-nasbook-plotly="${plotlyVersion()}">${scriptSafe(body)}</script>`;
}

/**
 * Decides which plotly figure of a document carries the library. One session per kernel session or exported
 * document; `claim(key)` is true for the first key it sees and for that same key again (a re-render of the carrier).
 */
export class PlotlySession {
  private carrier: string | undefined;
  private served: KernelspecPlotly | undefined;

  /**
   * Figures of this session carry no library: the Jupyter server that launched the kernel serves it from the
   * kernelspec. `undefined` goes back to a carrier figure (for a kernel whose server cannot serve the copy).
   */
  serveFromKernelspec(resource: KernelspecPlotly | undefined): void {
    this.served = resource;
  }

  /** The kernelspec copy this session's figures load, if the session was told of one. */
  get kernelspecResource(): KernelspecPlotly | undefined {
    return this.served;
  }

  /** True if the figure displayed under `key` must include plotly.js. */
  claim(key: string): boolean {
    if (this.served) return false;
    if (this.carrier === undefined) this.carrier = key;
    return this.carrier === key;
  }

  /** The key of the figure carrying the library, if any. */
  get carrierKey(): string | undefined {
    return this.carrier;
  }

  /** Forgets the carrier: the next plotly figure includes the library again (new document, kernel restart). */
  reset(): void {
    this.carrier = undefined;
  }
}

/** The session used when a figure is rendered without an explicit one (one kernel process = one document). */
export const defaultPlotlySession = new PlotlySession();
