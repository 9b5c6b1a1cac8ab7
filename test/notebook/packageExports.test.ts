// A cell imports nasbook through its package.json exports map, as Node would from an installed package: the
// exported entry points work, a deep import into src/ fails with the fix named.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/packageLocation.js";
import { resolveCellImport } from "../../src/notebook/imports.js";
import { Notebook } from "../../src/notebook/notebook.js";
import { exportedFiles, PackageSubpathNotExportedError, resolveNasbookExport } from "../../src/notebook/packageExports.js";

const cwd = mkdtempSync(join(tmpdir(), "nasbook-exports-"));
const nb = new Notebook({ cwd });
afterAll(() => {
  nb.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

describe("nasbook's exports map", () => {
  it("maps each exported subpath to the sources in a clone and to dist/ in a build", () => {
    const source = exportedFiles(packageRoot, ["source", "import"]);
    expect(source.get("nasbook")).toBe(join(packageRoot, "src", "index.ts"));
    expect(source.get("nasbook/notebook")).toBe(join(packageRoot, "src", "notebook", "notebook.ts"));
    expect(exportedFiles(packageRoot, ["import"]).get("nasbook")).toBe(join(packageRoot, "dist", "src", "index.js"));
    expect(exportedFiles(packageRoot, ["types"]).get("nasbook")).toBe(join(packageRoot, "dist", "src", "index.d.ts"));
  });

  it("refuses a subpath the map does not export, naming the exported ones", () => {
    expect(() => resolveNasbookExport("nasbook/src/space/nb201.js", packageRoot, ["source"])).toThrow(PackageSubpathNotExportedError);
    expect(() => resolveCellImport("nasbook/src/space/nb201.js", cwd)).toThrow(/not exported by nasbook's package\.json \(exports: nasbook, nasbook\/internal, nasbook\/notebook, nasbook\/package\.json\); import from "nasbook"/);
  });

  it("a cell imports the public API; a deep import is an error on that cell only", async () => {
    const ok = await nb.execute('import { nb201Space, spaceSize } from "nasbook";\nspaceSize(nb201Space())', { cellId: "public" });
    expect(ok.status).toBe("ok");
    const deep = await nb.execute('import { nb201Space as deep } from "nasbook/src/space/nb201.js";\ndeep', { cellId: "deep" });
    expect(deep.status).toBe("error");
    expect(deep.error!.evalue).toContain("nasbook/src/space/nb201.js");
  });
});
