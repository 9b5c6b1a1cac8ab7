// HTML export: markdown prose, highlighted code, outputs by MIME richness, plotly.js exactly once per document
// whatever the outputs carried, and (in headless chromium) a file that opens offline with every plot drawn.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import {
  bundleHtml, containsPlotlyFigure, highlight, notebookToHtml, renderInline, renderMarkdown, stripPlotlyLibrary, withoutPlotlyLibrary,
} from "../../src/notebook/htmlExport.js";
import { codeCell, markdownCell, notebookOf, outputs, serializeIpynb } from "../../src/notebook/ipynb.js";
import { PlotlySession } from "../../src/viz/plotlyLibrary.js";
import { populationScatter } from "../../src/viz/populationScatter.js";
import { trainingCurves } from "../../src/viz/trainingCurves.js";
import { supernetGraph } from "../../src/viz/supernetGraph.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
const LIBRARY = /<script\b[^>]*data-nasbook-plotly="/g;
const libraryCount = (html: string) => (html.match(LIBRARY) ?? []).length;

// markdown-it (CommonMark), KaTeX and highlight.js render; these pin what the export relies on.
const tight = (html: string): string => html.replace(/>\n</g, "><").trim();

describe("markdown", () => {
  it.each([
    ["# Title", "<h1>Title</h1>"],
    ["a *b* **c** `d<e>`", "<p>a <em>b</em> <strong>c</strong> <code>d&lt;e&gt;</code></p>"],
    ["snake_case_name stays", "<p>snake_case_name stays</p>"],
    ["[docs](https://x.org/a_b) and <https://y.org>", "<p><a href=\"https://x.org/a_b\">docs</a> and <a href=\"https://y.org\">https://y.org</a></p>"],
    ["- one\n- two `x`", "<ul><li>one</li><li>two <code>x</code></li></ul>"],
    ["3. third\n4. fourth", "<ol start=\"3\"><li>third</li><li>fourth</li></ol>"],
    ["> quoted", "<blockquote><p>quoted</p></blockquote>"],
    ["Real et al., AAAI\n2019. Next", "<p>Real et al., AAAI\n2019. Next</p>"],
    ["Prose\n- item", "<p>Prose</p><ul><li>item</li></ul>"],
    ["<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ["[x](javascript:void)", "<p>[x](javascript:void)</p>"],
    ["| a | b |\n|---|--:|\n| 1 | 2 |", "<table><thead><tr><th>a</th><th style=\"text-align:right\">b</th></tr></thead><tbody><tr><td>1</td><td style=\"text-align:right\">2</td></tr></tbody></table>"],
  ])("renders %j", (md, html) => {
    expect(tight(renderMarkdown(md))).toBe(html);
  });

  it("renders $…$ and $$…$$ as MathML (no stylesheet or fonts needed offline); a lone $ stays text", () => {
    const inline = renderMarkdown("Euler: $e^{i\\pi} + 1 = 0$ costs $5 and $6");
    expect(inline).toMatch(/<math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML"><semantics><mrow><msup><mi>e<\/mi><mrow><mi>i<\/mi><mi>π<\/mi><\/mrow><\/msup>/);
    expect(inline).toContain("costs $5 and $6");
    const block = renderMarkdown("$$\n\\sum_{i=1}^n x_i\n$$");
    expect(block).toMatch(/<math [^>]*display="block"><semantics><mrow><munderover><mo>∑<\/mo>/);
    expect(renderMarkdown("$\\frac{1}{$")).toContain('class="katex-error"');
  });

  it("keeps fenced code verbatim (escaped, highlighted) and paragraphs apart", () => {
    const html = renderMarkdown("Text\nmore text\n\n```ts\nconst a = \"<x>\"; // *not emphasis*\n```\n\nAfter");
    expect(html).toContain("<p>Text\nmore text</p>");
    expect(html).toContain('<span class="hljs-keyword">const</span> a = <span class="hljs-string">&quot;&lt;x&gt;&quot;</span>; <span class="hljs-comment">// *not emphasis*</span>');
    expect(html).toContain("<p>After</p>");
  });

  it("emphasis does not reach into code spans", () => {
    expect(renderInline("`a*b*c` and *d*")).toBe("<code>a*b*c</code> and <em>d</em>");
  });
});

describe("code highlighting", () => {
  it("highlights TypeScript, including template literals with substitutions", () => {
    const html = highlight("const s = `a ${x + 1} b`; // done");
    expect(html).toBe('<span class="hljs-keyword">const</span> s = <span class="hljs-string">`a <span class="hljs-subst">${x + <span class="hljs-number">1</span>}</span> b`</span>; <span class="hljs-comment">// done</span>');
    expect(highlight("<b>", "python")).toBe("&lt;b&gt;");
  });
});

describe("outputs and plotly", () => {
  const session = new PlotlySession();
  const population = populationScatter(
    [
      { arch: "a", fitness: 80, trial: 0, metrics: { params: 1000, accuracy: 80 } },
      { arch: "b", fitness: 90, trial: 1, metrics: { params: 5000, accuracy: 90 } },
    ],
    { cost: "params", id: "pop" },
  );
  const curves = trainingCurves([{ epoch: 1, trainLoss: 2, valLoss: 2.1, trainAcc: 30, valAcc: 28 }, { epoch: 2, trainLoss: 1.5, valLoss: 1.7, trainAcc: 50, valAcc: 45 }], { id: "curves" });
  const supernet = supernetGraph({ policy: [{ decision: "1<-0", choices: ["none", "skip_connect", "nor_conv_3x3"], probs: [0.1, 0.3, 0.6] }] }, { id: "sn" });
  // Outputs as a kernel session would save them: the first figure carries plotly.js, re-rendered copies too.
  const carrier = population.toMimeBundle({ session, displayId: "c1" });
  const user = curves.toMimeBundle({ session, displayId: "c2" });
  const again = population.toMimeBundle({ plotly: "inline" });

  it("stripPlotlyLibrary removes every inlined plotly.js but keeps the figures' loaders", () => {
    expect(libraryCount(carrier["text/html"])).toBe(1);
    const stripped = stripPlotlyLibrary(carrier["text/html"] + again["text/html"]);
    expect(libraryCount(stripped)).toBe(0);
    expect(containsPlotlyFigure(stripped)).toBe(true);
    expect(stripped.length).toBeLessThan(50_000);
  });

  it("withoutPlotlyLibrary (what nasbook run --out saves) drops every copy of plotly.js, keeps figures and plotly JSON, and leaves its input alone", () => {
    const c1 = codeCell("c1", "fig");
    c1.outputs = [outputs.display(carrier)];
    const c2 = codeCell("c2", "fig2");
    c2.outputs = [outputs.result(2, again), outputs.stream("stdout", "hi\n")];
    const doc = notebookOf([c1, c2]);
    const saved = withoutPlotlyLibrary(doc);
    const html = saved.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])).flatMap((o) => ("data" in o ? [String(o.data["text/html"])] : []));
    expect(html.map(libraryCount)).toEqual([0, 0]);
    expect(html.every(containsPlotlyFigure)).toBe(true);
    expect(serializeIpynb(saved).length).toBeLessThan(60_000);
    expect(serializeIpynb(saved)).toContain("application/vnd.plotly.v1+json");
    expect(libraryCount(String((doc.cells[0] as { outputs: { data: Record<string, unknown> }[] }).outputs[0]!.data["text/html"]))).toBe(1);
    // Exported again, the page gets plotly.js back, once.
    expect(libraryCount(notebookToHtml(saved))).toBe(1);
  });

  it("prefers html, then plotly JSON, SVG, images, markdown, JSON and plain text", () => {
    expect(bundleHtml({ "text/html": "<b>x</b>", "text/plain": "x" }, "k")).toBe("<b>x</b>");
    expect(bundleHtml({ "application/vnd.plotly.v1+json": { data: [], layout: {} }, "text/plain": "p" }, "k")).toContain("data-nasbook-plotly-fig");
    expect(bundleHtml({ "image/svg+xml": "<svg></svg>", "text/plain": "s" }, "k")).toBe("<svg></svg>");
    expect(bundleHtml({ "image/png": "iVBORw0KGgo=\n", "text/plain": "i" }, "k")).toBe('<img alt="output" src="data:image/png;base64,iVBORw0KGgo=">');
    expect(bundleHtml({ "text/markdown": "**m**" }, "k")).toContain("<strong>m</strong>");
    expect(bundleHtml({ "text/plain": "a < b" }, "k")).toBe("<pre>a &lt; b</pre>");
  });

  function figureNotebook() {
    const c1 = codeCell("pop", "const shown = populationPlot; // the population\nshown");
    c1.execution_count = 1;
    c1.outputs = [outputs.result(1, carrier)];
    const c2 = codeCell("curves", "curvesPlot");
    c2.execution_count = 2;
    c2.outputs = [outputs.display(user), outputs.stream("stdout", "printed <text>\n"), outputs.display(again)];
    const c3 = codeCell("sn", "supernet");
    c3.execution_count = 3;
    c3.outputs = [outputs.display(supernet.toMimeBundle()), outputs.display({ "application/vnd.plotly.v1+json": { data: [{ type: "bar", x: ["a", "b"], y: [1, 2] }], layout: {} }, "text/plain": "bare plotly" })];
    const c4 = codeCell("err", "boom()");
    c4.execution_count = 4;
    c4.outputs = [outputs.error({ ename: "ReferenceError", evalue: "boom is not defined", traceback: ["\u001b[31mReferenceError\u001b[0m: boom is not defined"] })];
    const nb = notebookOf([markdownCell("t", "# Figures\n\nWhat to look at: *everything*. Loss $\\mathcal{L} = -\\sum_i y_i \\log p_i$.\n\n$$\n\\frac{a}{b}\n$$"), c1, c2, c3, c4]);
    nb.metadata["nasbook"] = { manifest: {
      nasbook: "0.1.0", node: "v20.20.2", platform: "linux-x64", packages: { "@tensorflow/tfjs": "4.22.0" },
      backend: { name: "wasm", threads: 1, simd: true, tfjs: "4.22.0", reason: "tfjs-node unavailable" },
      seed: { seed: 7, source: "--seed" }, data: [{ path: "nb201/nb201_all.csv", sha256: "ab12", bytes: 1234 }],
      git: { commit: "0123abcd", dirty: false }, codeSha256: "ff00", trialStore: { store: "dir ~/.cache/nasbook/trials/notebooks/figures.ipynb-0123", searches: 2, trials: 8, cached: 3 },
    } };
    return nb;
  }

  it("a document inlines plotly.js exactly once, in <head>, however many outputs carried it", () => {
    const html = notebookToHtml(figureNotebook());
    expect(libraryCount(html)).toBe(1);
    expect(html.indexOf("data-nasbook-plotly=")).toBeLessThan(html.indexOf("</head>"));
    expect(html).toContain("<title>Figures</title>");
    expect(html).toContain("printed &lt;text&gt;");
    expect(html).toContain("ReferenceError: boom is not defined"); // ANSI codes removed
    expect(/<script[^>]+src=|<link[^>]+href=/.test(stripPlotlyLibrary(html))).toBe(false);
  });

  it("a notebook without plotly figures gets no plotly.js", () => {
    const c = codeCell("x", "1");
    c.outputs = [outputs.result(1, supernet.toMimeBundle())];
    expect(libraryCount(notebookToHtml(notebookOf([c])))).toBe(0);
  });

  const skip = !existsSync(CHROMIUM) && !process.env.CI;
  it.skipIf(skip)("`nasbook export --html` writes a file that opens offline in chromium with every plot drawn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nasbook-export-"));
    const ipynb = join(dir, "figures.ipynb");
    writeFileSync(ipynb, serializeIpynb(figureNotebook()));
    const cli = spawnSync(process.execPath, [resolve("bin/nasbook.js"), "export", ipynb, "--html"], { encoding: "utf8", timeout: 60_000 });
    expect(cli.stderr).toBe("");
    expect(cli.status).toBe(0);
    const file = join(dir, "figures.html");
    expect(libraryCount(readFileSync(file, "utf8"))).toBe(1);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
      page.on("request", (r) => void (/^(file|data|about):/.test(r.url()) || problems.push(`network request: ${r.url()}`)));
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => {
        const figs = [...document.querySelectorAll("[data-nasbook-plotly-fig]")];
        return figs.length > 0 && figs.every((f) => f.getAttribute("data-nasbook-ready") === "1");
      }, null, { timeout: 30_000 });
      const drawn = await page.evaluate(() =>
        [...document.querySelectorAll("[data-nasbook-plotly-fig]")].map((f) =>
          [...f.querySelectorAll(".overplot .trace path, .barlayer .point path")].filter((p) => (p.getAttribute("d") ?? "").length > 4).length),
      );
      // population, curves, the re-displayed population, and the bare plotly JSON bar chart
      expect(drawn.length).toBe(4);
      expect(drawn.every((n) => n > 0)).toBe(true);
      const svgPaths = await page.evaluate(() => document.querySelectorAll(".nasbook-svg svg path").length);
      expect(svgPaths).toBeGreaterThan(0);
      // Math is laid out by the browser's MathML (inline and display), code carries highlight colours, and the
      // manifest is a table of named rows.
      const seen = await page.evaluate(() => {
        const box = (e: Element | null) => (e ? e.getBoundingClientRect() : { width: 0, height: 0 });
        const inline = document.querySelector("section.md math:not([display])");
        const block = document.querySelector('section.md math[display="block"]');
        const keyword = document.querySelector(".input .hljs-keyword");
        const comment = document.querySelector(".input .hljs-comment");
        return {
          inline: box(inline), block: box(block), fraction: document.querySelectorAll("section.md mfrac").length,
          keyword: keyword ? getComputedStyle(keyword).color : "", comment: comment ? getComputedStyle(comment).fontStyle : "",
          rows: [...document.querySelectorAll("section.manifest th")].map((th) => th.textContent),
          backend: document.querySelector("section.manifest")?.textContent ?? "",
        };
      });
      expect(seen.inline.width).toBeGreaterThan(40);
      expect(seen.block.height).toBeGreaterThan(seen.inline.height);
      expect(seen.fraction).toBe(1);
      expect(seen.keyword).toBe("rgb(122, 47, 191)");
      expect(seen.comment).toBe("italic");
      expect(seen.rows).toEqual(["nasbook", "Node.js", "packages", "backend", "seed", "data read", "git commit", "code sha256", "trial store"]);
      expect(seen.backend).toMatch(/wasm, 1 thread, SIMD, tfjs 4\.22\.0/);
      expect(seen.backend).toContain("dir ~/.cache/nasbook/trials/notebooks/figures.ipynb-0123: 3 of 8 trials from the store (2 searches)");
      if (process.env["NASBOOK_SCREENSHOTS"]) await page.screenshot({ path: join(process.env["NASBOOK_SCREENSHOTS"], "export.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
