/**
 * `nasbook export <notebook.ipynb> --html [--out report.html] [--no-code]`: converts a notebook (executed by
 * `nasbook run` or by Jupyter) into one self-contained HTML file that opens offline with working figures.
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { notebookToHtml } from "../notebook/htmlExport.js";
import { readIpynb } from "../notebook/ipynb.js";
import { refuseClashingPaths, writeOutputFile } from "./outputPaths.js";

const USAGE =
  "usage: nasbook export <notebook.ipynb> --html [--out report.html] [--no-code]\n" +
  "  --html      export to a single offline HTML file (the only format so far)\n" +
  "  --out F     where to write it (default: the notebook's name with .html, next to it)\n" +
  "  --no-code   show prose and outputs only";

export async function main(argv: string[]): Promise<number> {
  let notebook: string | undefined;
  let out: string | undefined;
  let html = false;
  let showCode = true;
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
  const doc = readIpynb(path);
  writeOutputFile(target, notebookToHtml(doc, { showCode }), "the HTML export");
  console.log(`wrote ${target}`);
  return 0;
}
