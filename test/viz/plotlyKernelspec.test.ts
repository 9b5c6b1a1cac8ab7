/**
 * Figures of a kernel whose Jupyter server serves plotly.js from the kernelspec directory: no output carries the
 * library, loaders fetch it from `<base_url>kernelspecs/nasbook/plotly-<version>.min.js` at once, fall back to the
 * CDN, and say what they tried when nothing loads. Pages are served by playwright routes (no network, no server).
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import type { FigureBundle } from "../../src/viz/figure.js";
import { PlotlySession, plotlyBundlePath, plotlyCdnUrl, plotlyResourceFile, plotlyVersion } from "../../src/viz/plotlyLibrary.js";
import { populationScatter } from "../../src/viz/populationScatter.js";
import { trainingCurves } from "../../src/viz/trainingCurves.js";
import { population, trainingEpochs } from "./fixtures.js";

const LIB_MARKER = "data-nasbook-plotly=";
const served = { kernelName: "nasbook", file: plotlyResourceFile() };

function twoFigures(session: PlotlySession): FigureBundle[] {
  return [
    populationScatter(population(1), { cost: "params", id: "pop" }).toMimeBundle({ session, displayId: "cell-1" }),
    trainingCurves(trainingEpochs(1), { id: "curves" }).toMimeBundle({ session, displayId: "cell-2" }),
  ];
}

describe("a session that serves plotly.js from the kernelspec", () => {
  it("names the versioned file", () => {
    expect(plotlyResourceFile()).toBe(`plotly-${plotlyVersion()}.min.js`);
    expect(plotlyVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("puts the library in no figure, keeps every figure's plotly JSON, and goes back to a carrier when told", () => {
    const session = new PlotlySession();
    session.serveFromKernelspec(served);
    const bundles = twoFigures(session);
    for (const b of bundles) {
      expect(b["text/html"]).not.toContain(LIB_MARKER);
      expect(b["text/html"]).toContain(`kernelspecs/nasbook/${plotlyResourceFile()}`);
      expect(b["text/html"]).toContain("var fetchAfter = 0;");
      expect(b["application/vnd.plotly.v1+json"]!.data.length).toBeGreaterThan(0);
      expect(b["text/html"].length).toBeLessThan(100_000);
    }
    session.serveFromKernelspec(undefined);
    const [first, second] = twoFigures(session);
    expect(first!["text/html"]).toContain(LIB_MARKER);
    expect(second!["text/html"]).not.toContain(LIB_MARKER);
    expect(second!["text/html"]).toContain("var fetchAfter = 3000;");
  });

  it("writes loaders that parse as JavaScript, served or not", () => {
    for (const resource of [served, undefined]) {
      const session = new PlotlySession();
      session.serveFromKernelspec(resource);
      for (const b of twoFigures(session)) {
        const scripts = [...b["text/html"].matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
        expect(scripts.length).toBe(1);
        expect(() => new Function(scripts[0]!)).not.toThrow();
      }
    }
  });

  it("names the kernel it was told of in the resource URL", () => {
    const session = new PlotlySession();
    session.serveFromKernelspec({ kernelName: "nasbook-dev", file: plotlyResourceFile() });
    expect(twoFigures(session)[0]!["text/html"]).toContain(`kernelspecs/nasbook-dev/${plotlyResourceFile()}`);
  });
});

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];
const skip = !existsSync(CHROMIUM) && !process.env.CI;
const ORIGIN = "http://jupyter.test";
const KERNELSPEC_URL = `${ORIGIN}/user/ada/kernelspecs/nasbook/${plotlyResourceFile()}`;

describe("loaders of such figures in headless chromium", () => {
  let browser: Browser;
  const library = readFileSync(plotlyBundlePath(), "utf8");
  beforeAll(async () => {
    if (!skip) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /**
   * Opens a JupyterLab-like page (base URL in #jupyter-config-data) at ORIGIN/user/ada/lab holding the outputs.
   * `serve` says which plotly.js sources answer; every request outside the page is recorded.
   */
  async function labPage(outputs: string[], serve: { kernelspec: boolean; cdn: boolean }): Promise<{ page: Page; requests: string[]; msToFirstFetch: number }> {
    const session = new PlotlySession();
    session.serveFromKernelspec(served);
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const requests: string[] = [];
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<script id="jupyter-config-data" type="application/json">{"baseUrl": "/user/ada/", "appName": "JupyterLab"}</script></head>
<body>${outputs.map((o) => `<div class="jp-OutputArea-output">${o}</div>`).join("\n")}</body></html>`;
    let firstFetch = NaN;
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url === `${ORIGIN}/user/ada/lab`) return route.fulfill({ contentType: "text/html", body: html });
      if (requests.length === 0) firstFetch = Date.now();
      requests.push(url);
      const ok = (url === KERNELSPEC_URL && serve.kernelspec) || (url === plotlyCdnUrl() && serve.cdn);
      return ok ? route.fulfill({ contentType: "text/javascript", body: library }) : route.fulfill({ status: 404, body: "not found" });
    });
    const t0 = Date.now();
    await page.goto(`${ORIGIN}/user/ada/lab`);
    return { page, requests, msToFirstFetch: firstFetch - t0 };
  }

  const outputs = (): string[] => {
    const session = new PlotlySession();
    session.serveFromKernelspec(served);
    return twoFigures(session).map((b) => b["text/html"]);
  };
  const drawn = (page: Page, n: number) =>
    page.waitForFunction((k) => document.querySelectorAll("[data-nasbook-ready='1']").length === k, n, { timeout: 20_000 });

  it.skipIf(skip)("draws every figure from the Jupyter server's kernelspec copy, fetched once, without the CDN", async () => {
    const { page, requests, msToFirstFetch } = await labPage(outputs(), { kernelspec: true, cdn: true });
    await drawn(page, 2);
    // Fetched while the page loads, not after the 3 s a loader gives a carrier figure: there is none in such a session.
    expect(msToFirstFetch).toBeLessThan(2500);
    expect(requests).toEqual([KERNELSPEC_URL]);
    await page.close();
  });

  it.skipIf(skip)("falls back to the CDN when the server has no copy", async () => {
    const { page, requests } = await labPage(outputs(), { kernelspec: false, cdn: true });
    await drawn(page, 2);
    expect(requests).toEqual([KERNELSPEC_URL, plotlyCdnUrl()]);
    await page.close();
  });

  it.skipIf(skip)("says what it tried and what to do when neither answers", async () => {
    const { page, requests } = await labPage(outputs(), { kernelspec: false, cdn: false });
    await page.waitForFunction(() => /did not load/.test(document.getElementById("pop")?.textContent ?? ""), undefined, { timeout: 5000 });
    const text = await page.evaluate(() => [...document.querySelectorAll("[data-nasbook-plotly-fig]")].map((e) => e.textContent ?? ""));
    expect(requests).toEqual([KERNELSPEC_URL, plotlyCdnUrl()]);
    for (const t of text) {
      expect(t).toContain(`plotly.js did not load from ${KERNELSPEC_URL} nor from ${plotlyCdnUrl()}.`);
      expect(t).toContain("the Jupyter server serves it from the kernelspec");
      expect(t).toContain("nasbook kernel install");
      expect(t).toContain("nasbook export NOTEBOOK.ipynb --html");
    }
    await page.close();
  });

  it.skipIf(skip)("after a failed fetch, a figure drawn later tries again", async () => {
    const { page, requests } = await labPage([outputs()[0]!], { kernelspec: false, cdn: false });
    await page.waitForFunction(() => /did not load/.test(document.getElementById("pop")?.textContent ?? ""), undefined, { timeout: 5000 });
    await page.unroute("**/*");
    await page.route("**/*", (route) => {
      requests.push(route.request().url());
      return route.fulfill({ contentType: "text/javascript", body: library });
    });
    // The frontend adds the next cell's output (innerHTML scripts do not run; Jupyter frontends re-create them).
    await page.evaluate((html) => {
      const div = document.createElement("div");
      div.innerHTML = html;
      document.body.appendChild(div);
      for (const old of [...div.querySelectorAll("script")]) {
        const s = document.createElement("script");
        s.textContent = old.textContent;
        old.replaceWith(s);
      }
    }, outputs()[1]!);
    await drawn(page, 2);
    expect(requests).toEqual([KERNELSPEC_URL, plotlyCdnUrl(), KERNELSPEC_URL]);
    await page.close();
  });

  const REQUIREJS = "/usr/lib/python3/dist-packages/notebook/static/components/requirejs/require.js";
  it.skipIf(skip || !existsSync(REQUIREJS))("under RequireJS (a Notebook 6 page, base URL in data-base-url) a missing copy falls back to the CDN", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const body = `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="/nb/static/require.js"></script></head>
<body data-base-url="/nb/">${outputs().map((o) => `<div class="output_subarea">${o}</div>`).join("\n")}</body></html>`;
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url === `${ORIGIN}/nb/notebooks/a.ipynb`) return route.fulfill({ contentType: "text/html", body });
      if (url === `${ORIGIN}/nb/static/require.js`) return route.fulfill({ contentType: "text/javascript", body: readFileSync(REQUIREJS, "utf8") });
      requests.push(url);
      return url === plotlyCdnUrl() ? route.fulfill({ contentType: "text/javascript", body: library }) : route.fulfill({ status: 404, body: "not found" });
    });
    await page.goto(`${ORIGIN}/nb/notebooks/a.ipynb`);
    await drawn(page, 2);
    expect(requests).toEqual([`${ORIGIN}/nb/kernelspecs/nasbook/${plotlyResourceFile()}`, plotlyCdnUrl()]);
    expect(await page.evaluate(() => typeof (window as unknown as { define?: { amd?: unknown } }).define?.amd)).toBe("object");
    expect(errors).toEqual([]);
    await page.close();
  });
});
