/**
 * `nasbook export <notebook.ipynb> --html [--out report.html] [--no-code]`: converts a notebook (executed by
 * `nasbook run` or by Jupyter) into one self-contained HTML file that opens offline with working figures.
 * `--live` runs the notebook and makes the page live: its cells re-run in the reader's browser (liveExport.ts).
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { notebookToHtml } from "../notebook/htmlExport.js";
import { exportLive } from "../notebook/liveExport.js";
import { readIpynb } from "../notebook/ipynb.js";
import { CliUsageError, controlSettings, integer, parseCommandLine } from "./args.js";
import { refuseClashingPaths, writeOutputFile } from "./outputPaths.js";

const USAGE =
  "usage: nasbook export <notebook.ipynb> --html [--live [--set NAME=V ...] [--seed N]] [--out report.html] [--no-code]\n" +
  "  --html      export to a single offline HTML file (the only format so far)\n" +
  "  --live      run the notebook and make the page live: controls re-run cells in the browser, trials replay\n" +
  "  --set NAME=V, --seed N   (with --live) run with these control values / seed (default: the notebook's own)\n" +
  "  --out F     where to write it (default: the notebook's name with .html, next to it)\n" +
  "  --no-code   show prose and outputs only";

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  let live: boolean;
  let seed: number | undefined;
  let set: Record<string, string>;
  try {
    ({ values, positionals } = parseCommandLine("export", argv, {
      html: { type: "boolean" },
      out: { type: "string", short: "o" },
      "no-code": { type: "boolean" },
      live: { type: "boolean" },
      set: { type: "string", multiple: true },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    }, { maxPositionals: 2 }));
    if (positionals.length > 1) throw new CliUsageError("export", `one notebook at a time (got "${positionals[0]}" and "${positionals[1]}")`);
    live = values["live"] === true;
    seed = typeof values["seed"] === "string" ? integer("export", "seed", values["seed"]) : undefined;
    set = controlSettings("export", values["set"]);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (values["help"] === true) {
    console.log(USAGE);
    return 0;
  }
  const notebook = positionals[0];
  const out = typeof values["out"] === "string" ? values["out"] : undefined;
  const showCode = values["no-code"] !== true;
  if (!notebook) {
    console.error(`nasbook export: which notebook?\n\n${USAGE}`);
    return 2;
  }
  if (values["html"] !== true) {
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
