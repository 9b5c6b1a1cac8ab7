/**
 * A minimal Jupyter client over ZeroMQ that launches a kernel process: used by the protocol tests (fuzzing,
 * interrupts) and by bench/kernel.ts to time round trips against nasbook and tslab alike.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { decode, encode, Signer, type JupyterMessage } from "./wire.js";
import type { ConnectionInfo } from "./kernel.js";

/** A free TCP port on the loopback interface (the OS picks one; it is free until someone else binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** A kernel process plus sockets connected to it. */
export class KernelClient {
  readonly session = randomUUID();
  readonly shell = new zmq.Dealer();
  readonly control = new zmq.Dealer();
  readonly iopub = new zmq.Subscriber();
  readonly signer: Signer;
  readonly iopubMessages: JupyterMessage[] = [];
  /** iopub messages by parent msg_id, and who waits for more of them: a request's wait costs its own messages. */
  private readonly byParent = new Map<string, JupyterMessage[]>();
  private readonly waiters = new Map<string, () => void>();
  private readonly replies = new Map<string, (m: JupyterMessage) => void>();
  stderr = "";

  private constructor(readonly info: ConnectionInfo, readonly process: ChildProcess) {
    this.signer = new Signer(info.key, info.signature_scheme);
  }

  /** A fresh connection file on free loopback ports (for a kernel started in this process). */
  static async connectionInfo(): Promise<ConnectionInfo> {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    return {
      transport: "tcp", ip: "127.0.0.1", shell_port: ports[0]!, iopub_port: ports[1]!, stdin_port: ports[2]!,
      control_port: ports[3]!, hb_port: ports[4]!, key: randomBytes(16).toString("hex"), signature_scheme: "hmac-sha256",
    };
  }

  /** Connects to a kernel already listening on `info`'s ports (one started in this process; `process` is unused). */
  static async connect(info: ConnectionInfo): Promise<KernelClient> {
    const client = new KernelClient(info, { exitCode: null, kill: () => true } as unknown as ChildProcess);
    client.attach();
    for (let i = 0; ; i++) {
      const reply = await Promise.race([client.request("kernel_info_request", {}), new Promise<undefined>((r) => setTimeout(r, 1000))]);
      if (reply) return client;
      if (i > 60) throw new Error("kernel did not answer kernel_info");
    }
  }

  private attach(): void {
    const url = (p: number) => `tcp://127.0.0.1:${p}`;
    this.shell.connect(url(this.info.shell_port));
    this.control.connect(url(this.info.control_port));
    this.iopub.connect(url(this.info.iopub_port));
    this.iopub.subscribe();
    void this.pump(this.shell);
    void this.pump(this.control);
    void this.pumpIopub();
  }

  /** Closes this client's sockets (the kernel is not told). */
  disconnect(): void {
    for (const s of [this.shell, this.control, this.iopub]) s.close();
  }

  /**
   * Launches `argv` (with `{connection_file}` replaced) and connects once the kernel answers kernel_info.
   * `key` and `signatureScheme` override the connection file's random key and hmac-sha256 ("" = no signing);
   * `parentPid` the process the kernel watches (JPY_PARENT_PID: it exits when that is gone), this one by default.
   */
  static async launch(argv: readonly string[], opts: { cwd?: string; key?: string; signatureScheme?: string; parentPid?: number } = {}): Promise<KernelClient> {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const info: ConnectionInfo = {
      transport: "tcp", ip: "127.0.0.1", shell_port: ports[0]!, iopub_port: ports[1]!, stdin_port: ports[2]!,
      control_port: ports[3]!, hb_port: ports[4]!, key: opts.key ?? randomBytes(16).toString("hex"), signature_scheme: opts.signatureScheme ?? "hmac-sha256",
    };
    const dir = mkdtempSync(join(tmpdir(), "nasbook-conn-"));
    const file = join(dir, "kernel.json");
    writeFileSync(file, JSON.stringify(info));
    const child = spawn(argv[0]!, argv.slice(1).map((a) => a.replace("{connection_file}", file)), {
      cwd: opts.cwd ?? dir,
      stdio: ["ignore", "ignore", "pipe"],
      // As Jupyter does: the kernel exits when this process is gone, even if it died before close().
      env: { ...process.env, JPY_PARENT_PID: String(opts.parentPid ?? process.pid) },
    });
    const client = new KernelClient(info, child);
    child.stderr!.on("data", (d: Buffer) => (client.stderr += d.toString()));
    client.attach();
    // The kernel may not be listening yet: ask for kernel_info until it answers.
    for (let i = 0; ; i++) {
      const reply = await Promise.race([client.request("kernel_info_request", {}), new Promise<undefined>((r) => setTimeout(r, 1000))]);
      if (reply) break;
      if (i > 60 || child.exitCode !== null) throw new Error(`kernel did not start: ${client.stderr}`);
    }
    return client;
  }

  private async pump(socket: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        const msg = decode(frames as Buffer[], this.signer);
        const id = msg.parent_header.msg_id;
        if (id && this.replies.has(id)) {
          this.replies.get(id)!(msg);
          this.replies.delete(id);
        }
      }
    } catch {
      // Socket closed.
    }
  }

  private async pumpIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const msg = decode(frames as Buffer[], this.signer);
        this.iopubMessages.push(msg);
        const parent = String(msg.parent_header.msg_id ?? "");
        const list = this.byParent.get(parent);
        if (list) list.push(msg);
        else this.byParent.set(parent, [msg]);
        this.waiters.get(parent)?.();
      }
    } catch {
      // Socket closed.
    }
  }

  /** Sends raw frames on the shell socket (for fuzzing). */
  async sendRaw(frames: Buffer[], channel: "shell" | "control" = "shell"): Promise<void> {
    await (channel === "shell" ? this.shell : this.control).send(frames);
  }

  /** Sends a request and resolves with its reply. */
  request(msgType: string, content: Record<string, unknown>, opts: { channel?: "shell" | "control"; metadata?: Record<string, unknown> } = {}): Promise<JupyterMessage> & { msgId: string } {
    const frames = encode(this.signer, this.session, msgType, content, {}, [], opts.metadata ?? {});
    const header = JSON.parse(frames[2]!.toString()) as { msg_id: string };
    const p = new Promise<JupyterMessage>((resolve) => this.replies.set(header.msg_id, resolve));
    void (opts.channel === "control" ? this.control : this.shell).send(frames);
    return Object.assign(p, { msgId: header.msg_id });
  }

  /** Executes code; resolves with the reply and the iopub messages of that request once it is idle. */
  async execute(code: string, metadata: Record<string, unknown> = {}): Promise<{ reply: JupyterMessage; iopub: JupyterMessage[] }> {
    const req = this.request("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, { metadata });
    const reply = await req;
    const iopub = await this.untilIdle(req.msgId);
    return { reply, iopub };
  }

  /** Resolves with the iopub messages of request `msgId` so far once one satisfies `condition` (a deadline, not a sleep). */
  async waitForIopub(msgId: string, condition: (m: JupyterMessage) => boolean, ms = 30_000): Promise<JupyterMessage[]> {
    const end = Date.now() + ms;
    while (!(this.byParent.get(msgId) ?? []).some(condition)) {
      if (Date.now() > end) throw new Error(`no such iopub message for ${msgId} within ${ms} ms`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 100);
        this.waiters.set(msgId, () => {
          clearTimeout(timer);
          r();
        });
      });
      this.waiters.delete(msgId);
    }
    return [...this.byParent.get(msgId)!];
  }

  /** Waits for the idle status of request `msgId` and returns its iopub messages. */
  untilIdle(msgId: string): Promise<JupyterMessage[]> {
    return this.waitForIopub(msgId, (m) => m.header.msg_type === "status" && m.content["execution_state"] === "idle", Infinity);
  }

  /** Shuts the kernel down and closes the sockets. */
  async close(): Promise<void> {
    await Promise.race([this.request("shutdown_request", { restart: false }, { channel: "control" }), new Promise((r) => setTimeout(r, 2000))]);
    await new Promise((r) => setTimeout(r, 200));
    if (this.process.exitCode === null) this.process.kill("SIGKILL");
    for (const s of [this.shell, this.control, this.iopub]) s.close();
  }
}

/** argv of the nasbook kernel (as in the kernelspec). */
export function nasbookKernelArgv(packageRoot: string): string[] {
  return [process.execPath, join(packageRoot, "bin", "nasbook.js"), "kernel", "start", "{connection_file}"];
}
