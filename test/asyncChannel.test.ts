import { describe, expect, it } from "vitest";
import { asyncChannel } from "../src/asyncChannel.js";

describe("asyncChannel", () => {
  it("delivers pushed values in order, including those pushed before the consumer pulls, then ends", async () => {
    const ch = asyncChannel<number>();
    ch.push(1);
    ch.push(2);
    setImmediate(() => {
      ch.push(3);
      ch.end();
      ch.push(4); // after the end: dropped
    });
    const got: number[] = [];
    for await (const v of ch.iterator) got.push(v);
    expect(got).toEqual([1, 2, 3]);
  });

  it("throws the producer's error after the queued values, once", async () => {
    const ch = asyncChannel<string>();
    ch.push("a");
    ch.end({ error: new Error("boom") });
    expect(await ch.iterator.next()).toEqual({ value: "a", done: false });
    await expect(ch.iterator.next()).rejects.toThrow("boom");
    expect(await ch.iterator.next()).toEqual({ value: undefined, done: true });
  });

  it("a consumer that leaves early runs onClose once, and later pushes are dropped", async () => {
    let closes = 0;
    const ch = asyncChannel<number>(() => closes++);
    ch.push(1);
    ch.push(2);
    for await (const v of ch.iterator) if (v === 1) break;
    expect(closes).toBe(1);
    expect(ch.closed).toBe(true);
    ch.push(3);
    expect(await ch.iterator.next()).toEqual({ value: undefined, done: true });
    await ch.iterator.return!();
    expect(closes).toBe(1);
  });
});
