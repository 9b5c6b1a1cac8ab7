/**
 * `nasbook export <notebook.ipynb> --html [--out report.html] [--no-code]`: converts a notebook (executed by
 * `nasbook run` or by Jupyter) into one self-contained HTML file that opens offline with working figures.
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { notebookToHtml } from "../notebook/htmlExport.js";
import { readIpynb } from "../notebook/ipynb.js";
import { CliUsageError, parseCommandLine } from "./args.js";
import { refuseClashingPaths, writeOutputFile } from "./outputPaths.js";

const USAGE =
  "usage: nasbook export <notebook.ipynb> --html [--out report.html] [--no-code]\n" +
  "  --html      export to a single offline HTML file (the only format so far)\n" +
  "  --out F     where to write it (default: the notebook's name with .html, next to it)\n" +
  "  --no-code   show prose and outputs only";

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandLine("export", argv, {
      html: { type: "boolean" },
      out: { type: "string", short: "o" },
      "no-code": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    }, { maxPositionals: 2 }));
    if (positionals.length > 1) throw new CliUsageError("export", `one notebook at a time (got "${positionals[0]}" and "${positionals[1]}")`);
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
  const doc = readIpynb(path);
  writeOutputFile(target, notebookToHtml(doc, { showCode }), "the HTML export");
  console.log(`wrote ${target}`);
  return 0;
}
