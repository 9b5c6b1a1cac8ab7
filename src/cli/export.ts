/**
 * `nasbook export <notebook.ipynb> --html [--out report.html] [--no-code]`: converts a notebook (executed by
 * `nasbook run` or by Jupyter) into one self-contained HTML file that opens offline with working figures.
 * `--live` runs the notebook and makes the page live: its cells re-run in the reader's browser (liveExport.ts).
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { notebookToHtml } from "../notebook/htmlExport.js";
import { exportLive } from "../notebook/liveExport.js";
import { readIpynb } from "../notebook/ipynb.js";
import { refuseClashingPaths, writeOutputFile } from "./outputPaths.js";

const USAGE =
  "usage: nasbook export <notebook.ipynb> --html [--live [--set NAME=V ...] [--seed N]] [--out report.html] [--no-code]\n" +
  "  --html      export to a single offline HTML file (the only format so far)\n" +
  "  --live      run the notebook and make the page live: controls re-run cells in the browser, trials replay\n" +
  "  --set NAME=V, --seed N   (with --live) run with these control values / seed (default: the notebook's own)\n" +
  "  --out F     where to write it (default: the notebook's name with .html, next to it)\n" +
  "  --no-code   show prose and outputs only";

export async function main(argv: string[]): Promise<number> {
  let notebook: string | undefined;
  let out: string | undefined;
  let html = false;
  let showCode = true;
  let live = false;
  let seed: number | undefined;
  const set: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--html") html = true;
    else if (a === "--out" || a === "-o") {
      out = argv[++i];
      if (!out) {
        console.error(`nasbook export: ${a} needs a file name\n\n${USAGE}`);
        return 2;
      }
    } else if (a.startsWith("--out=")) out = a.slice("--out=".length);
    else if (a === "--no-code") showCode = false;
    else if (a === "--live") live = true;
    else if (a === "--set" || a === "--seed") {
      const v = argv[++i];
      if (v === undefined) {
        console.error(`nasbook export: ${a} needs a value\n\n${USAGE}`);
        return 2;
      }
      if (a === "--seed") {
        if (!/^-?\d+$/.test(v)) {
          console.error(`nasbook export: --seed must be an integer, got "${v}"`);
          return 2;
        }
        seed = Number(v);
      } else {
        const eq = v.indexOf("=");
        if (eq <= 0) {
          console.error(`nasbook export: --set takes NAME=VALUE, got "${v}"; e.g. --set budget=50`);
          return 2;
        }
        set[v.slice(0, eq)] = v.slice(eq + 1);
      }
    }
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith("-")) {
      console.error(`nasbook export: unknown option "${a}"\n\n${USAGE}`);
      return 2;
    } else if (notebook === undefined) notebook = a;
    else {
      console.error(`nasbook export: one notebook at a time (got "${notebook}" and "${a}")`);
      return 2;
    }
  }
  if (!notebook) {
    console.error(`nasbook export: which notebook?\n\n${USAGE}`);
    return 2;
  }
  if (!html) {
    console.error(`nasbook export: give a format: --html (e.g. nasbook export ${notebook} --html)\n\n${USAGE}`);
    return 2;
  }
  const path = resolve(notebook);
  const target = resolve(out ?? join(dirname(path), `${basename(path, extname(path))}.html`));
  const clash = refuseClashingPaths("export", [{ path, name: "the notebook", role: "input" }, { path: target, name: "--out", role: "output" }]);
  if (clash !== undefined) return clash;
  if (!live && (seed !== undefined || Object.keys(set).length)) {
    console.error("nasbook export: --set and --seed run the notebook, which only --live does; add --live");
    return 2;
  }
  if (live) {
    const page = await exportLive({ notebook: path, showCode, seed, ...(Object.keys(set).length ? { set } : {}) });
    writeOutputFile(target, page.html, "the live HTML export");
    const mb = (n: number): string => (n / 1e6).toFixed(2);
    console.log(
      `wrote ${target} (${mb(page.sizes.total)} MB: script ${mb(page.sizes.script)}, plotly.js ${mb(page.sizes.plotly)}, wasm ${mb(page.sizes.wasm)}, ` +
        `${page.trials} trials ${mb(page.sizes.trials)}, data ${mb(page.sizes.data)}; trials computed on ${page.backend ?? "no tfjs backend"})`,
    );
    return 0;
  }
  const doc = readIpynb(path);
  writeOutputFile(target, notebookToHtml(doc, { showCode }), "the HTML export");
  console.log(`wrote ${target}`);
  return 0;
}
