/**
 * The kernel through @jupyterlab/services, the client library JupyterLab (and VS Code's Jupyter extension) talk to
 * kernels with, against Debian's Notebook 6 server (REST + websocket): start a session, run the reactive edit
 * scenario (editing the upstream cell updates its dependent's display), interrupt a running cell, restart.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelManager, ServerConnection, SessionManager, type Kernel, type KernelMessage, type Session } from "@jupyterlab/services";
// @ts-expect-error ws ships no types; only its constructor is handed to ServerConnection.
import WebSocket from "ws";
import { freePort, installTestKernel, waitForHttp } from "./jupyterHelpers.js";

const hasNotebook6 = existsSync("/usr/bin/jupyter") && spawnSync("/usr/bin/jupyter", ["notebook", "--version"], { stdio: "ignore" }).status === 0;
const skip = !hasNotebook6 && !process.env["CI"];

/** Runs `code` as cell `cellId` (JupyterLab sends the cell id in the request metadata) and collects its iopub. */
async function run(kernel: Kernel.IKernelConnection, code: string, cellId: string) {
  // Every iopub message of this request, as JupyterLab's output areas see them: an update_display_data for another
  // cell's display is routed by the client to that display, so listen on the kernel's iopub signal.
  const iopub: KernelMessage.IIOPubMessage[] = [];
  const future = kernel.requestExecute({ code, stop_on_error: false }, true, { cellId, deletedCells: [] });
  const collect = (_: unknown, msg: KernelMessage.IIOPubMessage) => {
    if ((msg.parent_header as { msg_id?: string }).msg_id === future.msg.header.msg_id) iopub.push(msg);
  };
  kernel.iopubMessage.connect(collect);
  try {
    const reply = await future.done;
    return { reply: reply.content, iopub };
  } finally {
    kernel.iopubMessage.disconnect(collect);
  }
}

const plain = (msg: KernelMessage.IIOPubMessage): string => String((msg.content as { data?: Record<string, unknown> }).data?.["text/plain"] ?? "");
const displayIdOf = (msg: KernelMessage.IIOPubMessage): string | undefined => (msg.content as { transient?: { display_id?: string } }).transient?.display_id;

describe.skipIf(skip)("@jupyterlab/services against a Notebook 6 server", () => {
  let server: ChildProcess | undefined;
  let sessions: SessionManager;
  let kernels: KernelManager;
  let session: Session.ISessionConnection;

  beforeAll(async () => {
    const env = installTestKernel();
    const dir = mkdtempSync(join(tmpdir(), "nasbook-lab-"));
    const port = await freePort();
    const token = randomBytes(16).toString("hex");
    server = spawn("/usr/bin/jupyter", ["notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1",
      `--NotebookApp.token=${token}`, "--NotebookApp.password=", `--notebook-dir=${dir}`], { env, stdio: "ignore" });
    await waitForHttp(`http://127.0.0.1:${port}/api`, 60_000);
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${port}/`, wsUrl: `ws://127.0.0.1:${port}/`, token, appendToken: true,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    kernels = new KernelManager({ serverSettings });
    sessions = new SessionManager({ kernelManager: kernels, serverSettings });
    await sessions.ready;
    session = await sessions.startNew({ path: "reactive.ipynb", type: "notebook", name: "reactive.ipynb", kernel: { name: "nasbook" } });
  }, 120_000);

  afterAll(async () => {
    await session?.shutdown().catch(() => undefined);
    sessions?.dispose();
    kernels?.dispose();
    server?.kill("SIGTERM");
  });

  it("starts a session on the nasbook kernel, which reports TypeScript", async () => {
    const kernel = session.kernel!;
    expect(kernel.name).toBe("nasbook");
    const info = await kernel.info;
    expect(info.language_info.name).toBe("typescript");
    expect(info.language_info.file_extension).toBe(".ts");
    expect(info.language_info.mimetype).toBe("text/typescript");
  }, 60_000);

  it("editing the space cell updates its dependents' displays under the edit's request", async () => {
    const kernel = session.kernel!;
    await run(kernel, "const n = 3;", "space");
    const dependent = await run(kernel, "n * 2", "double");
    expect(dependent.reply.status).toBe("ok");
    const shown = dependent.iopub.find((m) => m.header.msg_type === "display_data" || m.header.msg_type === "execute_result")!;
    expect(plain(shown)).toBe("6");
    const edit = await run(kernel, "const n = 5;", "space");
    expect(edit.reply.status).toBe("ok");
    const update = edit.iopub.find((m) => m.header.msg_type === "update_display_data");
    expect(update, "an update_display_data for the dependent").toBeDefined();
    expect(displayIdOf(update!)).toBe(displayIdOf(shown));
    expect(plain(update!)).toBe("10");
  }, 60_000);

  // JupyterLab interrupts through the server's REST API; Notebook 6 then signals the kernel process
  // (interrupt_mode "signal"). Both a synchronous loop and an awaiting loop that ignores `signal` must stop.
  it("interrupts a running cell through the server, busy or awaiting, and the kernel goes on", async () => {
    const kernel = session.kernel!;
    for (const [loop, id] of [["while (true) {}", "busy"], ["while (true) await new Promise((r) => setTimeout(r, 50));", "awaiting"]]) {
      const running = run(kernel, loop!, id!);
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      await kernel.interrupt();
      const stopped = await running;
      expect(stopped.reply.status, id).toBe("error");
      expect(Date.now() - t0, `${id} loop stopped within 5 s of the interrupt`).toBeLessThan(5_000);
    }
    expect((await run(kernel, "n + 1", "after")).iopub.map(plain)).toContain("6");
  }, 60_000);

  it("restarts: the old cells are gone, the new kernel runs", async () => {
    const kernel = session.kernel!;
    await kernel.restart();
    const old = await run(kernel, "n", "check");
    expect(old.reply.status).toBe("error");
    const r = await run(kernel, "const m = 20;\nm + 1", "fresh");
    expect(r.reply.status).toBe("ok");
    expect(r.iopub.map(plain)).toContain("21");
  }, 90_000);
});
