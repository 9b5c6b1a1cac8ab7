// An interrupt stops what runs when it arrives, never a cell sent after it. The watchdog thread raises the shared
// flag the moment a SIGINT or interrupt_request arrives; the main thread may see the flag (in a cell's loop guard or
// the type checker) before the message that delivers the interrupt — and when that interrupt arrived while the
// kernel was idle, or was meant for the cell before, it must not stop the new one. Here the flag is raised as the
// watchdog raises it, with no delivery, so the race is the same every time.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { KernelClient } from "../../kernel/client.js";
import { clearInterruptFlag, interruptFlagBuffer, raiseInterruptFlag } from "../../kernel/interruptFlag.js";
import { Kernel } from "../../kernel/kernel.js";

afterEach(() => clearInterruptFlag());

const LOOP = "let n = 0;\nfor (let i = 0; i < 200000; i++) n += i % 7;\nn";

// A thread that waits until the cell says it spins (a shared cell it sets), then raises the flag as the watchdog
// does: the main thread is busy in the cell's loop, so only another thread can interrupt it.
const RAISER = `
const { workerData } = require("node:worker_threads");
const spinning = new Int32Array(workerData.spinning);
Atomics.wait(spinning, 0, 0);
new BigInt64Array(workerData.flag, 8, 1)[0] = process.hrtime.bigint();
Atomics.store(new Int32Array(workerData.flag, 0, 1), 0, 1);
`;

describe("a stale interrupt", () => {
  it("raised before a request started does not stop its cell; one raised while the cell runs does", async () => {
    const info = await KernelClient.connectionInfo();
    const kernel = new Kernel(info, { cwd: mkdtempSync(join(tmpdir(), "nasbook-stale-")), log: () => undefined });
    await kernel.start();
    const client = await KernelClient.connect(info);
    try {
      expect((await client.execute("const warm = 1; warm")).reply.content["status"]).toBe("ok");
      // Raised while idle (or late for the previous cell): the next cell's loop guards and check must ignore it.
      raiseInterruptFlag();
      const stale = await client.execute(LOOP);
      expect(stale.reply.content["status"], JSON.stringify(stale.reply.content)).toBe("ok");
      // The same flag raised while a cell runs stops it (the reference: the guards do poll the flag).
      const spinning = new SharedArrayBuffer(4);
      (globalThis as { __spinning?: Int32Array }).__spinning = new Int32Array(spinning);
      const raiser = new Worker(RAISER, { eval: true, workerData: { spinning, flag: interruptFlagBuffer } });
      const stopped = await client.execute(
        "const spin = (globalThis as any).__spinning as Int32Array;\nlet spins = 0;\n" +
          "while (true) { spins++; if (spins === 1000) { Atomics.store(spin, 0, 1); Atomics.notify(spin, 0); } }",
      );
      await raiser.terminate();
      expect(stopped.reply.content["status"]).toBe("error");
      expect(String(stopped.reply.content["evalue"])).toMatch(/interrupt/i);
    } finally {
      client.disconnect();
      await kernel.close();
    }
  }, 60_000);
});
