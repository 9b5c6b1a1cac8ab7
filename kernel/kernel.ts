/**
 * The nasbook Jupyter kernel: transport (transport.ts) + requests (requests.ts) + the execute queue (here) over
 * the notebook (src/notebook/notebook.ts), whose output goes through the one output router (outputRouter.ts).
 *
 * The execute queue runs requests one at a time. A request's reply and `idle` wait until everything its execution
 * affected has settled (nbclient keeps only output sent before `idle`), except that a request waiting while the
 * next one is queued answers at once when what remains is streams (a search feeding plots: the cells below it run and
 * update live, as under "Run All") or when the queued request would invalidate the work it waits for (an edit of an
 * upstream cell reaches a running search within one trial).
 */
import { readFileSync } from "node:fs";
import { reportError } from "../src/notebook/cellErrors.js";
import { captureProcessOutput } from "../src/notebook/nodeCapture.js";
import { Notebook } from "../src/notebook/notebook.js";
import { OutputRouter, type OutputOp } from "../src/notebook/outputRouter.js";
import type { NotebookSession } from "../src/notebook/session.js";
import { evaluateUserExpressions } from "../src/notebook/userExpressions.js";
import { CommRegistry, graphTarget } from "./comms.js";
import { KernelWidgets } from "./widgets.js";
import { clearInterruptFlag, clearInterruptFlagRaisedBy, interruptRequestedSince } from "./interruptFlag.js";
import { handleRequest, type HistoryEntry, type RequestContext } from "./requests.js";
import { Transport, type ConnectionInfo, type Reply } from "./transport.js";
import type { Header, JupyterMessage } from "./wire.js";

export type { ConnectionInfo } from "./transport.js";

interface Queued {
  readonly msg: JupyterMessage;
  readonly reply: Reply;
  readonly index: number;
  /** When this thread read it (monotonic ns): interrupts that arrived earlier were not meant for it. */
  readonly receivedAt: bigint;
}

/** A running kernel bound to the ports of a connection file. */
export class Kernel {
  private readonly transport: Transport;
  readonly comms = new CommRegistry();
  private readonly notebook: Notebook;
  private readonly router: OutputRouter<Partial<Header>>;
  private readonly log: (s: string) => void;
  private executionCount = 0;
  private readonly history: HistoryEntry[] = [];
  private readonly queue: Queued[] = [];
  private received = 0;
  private abortBefore = -1;
  private wakeExecutor: (() => void) | undefined;
  private queueGrew: Array<() => void> = [];
  /** The request whose cell is being compiled (an interrupt then stops the cell before it starts). */
  private compiling = false;
  /**
   * When the current (or last) execute request was read (monotonic ns): an interrupt that arrived before it is stale
   * (it was meant for what ran then; a client that interrupts, gets its reply and sends a cell must not see a late
   * signal stop that cell). ipykernel behaves the same way: SIGINT is ignored while it is idle.
   */
  private currentRequestAt = 0n;
  /** Interrupt requests the watchdog thread delivered whose control message has yet to be handled (not twice). */
  private controlInterruptsDelivered = 0;
  private closed = false;
  private readonly widgets: KernelWidgets;
  /** The message being handled last (an execute request, or a comm message): where kernel-side messages go. */
  private currentParent: Partial<Header> = {};
  /** The transport was started before the kernel was made (see the constructor). */
  private started = false;
  private stopCapture: (() => void) | undefined;

  /**
   * A kernel on `info`'s ports, or on an already started `transport` (kernel/main.ts starts the sockets first, so a
   * client's kernel_info is answered while the notebook machinery loads).
   */
  constructor(info: ConnectionInfo | Transport, opts: { cwd?: string; log?: (s: string) => void; session?: NotebookSession } = {}) {
    const stderrWrite = process.stderr.write.bind(process.stderr);
    this.log = opts.log ?? ((s: string) => void stderrWrite(`[nasbook kernel] ${s}\n`));
    const handlers = {
      onMessage: (msg: JupyterMessage, reply: Reply, channel: "shell" | "control") => this.onMessage(msg, reply, channel),
      onInterrupt: (at: bigint, viaControl: boolean) => {
        if (viaControl) this.controlInterruptsDelivered++;
        this.interrupt(at);
      },
      log: this.log,
    };
    if (info instanceof Transport) {
      this.transport = info;
      this.transport.setHandlers(handlers);
      this.started = true;
    } else {
      this.transport = new Transport(info, handlers);
    }
    this.router = new OutputRouter<Partial<Header>>((op) => void this.send(op), (f) => setImmediate(f));
    const session = opts.session;
    // Controls are widgets: their comms open under the request that shows them, then follow the frontend's messages.
    this.widgets = new KernelWidgets(
      this.comms,
      (t, content, metadata) => this.transport.publish(t, content, this.currentParent, metadata),
      async () => {
        await this.notebook.whenSettled();
        this.router.flush(); // what the move changed goes out before the comm message's idle
      },
      this.log,
    );
    this.notebook = new Notebook({
      cwd: opts.cwd,
      outputs: this.router,
      interruptRequested: () => interruptRequestedSince(this.currentRequestAt),
      render: (value, cellId) => this.widgets.render(value, cellId),
      ...(session ? { bindLibrary: (lib: Record<string, unknown>) => session.bind(lib) } : {}),
    });
    this.comms.register("nasbook.graph", graphTarget(this.notebook));
  }

  private send(op: OutputOp<Partial<Header>>): Promise<void> {
    switch (op.op) {
      case "stream":
        return this.transport.publish("stream", { name: op.name, text: op.text }, op.parent);
      case "display":
        return this.transport.publish("display_data", { data: op.bundle, metadata: {}, transient: op.displayId ? { display_id: op.displayId } : {} }, op.parent);
      case "result":
        return this.transport.publish("execute_result", { execution_count: op.count, data: op.bundle, metadata: {} }, op.parent);
      case "update":
        return this.transport.publish("update_display_data", { data: op.bundle, metadata: {}, transient: { display_id: op.displayId } }, op.parent);
      case "clear":
        return this.transport.publish("clear_output", { wait: op.wait }, op.parent);
    }
  }

  /** Binds the sockets and serves until shutdown. */
  async start(): Promise<void> {
    if (!this.started) await this.transport.start();
    // What library code prints goes to the cell running it; background errors to their cell; process.exit refused.
    this.stopCapture = captureProcessOutput(this.notebook.runningCells, {
      print: (cellId, name, text) => this.router.stream(cellId !== undefined && this.notebook.cell(cellId) ? cellId : undefined, name, text),
      label: (id) => this.notebook.label(id),
    });
    void this.runExecutor();
    if (!this.started) await this.transport.publish("status", { execution_state: "starting" }, {});
  }

  /** Handles a message that arrived before the kernel was made (kernel/main.ts queued it). */
  receive(msg: JupyterMessage, reply: Reply, channel: "shell" | "control"): void {
    this.onMessage(msg, reply, channel);
  }

  /**
   * Stops running cells; an interrupt during compilation stops the cell before it starts. An interrupt that arrived
   * (`at`) before the current execute request was read is dropped (see currentRequestAt).
   */
  private interrupt(at: bigint): void {
    if (at < this.currentRequestAt) {
      clearInterruptFlagRaisedBy(at);
      this.log("an interrupt that arrived before the running request was dropped");
      return;
    }
    const hit = this.notebook.interrupt();
    // Loop guards saw the flag while this thread was busy; from now on the aborted signals stop the cells.
    clearInterruptFlag();
    if (!hit && this.compiling) this.notebook.interruptNextRun();
  }

  private onMessage(msg: JupyterMessage, reply: Reply, channel: "shell" | "control"): void {
    if (msg.header.msg_type === "execute_request") {
      this.queue.push({ msg, reply, index: ++this.received, receivedAt: process.hrtime.bigint() });
      for (const grew of this.queueGrew.splice(0)) grew();
      this.wakeExecutor?.();
      return;
    }
    void this.dispatch(msg, reply, channel);
  }

  /** Requests other than execute are answered at once, even while an execution waits for streams. */
  private async dispatch(msg: JupyterMessage, reply: Reply, channel: string): Promise<void> {
    const publish = (t: string, content: Record<string, unknown>) => this.transport.publish(t, content, msg.header);
    await publish("status", { execution_state: "busy" });
    const ctx: RequestContext = {
      notebook: this.notebook,
      comms: this.comms,
      history: this.history,
      publish,
      interrupt: () => {
        // The watchdog thread already delivered this interrupt_request (stamped when it arrived).
        if (this.controlInterruptsDelivered > 0) this.controlInterruptsDelivered--;
        else this.interrupt(process.hrtime.bigint());
      },
      shutdown: async () => {
        setTimeout(() => void this.close().then(() => process.exit(0)), 50);
      },
      log: this.log,
    };
    try {
      if (msg.header.msg_type.startsWith("comm_")) {
        this.router.handling(msg.header);
        this.currentParent = msg.header;
      }
      await handleRequest(msg, reply, channel, ctx);
    } finally {
      await publish("status", { execution_state: "idle" });
    }
  }

  private async runExecutor(): Promise<void> {
    while (!this.closed) {
      const next = this.queue.shift();
      if (!next) {
        await new Promise<void>((r) => (this.wakeExecutor = r));
        this.wakeExecutor = undefined;
        continue;
      }
      try {
        await this.execute(next);
      } catch (err) {
        this.log(`execute failed: ${String(err)}`);
      } finally {
        this.compiling = false;
      }
    }
  }

  /** Resolves when the queue is not empty (now or later). */
  private queued(): Promise<void> {
    if (this.queue.length) return Promise.resolve();
    return new Promise((r) => this.queueGrew.push(r));
  }

  /**
   * Resolves when the waiting request should be answered before everything settled: a request is queued and what
   * remains is streams, or the queued request would invalidate the work in progress (see the file comment).
   */
  private async giveWay(executing: () => string | undefined, finished: () => boolean): Promise<void> {
    for (;;) {
      if (finished()) return new Promise(() => undefined);
      if (!this.queue.length) {
        await this.queued();
        continue;
      }
      if (this.notebook.onlyStreaming(executing())) return;
      const next = this.queue[0]!;
      const code = next.msg.content["code"];
      const nextId = next.msg.metadata["cellId"];
      if (typeof code === "string" && code.trim() !== "" && this.notebook.invalidatesRunning(code, typeof nextId === "string" ? nextId : undefined)) return;
      await this.notebook.changed();
    }
  }

  private async execute({ msg, reply, index, receivedAt }: Queued): Promise<void> {
    this.currentRequestAt = receivedAt;
    const c = msg.content;
    const parent = msg.header;
    this.currentParent = parent;
    const publish = (t: string, content: Record<string, unknown>) => this.transport.publish(t, content, parent);
    await publish("status", { execution_state: "busy" });
    if (typeof c["code"] !== "string") {
      // The spec's `code` is a string; running String(x) of something else would run code nobody wrote.
      const evalue = `execute_request.content.code must be a string, got ${c["code"] === null ? "null" : typeof c["code"]}`;
      await reply("execute_reply", { status: "error", execution_count: this.executionCount, ename: "InvalidRequest", evalue, traceback: [`InvalidRequest: ${evalue}`] });
      await publish("status", { execution_state: "idle" });
      return;
    }
    const code = c["code"];
    const silent = c["silent"] === true;
    const storeHistory = silent ? false : c["store_history"] !== false;
    const stopOnError = c["stop_on_error"] !== false;
    if (index <= this.abortBefore) {
      // stop_on_error: requests queued before an error are aborted, as in ipykernel.
      await reply("execute_reply", { status: "aborted", execution_count: this.executionCount });
      await publish("status", { execution_state: "idle" });
      return;
    }
    // Only executions stored in the history are counted (spec: store_history false neither stores nor counts).
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) await publish("execute_input", { code, execution_count: count });
    const meta = msg.metadata;
    const deleted = Array.isArray(meta["deletedCells"]) ? meta["deletedCells"].filter((d): d is string => typeof d === "string") : [];
    let finished = false;
    let cellId: string | undefined;
    const until = (): Promise<void> => this.giveWay(() => cellId, () => finished);
    this.compiling = true;
    // Everything this request changes (deletions included) goes out under it.
    if (code.trim() !== "") cellId = typeof meta["cellId"] === "string" ? meta["cellId"] : this.notebook.identify(code);
    this.router.begin({ ref: parent, cellId, count, silent });
    if (deleted.length) await this.notebook.delete(deleted, { until: until() });
    let outcome;
    if (cellId !== undefined) outcome = await this.notebook.execute(code, { cellId, until });
    this.compiling = false;
    finished = true;
    this.notebook.cancelPendingInterrupt();
    this.router.end();
    if (storeHistory) this.history.push({ line: count, input: code, output: null });
    if (outcome?.status === "error" && outcome.error) {
      const { ename, evalue, traceback } = outcome.error;
      // Aborted are the requests that were queued when this one failed: take the mark before replying, so a client
      // that answers the reply at once (runs the cell again) does not see its new request aborted.
      if (stopOnError) {
        await this.readWaitingRequests();
        this.abortBefore = this.received;
      }
      // A cell whose output is its composite display shows the error there (where a later fix heals it).
      if (!silent && !this.router.isComposite(cellId!)) await publish("error", { ename, evalue, traceback });
      await reply("execute_reply", { status: "error", execution_count: count, ename, evalue, traceback });
    } else {
      let userExpressions: Record<string, unknown> = {};
      if (c["user_expressions"] && typeof c["user_expressions"] === "object") {
        try {
          userExpressions = await evaluateUserExpressions(c["user_expressions"], this.notebook.expressionScope(), this.notebook.expressionHost());
        } catch (err) {
          userExpressions = { error: { status: "error", ...reportError(err) } };
        }
      }
      await reply("execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: userExpressions });
    }
    await publish("status", { execution_state: "idle" });
  }

  /**
   * Lets the event loop read the requests already waiting on the sockets (as ipykernel flushes its shell stream
   * before aborting): a cell that fails in a synchronous loop kept this thread from reading the requests a client
   * sent after it, and under stop_on_error those must be aborted too. Turns until two pass with nothing new.
   */
  private async readWaitingRequests(): Promise<void> {
    for (let quiet = 0, turns = 0; quiet < 2 && turns < 100; turns++) {
      const before = this.received;
      await new Promise<void>((r) => setImmediate(r));
      quiet = this.received === before ? quiet + 1 : 0;
    }
  }

  /** Closes the sockets and stops the notebook. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCapture?.();
    this.widgets.dispose();
    this.notebook.dispose();
    this.wakeExecutor?.();
    await this.transport.close();
  }
}

/** Reads a Jupyter connection file. */
export function readConnectionFile(path: string): ConnectionInfo {
  return JSON.parse(readFileSync(path, "utf8")) as ConnectionInfo;
}
