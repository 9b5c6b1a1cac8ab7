// `nasbook kernel install` also writes the plotly.js copy the Jupyter server serves to figures, and tells the kernel
// where it is; the kernel uses it only when the copy of this plotly.js version is there.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/kernel.js";
import { kernelspecDirEnv, kernelspecPlotly } from "../../kernel/kernelspec.js";
import { plotlyBundlePath, plotlyResourceFile } from "../../src/viz/plotlyLibrary.js";

const prefix = mkdtempSync(join(tmpdir(), "nasbook-kernelspec-plotly-"));
afterAll(() => rmSync(prefix, { recursive: true, force: true }));
const dir = join(prefix, "share", "jupyter", "kernels", "nasbook");

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
  try {
    return { code: await main(argv), out: out.join("\n") };
  } finally {
    log.mockRestore();
  }
}

describe("the kernelspec's plotly.js copy", () => {
  it("install writes this plotly.js version next to kernel.json, names it, and drops copies of other versions", async () => {
    await capture(["install", "--prefix", prefix]);
    writeFileSync(join(dir, "plotly-0.0.1.min.js"), "stale");
    const r = await capture(["install", "--prefix", prefix]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["kernel.js", "kernel.json", plotlyResourceFile()]); // kernel.js: cell ids from Notebook 6
    expect(readFileSync(join(dir, plotlyResourceFile())).equals(readFileSync(plotlyBundlePath()))).toBe(true);
    expect(r.out).toMatch(new RegExp(`wrote ${join(dir, plotlyResourceFile()).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(4\\.\\d MB\\): the Jupyter server serves it to figures`));
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as { env: Record<string, string> };
    expect(spec.env).toEqual({ [kernelspecDirEnv]: dir });
  });

  it("the kernel serves figures from it only when kernel.json pointed it there and the copy exists", () => {
    expect(kernelspecPlotly({ [kernelspecDirEnv]: dir })).toEqual({ resource: { kernelName: "nasbook", file: plotlyResourceFile() } });
    expect(kernelspecPlotly({}).resource).toBeUndefined();
    expect(kernelspecPlotly({}).reason).toContain(`${kernelspecDirEnv} is not set`);
    const elsewhere = mkdtempSync(join(tmpdir(), "nasbook-kernelspec-empty-"));
    const missing = kernelspecPlotly({ [kernelspecDirEnv]: elsewhere });
    expect(missing.resource).toBeUndefined();
    expect(missing.reason).toContain(`${join(elsewhere, plotlyResourceFile())} does not exist; run \`nasbook kernel install\` again`);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("uninstall removes the directory with its copy and names what it removed", async () => {
    const r = await capture(["uninstall", "--prefix", prefix]);
    expect(r.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(r.out).toBe(`removed the nasbook kernelspec ${dir} (kernel.js, kernel.json, ${plotlyResourceFile()})`);
  });
});
