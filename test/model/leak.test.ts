import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { leakedTensors, useCpu } from "./leak.js";

beforeAll(useCpu);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("leakedTensors", () => {
  it("counts what the body leaves allocated", async () => {
    let kept: tf.Tensor | undefined;
    expect(await leakedTensors(() => void (kept = tf.zeros([2])))).toBe(1);
    kept!.dispose();
    expect(await leakedTensors(() => tf.dispose(tf.zeros([2])))).toBe(0);
  });

  it("a body still running from an earlier (timed-out) test cannot count against the next one", async () => {
    let stray: tf.Tensor | undefined;
    // An earlier test that vitest gave up on: it allocates (and leaks) after the next test has started.
    const abandoned = leakedTensors(async () => {
      await sleep(30);
      stray = tf.zeros([3]);
    });
    const next = await leakedTensors(async () => {
      await sleep(60);
      tf.dispose(tf.ones([3]));
    });
    expect(next).toBe(0);
    expect(await abandoned).toBe(1);
    stray!.dispose();
  });
});
