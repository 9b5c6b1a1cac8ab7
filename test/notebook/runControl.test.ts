// One cell run's abort control: the AbortSignal is made only when asked for, and behaves as an AbortController's.
import { describe, expect, it } from "vitest";
import { InterruptedError } from "../../src/notebook/cellErrors.js";
import { RunControl } from "../../src/notebook/runControl.js";

describe("RunControl", () => {
  it("a signal asked for after the abort is already aborted, with the same reason", () => {
    const c = new RunControl();
    const reason = new Error("input changed");
    c.abort(reason);
    expect(c.aborted).toBe(true);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe(reason);
  });

  it("a signal asked for before the abort fires its listeners once, and the first reason wins", () => {
    const c = new RunControl();
    const seen: unknown[] = [];
    c.signal.addEventListener("abort", () => seen.push(c.signal.reason));
    const first = new InterruptedError();
    c.abort(first);
    c.abort(new Error("later"));
    expect(seen).toEqual([first]);
    expect(c.reason).toBe(first);
    expect(c.interrupted).toBe(true);
  });

  it("untilInterrupted rejects a result that never settles once interrupted, and ignores other aborts", async () => {
    const c = new RunControl();
    const never = new Promise<number>(() => undefined);
    const pending = c.untilInterrupted(never);
    let settled = false;
    void pending.catch(() => undefined).finally(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    const interrupt = new InterruptedError();
    c.abort(interrupt);
    await expect(pending).rejects.toBe(interrupt);

    const invalidated = new RunControl();
    const result = invalidated.untilInterrupted(Promise.resolve(7));
    invalidated.abort(new Error("the cell was invalidated"));
    await expect(result).resolves.toBe(7);
    expect(invalidated.interrupted).toBe(false);
  });

  it("untilInterrupted after an interrupt rejects at once", async () => {
    const c = new RunControl();
    const interrupt = new InterruptedError();
    c.abort(interrupt);
    await expect(c.untilInterrupted(Promise.resolve(1))).rejects.toBe(interrupt);
  });
});
