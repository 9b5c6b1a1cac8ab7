// `nasbook kernel install` says what it wrote and how to remove it; `nasbook kernel uninstall` removes exactly that.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main, prefixNote } from "../../src/cli/kernel.js";

const prefix = mkdtempSync(join(tmpdir(), "nasbook-kernelspec-"));
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
  const error = vi.spyOn(console, "error").mockImplementation((s: string) => void err.push(s));
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("nasbook kernel install / uninstall", () => {
  const file = join(prefix, "share", "jupyter", "kernels", "nasbook", "kernel.json");

  it("install writes kernel.json (TypeScript) and prints its path, its command and the removal command", async () => {
    const r = await capture(["install", "--prefix", prefix]);
    expect(r.code).toBe(0);
    const spec = JSON.parse(readFileSync(file, "utf8")) as { language: string; argv: string[] };
    expect(spec.language).toBe("typescript");
    expect(r.out).toContain(`wrote ${file}`);
    expect(r.out).toContain(spec.argv.join(" "));
    expect(r.out).toContain(`nasbook kernel uninstall --prefix ${prefix}`);
    // A temporary prefix is none of Jupyter's data directories: the output says how to make Jupyter see it.
    expect(r.out).toContain(`JUPYTER_PATH=${join(prefix, "share", "jupyter")}`);
  });

  it("names JUPYTER_PATH only when Jupyter does not already look under the prefix", () => {
    expect(prefixNote("/opt/nb", ["/root/.local/share/jupyter", "/usr/share/jupyter"])).toMatch(/JUPYTER_PATH=\/opt\/nb\/share\/jupyter .*Jupyter looks in \/root/);
    expect(prefixNote("/usr", ["/usr/local/share/jupyter", "/usr/share/jupyter"])).toBeUndefined();
    expect(prefixNote("/opt/nb", undefined)).toMatch(/JUPYTER_PATH=\/opt\/nb\/share\/jupyter .*jupyter was not found/);
  });

  it("refuses an unknown option in one line with the usage", async () => {
    const r = await capture(["install", "--prefx", prefix]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^nasbook kernel install: unknown option --prefx \(options: --user, --prefix\)/);
  });

  it("uninstall removes it, and says so when there is nothing to remove", async () => {
    const r = await capture(["uninstall", "--prefix", prefix]);
    expect(r.code).toBe(0);
    expect(existsSync(file)).toBe(false);
    const again = await capture(["uninstall", "--prefix", prefix]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/no nasbook kernelspec in .*nothing removed/);
  });
});
