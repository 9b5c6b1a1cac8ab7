import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { SlowFirst } from "./test/slowFirst.js";

/**
 * Test files that load the CPU on purpose (the kernel's guarantees under a saturated machine): they run after
 * everything else, one at a time, so they neither slow the other files nor get slowed by them.
 */
const cpuLoad = ["test/kernel/faults.test.ts", "test/kernel/ordering.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { sequencer: SlowFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["test/**/*.test.ts"],
          exclude: cpuLoad,
          // Two files at a time even on 2 cores (vitest's default there is one): much of the suite waits on processes
          // it started (Jupyter, kernels, Chromium, redis-server, workers).
          maxWorkers: Math.max(2, availableParallelism() - 1),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "cpu-load", include: cpuLoad, maxWorkers: 1, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
