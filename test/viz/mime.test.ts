import { describe, expect, it } from "vitest";
import { mimeSymbol } from "../../src/mimeSymbol.js";
import type { Figure } from "../../src/viz/figure.js";
import { figuresPage } from "../../src/viz/page.js";
import { PlotlySession, plotlyLibraryHtml, plotlySource, scriptSafe } from "../../src/viz/plotlyLibrary.js";
import { populationScatter } from "../../src/viz/populationScatter.js";
import { trainingCurves } from "../../src/viz/trainingCurves.js";
import { gallery } from "./gallery.js";
import { plainFacts, plotlyTraces } from "./galleryFacts.js";
import { population, trainingEpochs } from "./fixtures.js";

const LIB_MARKER = "data-nasbook-plotly=";
const count = (s: string, sub: string): number => s.split(sub).length - 1;

describe("MIME bundles", () => {
  it("every figure gives text/html and text/plain, plotly figures also their JSON, via both protocols", () => {
    for (const { name, figure } of gallery()) {
      const session = new PlotlySession();
      const viaMethod = figure.toMimeBundle({ session });
      const viaSymbol = (figure as Figure)[Symbol.for("nasbook.mime") as typeof mimeSymbol]({ session });
      expect(viaSymbol).toEqual(viaMethod);
      for (const fact of plainFacts(name)) expect(viaMethod["text/plain"], name).toContain(fact);
      expect(viaMethod["text/plain"].split("\n").length).toBeLessThanOrEqual(3);
      expect(viaMethod["text/html"]).toContain(`id="${figure.id}"`);
      if (figure.kind === "supernet" || figure.kind === "notebook") {
        expect(viaMethod["text/html"]).toContain("<svg");
        expect(viaMethod["application/vnd.plotly.v1+json"]).toBeUndefined();
      } else {
        const size = (t: Record<string, unknown>): string => (Array.isArray(t.z) ? `${t.z.length}x${(t.z[0] as unknown[]).length}` : String((t.x as unknown[]).length));
        const traces = viaMethod["application/vnd.plotly.v1+json"]!.data.map((t) => `${String(t.name ?? t.type)}:${size(t)}`);
        expect(traces, name).toEqual(plotlyTraces(name));
      }
    }
  });

  it("inlines plotly.js in the first plotly figure of a session only, and again when that display is re-rendered", () => {
    const session = new PlotlySession();
    const a = populationScatter(population(1), { cost: "params" });
    const b = trainingCurves(trainingEpochs(1));
    const first = a.toMimeBundle({ session, displayId: "cell-1" })["text/html"];
    const second = b.toMimeBundle({ session, displayId: "cell-2" })["text/html"];
    const rerun = b.toMimeBundle({ session, displayId: "cell-1" })["text/html"];
    expect(count(first, LIB_MARKER)).toBe(1);
    expect(count(second, LIB_MARKER)).toBe(0);
    expect(count(rerun, LIB_MARKER)).toBe(1);
    expect(second.length).toBeLessThan(100_000);
    expect(first.length).toBeGreaterThan(plotlySource().length);
    session.reset();
    expect(count(b.toMimeBundle({ session, displayId: "cell-2" })["text/html"], LIB_MARKER)).toBe(1);
    expect(count(a.toMimeBundle({ plotly: "inline" })["text/html"], LIB_MARKER)).toBe(1);
    expect(count(a.toMimeBundle({ plotly: "external" })["text/html"], LIB_MARKER)).toBe(0);
  });

  it("is byte-for-byte deterministic: no clock, counter or random ids", () => {
    const html = (): string[] => gallery().map(({ figure }) => figure.toMimeBundle({ plotly: "external" })["text/html"]);
    expect(html()).toEqual(html());
    const ids = gallery().map((g) => g.figure.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps hostile strings from closing the script element", () => {
    const members = [{ arch: "</script><script>alert(1)</script>", fitness: 1, trial: 0, metrics: { accuracy: 1, params: 1 } }];
    const html = populationScatter(members, { cost: "params" }).toMimeBundle({ plotly: "external" })["text/html"];
    expect(count(html.toLowerCase(), "</script")).toBe(1);
    expect(scriptSafe("a</SCRIPT>b<!--c")).toBe("a<\\/SCRIPT>b<\\!--c");
  });

  it("the library itself cannot end its script element early", () => {
    const lib = plotlyLibraryHtml();
    expect(count(lib.toLowerCase(), "</script")).toBe(1);
    expect(lib.endsWith("</script>")).toBe(true);
  });
});

describe("figuresPage", () => {
  it("inlines plotly.js once in <head> and renders every figure below it", () => {
    const figures = gallery().map((g) => g.figure);
    const page = figuresPage(figures, { title: "All figures" });
    expect(count(page, LIB_MARKER)).toBe(1);
    expect(page.indexOf(LIB_MARKER)).toBeLessThan(page.indexOf("</head>"));
    for (const f of figures) expect(page).toContain(`id="${f.id}"`);
    expect(page).toContain("<title>All figures</title>");
  });

  it("has no plotly.js when every figure is SVG", () => {
    const svgOnly = gallery().filter((g) => g.figure.kind === "supernet").map((g) => g.figure);
    expect(count(figuresPage(svgOnly), LIB_MARKER)).toBe(0);
  });
});
