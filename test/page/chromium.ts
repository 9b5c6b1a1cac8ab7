/**
 * Headless Chromium (Debian's, driven by playwright-core) with the network disabled: the context is offline and
 * every request that is not for the page itself (file:, data:, blob:) is refused and recorded, as are page errors
 * and console errors, so a test can assert that a page needed nothing but itself.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/** True when the browser tests cannot run here (no Chromium) and are not required (not CI). */
export const noChromium = !existsSync(CHROMIUM) && !process.env["CI"];

export interface OfflinePage {
  readonly page: Page;
  /** Refused requests, page errors and console errors, in order. */
  readonly problems: string[];
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A new page in an offline context of `browser`, recording problems (see the file comment). */
export async function offlinePage(browser: Browser, viewport = { width: 1100, height: 900 }): Promise<OfflinePage> {
  const context = await browser.newContext({ offline: true, viewport });
  const problems: string[] = [];
  await context.route((url) => !/^(file|data|blob):$/.test(url.protocol), (route) => {
    problems.push(`network request: ${route.request().url()}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => void (m.type() === "error" && problems.push(`console error: ${m.text()}`)));
  return { page, problems, close: () => context.close() };
}
