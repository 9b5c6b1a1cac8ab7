// Messaging spec 5.3+ details, each checked through a real ZeroMQ client (kernel/client.ts) against the spec's
// text; HMAC digests are checked against Python's hmac module (the reference jupyter_client signs with).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, nasbookKernelArgv } from "../../kernel/client.js";
import { Signer, WireError } from "../../kernel/wire.js";
import type { JupyterMessage } from "../../kernel/wire.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const python = "/usr/bin/python3";
let client: KernelClient;

beforeAll(async () => {
  client = await KernelClient.launch(nasbookKernelArgv(root));
}, 90_000);
afterAll(async () => client?.close());

const execute = (content: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  client.request("execute_request", { silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false, ...content }, { metadata });
const iopubOf = (msgId: string, type: string): JupyterMessage[] =>
  client.iopubMessages.filter((m) => m.parent_header.msg_id === msgId && m.header.msg_type === type);

describe("signatures", () => {
  const parts = [Buffer.from('{"msg_id":"1"}'), Buffer.from("{}"), Buffer.from("{}"), Buffer.from('{"code":"1"}')];
  it.skipIf(!existsSync(python))("signs with every hmac-<digest> scheme exactly as Python's hmac does", () => {
    for (const digest of ["sha256", "sha512", "sha384", "sha224", "sha1", "md5"]) {
      const py = spawnSync(python, ["-c", `import hmac,hashlib,sys\nh=hmac.new(b"k3y", digestmod=hashlib.${digest})\nfor p in sys.argv[1:]: h.update(p.encode())\nprint(h.hexdigest())`, ...parts.map(String)], { encoding: "utf8" });
      expect(new Signer("k3y", `hmac-${digest}`).sign(parts), digest).toBe(py.stdout.trim());
    }
  });
  it("an empty key means no signing; an unknown scheme is refused with the fix", () => {
    expect(new Signer("", "hmac-sha512").sign(parts)).toBe("");
    expect(new Signer("", "hmac-sha512").verify("anything", parts)).toBe(true);
    expect(() => new Signer("k", "rsa-sha256")).toThrow(WireError);
    expect(() => new Signer("k", "hmac-nosuchdigest")).toThrow(/use hmac-<digest>/);
  });
  it("a kernel started with hmac-sha512 serves (it used to exit at start), and exits once its launcher is gone", async () => {
    // The launcher (JPY_PARENT_PID, as Jupyter sets it) is a stand-in process: killing it is a client that died
    // without shutting the kernel down (a test runner's timeout), which used to leave the kernel running.
    const launcher = spawn("sleep", ["600"], { stdio: "ignore" });
    const k = await KernelClient.launch(nasbookKernelArgv(root), { signatureScheme: "hmac-sha512", parentPid: launcher.pid });
    try {
      const { reply } = await k.execute("6 * 7");
      expect(reply.content["status"]).toBe("ok");
      expect(k.process.exitCode).toBeNull();
      const exited = new Promise<number | null>((resolve) => k.process.once("exit", (code) => resolve(code)));
      launcher.kill("SIGKILL");
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 15_000))]);
      expect(code).toBe(0);
    } finally {
      launcher.kill("SIGKILL");
      await k.close();
    }
  }, 90_000);
});

describe("requests", () => {
  it("kernel_info_reply lists supported_features (none) and says debugger: false", async () => {
    const info = await client.request("kernel_info_request", {});
    expect(info.content["supported_features"]).toEqual([]);
    expect(info.content["debugger"]).toBe(false);
  });

  it("a non-string code is rejected with an error reply, not coerced and run", async () => {
    for (const code of [42, null, ["1 + 1"], { toString: "x" }]) {
      const reply = await execute({ code });
      expect(reply.content["status"]).toBe("error");
      expect(String(reply.content["evalue"])).toMatch(/code must be a string/);
    }
    expect((await execute({ code: "1 + 1" })).content["status"]).toBe("ok");
  });

  it("store_history: false neither stores nor counts", async () => {
    const before = await execute({ code: "'counted'" });
    const n = before.content["execution_count"] as number;
    const hidden = execute({ code: "'not counted'", store_history: false });
    expect((await hidden).content["execution_count"]).toBe(n);
    expect(iopubOf(hidden.msgId, "execute_input")[0]?.content["execution_count"]).toBe(n);
    expect((await execute({ code: "'counted again'" })).content["execution_count"]).toBe(n + 1);
    const tail = await client.request("history_request", { hist_access_type: "tail", n: 50, output: false, raw: true });
    const inputs = (tail.content["history"] as [number, number, string][]).map((h) => h[2]);
    expect(inputs).toContain("'counted'");
    expect(inputs).not.toContain("'not counted'");
  });

  it("user_expressions are evaluated against the notebook's names, each ok or error on its own", async () => {
    await client.execute("const ue = 21", { cellId: "ue" });
    const reply = await execute({ code: "1", user_expressions: { double: "ue * 2", typed: "(ue as number).toFixed(1)", broken: "ue.nope()", syntax: "ue +" } });
    const ue = reply.content["user_expressions"] as Record<string, Record<string, unknown>>;
    expect(ue["double"]).toEqual({ status: "ok", data: { "text/plain": "42" }, metadata: {} });
    expect((ue["typed"]!["data"] as Record<string, string>)["text/plain"]).toBe("21.0");
    expect(ue["broken"]!["status"]).toBe("error");
    expect(ue["broken"]!["ename"]).toBe("TypeError");
    expect(ue["syntax"]!["status"]).toBe("error");
  });

  it("history: tail n, range start/stop, search with a glob, unique and n", async () => {
    for (const code of ["hist + 1", "hist + 2", "hist + 1", "other(1)"]) await execute({ code: `const hist = 0;\n${code}`, stop_on_error: false });
    const ask = async (c: Record<string, unknown>) =>
      ((await client.request("history_request", { output: false, raw: true, ...c })).content["history"] as [number, number, string][]);
    const tail = await ask({ hist_access_type: "tail", n: 2 });
    expect(tail.map((h) => h[2])).toEqual(["const hist = 0;\nhist + 1", "const hist = 0;\nother(1)"]);
    const lines = tail.map((h) => h[1]);
    const range = await ask({ hist_access_type: "range", session: 0, start: lines[0], stop: lines[1]! + 1 });
    expect(range.map((h) => h[1])).toEqual(lines);
    const search = await ask({ hist_access_type: "search", pattern: "*hist + ?", unique: true, n: 10 });
    expect(search.map((h) => h[2])).toEqual(["const hist = 0;\nhist + 2", "const hist = 0;\nhist + 1"]);
    expect(await ask({ hist_access_type: "search", pattern: "*hist + ?", n: 1 })).toHaveLength(1);
  });
});

describe("comms", () => {
  it("opens registered targets, answers their messages, lists them, and closes unknown targets", async () => {
    await client.execute("const commValue = 1", { cellId: "cv" });
    const info0 = await client.request("comm_info_request", {});
    expect(info0.content["comms"]).toEqual({});
    const open = client.request("comm_open", { comm_id: "g1", target_name: "nasbook.graph", data: {} });
    await client.untilIdle(open.msgId);
    const opened = iopubOf(open.msgId, "comm_msg")[0]!;
    const cells = (opened.content["data"] as { cells: Array<{ id: string; defines: string[] }> }).cells;
    expect(cells.find((c) => c.id === "cv")?.defines).toEqual(["commValue"]);
    const info = await client.request("comm_info_request", { target_name: "nasbook.graph" });
    expect(info.content["comms"]).toEqual({ g1: { target_name: "nasbook.graph" } });
    const msg = client.request("comm_msg", { comm_id: "g1", data: { request: "graph" } });
    await client.untilIdle(msg.msgId);
    expect(iopubOf(msg.msgId, "comm_msg")).toHaveLength(1);
    const close = client.request("comm_close", { comm_id: "g1", data: {} });
    await client.untilIdle(close.msgId);
    expect((await client.request("comm_info_request", {})).content["comms"]).toEqual({});
    const unknown = client.request("comm_open", { comm_id: "u1", target_name: "no.such.target", data: {} });
    await client.untilIdle(unknown.msgId);
    expect(iopubOf(unknown.msgId, "comm_close").map((m) => m.content["comm_id"])).toEqual(["u1"]);
  });
});

describe("clear_output", () => {
  it("a cell's clearOutput({ wait }) sends clear_output under its request, in order", async () => {
    const req = execute({ code: "console.log('before');\nclearOutput({ wait: true });\nconsole.log('after');\n'done'" });
    await req;
    const iopub = await client.untilIdle(req.msgId);
    const seq = iopub.filter((m) => ["stream", "clear_output"].includes(m.header.msg_type)).map((m) => m.header.msg_type === "stream" ? String(m.content["text"]).trim() : `clear(${String(m.content["wait"])})`);
    expect(seq).toEqual(["before", "clear(true)", "after"]);
  });
});
