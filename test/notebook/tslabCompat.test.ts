// Cells written for tslab run on nasbook: `import * as tslab from "tslab"` gets nasbook's shim, whose display
// calls send exactly the display_data that tslab 1.0.22 itself sends (checked against tslab's own code, driven
// through its display hook).
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import type { MimeBundle } from "../../src/notebook/mime.js";
import { Notebook, type NotebookOutputs } from "../../src/notebook/notebook.js";

const require = createRequire(import.meta.url);

/** What real tslab sends for `call(tslab.display)`: the `data` of each display_data message. */
function tslabSends(call: (display: Record<string, (x: unknown) => void>) => void): { data: MimeBundle; metadata: unknown; update: boolean }[] {
  const jupyter = require("tslab/dist/jupyter.js") as { lastWriteDisplayData: unknown };
  const sent: { data: MimeBundle; metadata: unknown; update: boolean }[] = [];
  jupyter.lastWriteDisplayData = (msg: { data: MimeBundle; metadata: unknown; transient: unknown }, update: boolean) =>
    sent.push({ ...(JSON.parse(JSON.stringify({ data: msg.data, metadata: msg.metadata })) as { data: MimeBundle; metadata: unknown }), update: update === true });
  const tslab = require("tslab") as { display: Record<string, (x: unknown) => void> };
  call(tslab.display);
  return sent;
}

const extras: { cellId: string; bundle: MimeBundle; displayId?: string }[] = [];
const updates: { displayId: string; bundle: MimeBundle }[] = [];
const outputs: NotebookOutputs = {
  display: (cellId, bundle, displayId) => extras.push({ cellId, bundle, ...(displayId ? { displayId } : {}) }),
  updateDisplay: (displayId, bundle) => updates.push({ displayId, bundle }),
};
const nb = new Notebook({ outputs });
afterAll(() => nb.dispose());

const png = [137, 80, 78, 71, 13, 10, 26, 10, 0, 255];
const calls = [
  ["html", '"<b>bold</b>"'], ["svg", '"<svg xmlns=\\"http://www.w3.org/2000/svg\\"></svg>"'], ["markdown", '"# title"'],
  ["latex", '"$x^2$"'], ["text", '"plain"'], ["javascript", '"1+1"'], ["png", `new Uint8Array(${JSON.stringify(png)})`],
  ["jpeg", "new Uint8Array([255, 216, 255])"], ["gif", "new Uint8Array([71, 73, 70])"], ["pdf", "new Uint8Array([37, 80, 68, 70])"],
] as const;

describe("tslab-compatible cells", () => {
  it("imports tslab in one cell, as tslab notebooks do", async () => {
    expect((await nb.execute('import * as tslab from "tslab";', { cellId: "import" })).status).toBe("ok");
  });

  it.each(calls)("tslab.display.%s sends what tslab sends", async (method, arg) => {
    const before = extras.length;
    const out = await nb.execute(`tslab.display.${method}(${arg});`, { cellId: `c-${method}` });
    expect(out.status, out.error?.evalue).toBe("ok");
    const ours = extras.slice(before).map((e) => e.bundle);
    const value = new Function(`return ${arg}`)() as unknown;
    const theirs = tslabSends((d) => d[method]!(value));
    expect(theirs).toHaveLength(1);
    expect(theirs[0]!.update).toBe(false);
    expect(ours).toEqual([theirs[0]!.data]);
    expect(extras.at(-1)!.cellId).toBe(`c-${method}`);
  });

  it("raw sends any MIME type; binary content is base64 as in tslab", async () => {
    const before = extras.length;
    const out = await nb.execute('tslab.display.raw("application/x-custom", new Uint8Array([1, 2, 3]));\ntslab.display.raw("text/csv", "a,b");', { cellId: "raw" });
    expect(out.status).toBe("ok");
    const theirs = tslabSends((d) => {
      (d["raw"] as unknown as (t: string, b: unknown) => void)("application/x-custom", new Uint8Array([1, 2, 3]));
      (d["raw"] as unknown as (t: string, b: unknown) => void)("text/csv", "a,b");
    });
    expect(extras.slice(before).map((e) => e.bundle)).toEqual(theirs.map((t) => t.data));
    expect(theirs[0]!.data).toEqual({ "application/x-custom": "AQID" });
  });

  it("type-checks against tslab's API: a wrong argument is a type error", async () => {
    const out = await nb.execute('tslab.display.png("not bytes");', { cellId: "typed" });
    expect(out.status).toBe("error");
    expect(out.error!.evalue).toMatch(/TS2345/);
  });

  it("tslab.versions", async () => {
    const out = await nb.execute('const v = tslab.versions;\nv.typescript.length > 0 && v.node === process.version', { cellId: "versions" });
    expect(out.status, out.error?.evalue).toBe("ok");
  });

  it("tslab.newDisplay(): shown once below its cell with a display id, then updated in place from any cell", async () => {
    const shown = await nb.execute('const progress = tslab.newDisplay();\nprogress.text("0 of 3");', { cellId: "nd" });
    expect(shown.status, shown.error?.evalue).toBe("ok");
    const first = extras.at(-1)!;
    expect(first).toMatchObject({ cellId: "nd", bundle: { "text/plain": "0 of 3" } });
    expect(first.displayId).toMatch(/^tslab-\d+$/);
    const later = await nb.execute('progress.text("2 of 3");\nprogress.html("<b>3 of 3</b>");', { cellId: "later" });
    expect(later.status, later.error?.evalue).toBe("ok");
    expect(updates.slice(-2)).toEqual([
      { displayId: first.displayId, bundle: { "text/plain": "2 of 3" } },
      { displayId: first.displayId, bundle: { "text/html": "<b>3 of 3</b>" } },
    ]);
    expect(extras.at(-1)).toBe(first); // no new output
  });
});
