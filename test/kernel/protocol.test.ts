// The kernel against a raw ZeroMQ client: fuzzed input never kills it, and interrupts stop running cells.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, nasbookKernelArgv } from "../../kernel/client.js";
import { encode } from "../../kernel/wire.js";
import { until } from "../fixtures/until.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let client: KernelClient;

beforeAll(async () => {
  client = await KernelClient.launch(nasbookKernelArgv(root));
}, 60_000);
afterAll(async () => client?.close());

describe("protocol fuzzing", () => {
  it("rejects malformed JSON, wrong signatures, missing frames and unknown types, and keeps serving", async () => {
    const s = client.signer;
    const header = (t: string) => Buffer.from(JSON.stringify({ msg_id: "x" + Math.random(), msg_type: t, session: "s", username: "u", date: "", version: "5.3" }));
    const j = (o: unknown) => Buffer.from(JSON.stringify(o));
    const signed = (parts: Buffer[]) => [Buffer.from("<IDS|MSG>"), Buffer.from(s.sign(parts)), ...parts];
    const bad: Buffer[][] = [
      [Buffer.from("no delimiter at all")],
      [Buffer.from("<IDS|MSG>")],
      [Buffer.from("<IDS|MSG>"), Buffer.from("deadbeef"), header("kernel_info_request"), j({}), j({}), j({})],
      signed([Buffer.from("{not json"), j({}), j({}), j({})]),
      signed([j([1, 2]), j({}), j({}), j({})]),
      signed([j({ msg_type: 3 }), j({}), j({}), j({})]),
      signed([header("kernel_info_request"), Buffer.from("\u0000\u00ff"), j({}), j({})]),
      signed([header("kernel_info_request")]),
      [Buffer.from("<IDS|MSG>"), Buffer.alloc(0), header("execute_request"), j({}), j({}), j({ code: "process.exit(1)" })],
    ];
    for (const frames of bad) await client.sendRaw(frames);
    for (const frames of bad) await client.sendRaw(frames, "control");
    // A correctly signed message of an unknown type is ignored (with an error reply for *_request).
    const unknown = await client.request("frobnicate_request", {});
    expect(unknown.content["status"]).toBe("error");
    await client.sendRaw(encode(s, "s", "no_such_message", {}, {}));
    const info = await client.request("kernel_info_request", {});
    expect(info.content["status"]).toBe("ok");
    expect(client.process.exitCode).toBeNull();
    expect(client.stderr).toMatch(/invalid HMAC signature/);
    const { reply } = await client.execute("6 * 7");
    expect(reply.content["status"]).toBe("ok");
  }, 60_000);
});

describe("interrupts", () => {
  // Each loop prints once it runs: the test interrupts then (it waits for that message, not for a fixed time).
  const loop = "console.log('running');\nlet i = 0;\nwhile (true) {\n  nas.throwIfAborted(signal);\n  await new Promise((r) => setTimeout(r, 20));\n  i++;\n}";
  const running = (m: { header: { msg_type: string }; content: Record<string, unknown> }) => m.header.msg_type === "stream" && String(m.content["text"]).includes("running");
  it("interrupt_request on the control channel stops a running cell through its signal", async () => {
    const req = client.request("execute_request", { code: loop, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false });
    await client.waitForIopub(req.msgId, running, 240_000); // its first `nas` cell loads the library's types first
    const ir = await client.request("interrupt_request", {}, { channel: "control" });
    expect(ir.content["status"]).toBe("ok");
    const reply = await req;
    expect(reply.content["status"]).toBe("error");
    expect(String(reply.content["evalue"])).toMatch(/interrupted/);
  }, 300_000);

  it("SIGINT stops a synchronous infinite loop and the kernel keeps working", async () => {
    // The message goes out on the next turns of the event loop; then the loop blocks it for good.
    const code = "console.log('running');\nawait new Promise((r) => setImmediate(r));\nawait new Promise((r) => setImmediate(r));\nwhile (true) {}";
    const req = client.request("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false });
    await client.waitForIopub(req.msgId, running);
    let reply: Awaited<typeof req> | undefined;
    void req.then((r) => (reply = r));
    const deadline = Date.now() + 30_000;
    while (!reply && Date.now() < deadline) {
      client.process.kill("SIGINT");
      await Promise.race([req, new Promise((r) => setTimeout(r, 250))]);
    }
    expect(reply, "the loop was not interrupted").toBeDefined();
    expect(reply!.content["status"]).toBe("error");
    const { reply: after } = await client.execute("1 + 1");
    expect(after.content["status"]).toBe("ok");
  }, 30_000);

  it("stop_on_error aborts the requests queued behind a failing one", async () => {
    const failing = client.request("execute_request", { code: "await new Promise((r) => setTimeout(r, 300)); throw new Error('x')", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    const queued = client.request("execute_request", { code: "2 + 2", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    expect((await failing).content["status"]).toBe("error");
    expect((await queued).content["status"]).toBe("aborted");
    const { reply } = await client.execute("3 + 3");
    expect(reply.content["status"]).toBe("ok");
  }, 30_000);
});

describe("protections cover everything the kernel evaluates, and replays are refused", () => {
  const request = (code: string, userExpressions: Record<string, string>) =>
    client.request("execute_request", { code, silent: false, store_history: true, user_expressions: userExpressions, allow_stdin: false, stop_on_error: false });

  it("process.exit() in a user expression fails that expression; the kernel and its values live on", async () => {
    await client.execute("const survivor = 41", { cellId: "survivor" });
    const reply = await request("1", { exit: "process.exit(1)", fine: "survivor + 1" });
    const results = reply.content["user_expressions"] as Record<string, { status: string; ename?: string; data?: Record<string, string> }>;
    expect(results["exit"]).toMatchObject({ status: "error", ename: "ProcessExitError" });
    expect(results["fine"]).toMatchObject({ status: "ok", data: { "text/plain": "42" } });
    expect(client.process.exitCode).toBeNull();
  }, 60_000);

  it("an endless loop in a user expression stops on an interrupt", async () => {
    // No cell to run: the expression starts at once (an interrupt during a cell's compilation would stop the cell).
    const pending = request("", { loop: "(() => { while (true) {} })()" });
    let reply: Awaited<typeof pending> | undefined;
    void pending.then((r) => (reply = r));
    // Interrupt until the reply comes (the expression starts after the cell has run): a deadline, not a sleep.
    const deadline = Date.now() + 30_000;
    // Not awaiting each interrupt_reply (jupyter_client does not either): an interrupt that reached the kernel before
    // it read the execute request is dropped as meant for what ran before, and its reply waits for the loop.
    while (!reply && Date.now() < deadline) {
      void client.request("interrupt_request", {}, { channel: "control" });
      await Promise.race([pending, new Promise((r) => setTimeout(r, 200))]);
    }
    expect(reply, "no reply: the loop was not interrupted").toBeDefined();
    const results = reply!.content["user_expressions"] as Record<string, { status: string; ename?: string }>;
    expect(results["loop"]).toMatchObject({ status: "error", ename: "InterruptedError" });
    expect((await client.execute("survivor * 2")).reply.content["status"]).toBe("ok");
  }, 60_000);

  it("a replayed signed message is refused, not executed twice", async () => {
    const frames = encode(client.signer, client.session, "execute_request", { code: "(globalThis as any).__replays = ((globalThis as any).__replays ?? 0) + 1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false }, {}, [], { cellId: "replay" });
    await client.sendRaw(frames);
    await client.sendRaw(frames);
    const { reply } = await client.execute("(globalThis as any).__replays", { cellId: "count" });
    expect(reply.content["status"]).toBe("ok");
    const shown = await client.execute("String((globalThis as any).__replays)", { cellId: "count2" });
    const result = shown.iopub.find((m) => m.header.msg_type === "execute_result" || m.header.msg_type === "display_data");
    expect((result!.content["data"] as Record<string, string>)["text/plain"]).toBe("1");
    await until(() => client.stderr.includes("refused a replayed shell message"), 30_000, "the kernel to log the refused replay");
  }, 60_000);
});

describe("reactive displays over the wire", () => {
  it("sends dependents' re-runs as update_display_data under the current request, before idle", async () => {
    await client.execute("const base = 2", { cellId: "A" });
    const shown = await client.execute("base * 10", { cellId: "B" });
    const display = shown.iopub.find((m) => m.header.msg_type === "display_data")!;
    expect(display.content["data"]).toEqual({ "text/plain": "20" });
    const redefine = await client.execute("const base = 5", { cellId: "A" });
    const updates = redefine.iopub.filter((m) => m.header.msg_type === "update_display_data");
    expect(updates.map((m) => [(m.content["transient"] as { display_id: string }).display_id, (m.content["data"] as Record<string, string>)["text/plain"]]))
      .toContainEqual(["nasbook-B-1", "50"]);
    // Deleting A (JupyterLab's deletedCells) leaves B with a clear error in its display.
    const del = await client.execute("1", { cellId: "C", deletedCells: ["A"] });
    const err = del.iopub.find((m) => m.header.msg_type === "update_display_data" && (m.content["transient"] as { display_id: string }).display_id === "nasbook-B-1");
    expect((err!.content["data"] as Record<string, string>)["text/plain"]).toMatch(/"base" is not defined by any cell|Cannot find name 'base'/);
  }, 60_000);
});
