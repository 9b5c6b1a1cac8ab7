// The ordering guarantees clients rely on, checked with the CPU saturated by a bounded load of the test's own:
// execute_input first; every update_display_data a request causes arrives under that request and before its
// idle; execute_reply only after the affected subgraph has settled; stop_on_error aborts the queue.
// Rounds: 3 by default (CI), NASBOOK_ORDERING_ROUNDS=20 for a soak run.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, nasbookKernelArgv } from "../../kernel/client.js";
import type { JupyterMessage } from "../../kernel/wire.js";
import { startCpuLoad } from "./cpuLoad.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const rounds = Number(process.env["NASBOOK_ORDERING_ROUNDS"] ?? 3);
let client: KernelClient;
let stopLoad: () => void;

beforeAll(async () => {
  client = await KernelClient.launch(nasbookKernelArgv(root));
  stopLoad = startCpuLoad({ maxSeconds: 240 });
}, 90_000);
afterAll(async () => {
  stopLoad?.();
  await client?.close();
});

const types = (ms: JupyterMessage[]): string[] => ms.map((m) => m.header.msg_type);
const displayOf = (m: JupyterMessage): string | undefined => (m.content["transient"] as { display_id?: string } | undefined)?.display_id;
const plain = (m: JupyterMessage): string => String((m.content["data"] as Record<string, unknown>)["text/plain"]);
const request = (code: string, stopOnError = true, metadata: Record<string, unknown> = {}) =>
  client.request("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: stopOnError }, { metadata });

describe(`ordering under CPU load (${rounds} rounds)`, () => {
  it("keeps every guarantee in every round", async () => {
    for (let round = 0; round < rounds; round++) {
      const tag = `r${round}`;
      await client.execute(`const base${tag} = 1`, { cellId: `A${tag}` });
      await client.execute(`base${tag} * 10`, { cellId: `B${tag}` });
      await client.execute(`await new Promise((r) => setTimeout(r, 30)); base${tag} + 1`, { cellId: `C${tag}` });
      const req = request(`const base${tag} = ${round + 5}`, true, { cellId: `A${tag}` });
      const reply = await req;
      const iopub = await client.untilIdle(req.msgId);
      // busy, then execute_input before anything else the request causes.
      expect(types(iopub).slice(0, 2), `round ${round}`).toEqual(["status", "execute_input"]);
      expect(types(iopub).at(-1)).toBe("status");
      const updates = iopub.filter((m) => m.header.msg_type === "update_display_data");
      // Display ids are `nasbook-<cell>-<n>` (new for each execution of the cell by a request).
      const value = (cell: string) => updates.filter((m) => displayOf(m)?.startsWith(`nasbook-${cell}${tag}-`)).map(plain).at(-1);
      expect(value("B"), `round ${round}: ${JSON.stringify(types(iopub))}`).toBe(String((round + 5) * 10));
      expect(value("C"), `round ${round}`).toBe(String(round + 6));
      // The reply comes after the subgraph settled: no update of this request is dated after it.
      for (const u of updates) expect(Date.parse(u.header.date)).toBeLessThanOrEqual(Date.parse(reply.header.date));
      // stop_on_error: a failing request aborts the ones queued behind it, in order.
      const failing = request(`await new Promise((r) => setTimeout(r, 100)); throw new Error("fail ${tag}")`);
      const queued = [request("1 + 1"), request("2 + 2")];
      expect((await failing).content["status"]).toBe("error");
      for (const q of queued) expect((await q).content["status"]).toBe("aborted");
      await client.untilIdle(queued[1]!.msgId);
      // Nothing the redefinition caused arrived late, under a later request.
      const allUpdates = client.iopubMessages.filter((m) => m.header.msg_type === "update_display_data" && [`nasbook-B${tag}-`, `nasbook-C${tag}-`].some((p) => String(displayOf(m)).startsWith(p)));
      expect(allUpdates.map((m) => m.parent_header.msg_id === req.msgId)).toEqual(allUpdates.map(() => true));
    }
    const { reply } = await client.execute("3 + 3");
    expect(reply.content["status"]).toBe("ok");
  }, 600_000);
});
