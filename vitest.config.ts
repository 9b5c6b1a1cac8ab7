import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { SlowFirst } from "./test/slowFirst.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at a time even on 2 cores (vitest's default there is one): much of the suite waits on processes it
    // started (Jupyter, kernels, Chromium, redis-server, workers). The kernel tests hold their guarantees under load.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowFirst },
  },
});
