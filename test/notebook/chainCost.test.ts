// What a dependent costs when a chain re-runs: no AbortSignal for cells that never name `signal`, while such cells
// still stop on an interrupt and cells naming it still see the invalidation.
import { afterAll, describe, expect, it } from "vitest";
import { TestNotebook } from "./harness.js";

const t = new TestNotebook({ warmUp: false });
const nb = t.nb;
afterAll(() => t.dispose());
const last = (id: string) => t.last(id);

/** Counts the AbortControllers made while `f` runs. */
async function controllersMadeBy(f: () => Promise<unknown>): Promise<number> {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    await f();
  } finally {
    globalThis.AbortController = Original;
  }
  return made;
}

describe("chain re-run cost", () => {
  it("re-running a 20-cell chain makes no AbortSignal for its cells and settles to the new value", async () => {
    await t.execute("const w0 = 0", "w0");
    for (let i = 1; i < 20; i++) await t.execute(`const w${i} = w${i - 1} + 1; w${i}`, `w${i}`);
    const made = await controllersMadeBy(() => t.execute("const w0 = 5", "w0"));
    expect(last("w19")).toBe("24");
    expect(made).toBe(0);
  });

  it("a cell naming `signal` still gets one, aborted when its input changes", async () => {
    await t.execute("const src = 1", "src");
    await t.execute("(globalThis as any).__seen = signal; const reader = src + 1; reader", "reader");
    const first = (globalThis as { __seen?: AbortSignal }).__seen!;
    expect(first.aborted).toBe(false);
    await t.execute("const src = 2", "src");
    expect(first.aborted).toBe(true);
    expect(String(first.reason)).toMatch(/invalidated/);
    expect(last("reader")).toBe("3");
  });

  it("a cell that never names `signal` and awaits forever still stops on an interrupt", async () => {
    const run = t.execute("await new Promise(() => undefined); 1", "stuck");
    for (let i = 0; i < 1000 && !nb.isRunning("stuck"); i++) await new Promise((r) => setTimeout(r, 20));
    expect(nb.interrupt()).toBe(true);
    const out = await run;
    expect(out.error?.ename).toBe("InterruptedError");
  });
});
