/**
 * The nasbook Jupyter kernel: a thin protocol adapter (messaging spec 5.3 over ZeroMQ) over the reactive
 * notebook layer in src/notebook.
 *
 * Output routing is the interesting part. Every cell owns a display (display_id `nasbook-<cell>`). The executed
 * cell's value goes out as `execute_result` when it can never change later (no inputs from other cells, not a
 * stream), otherwise as `display_data` with the display id (JupyterLab and Notebook 6 only update display_data
 * outputs in place). Re-runs caused by the execution — dependents, streams — go out as `update_display_data`
 * under the CURRENT request, and the reply and `idle` are sent only after the affected subgraph has settled:
 * nbclient drops output that arrives after `idle` or under an older parent. A new execute_request preempts the
 * wait (so a long search keeps streaming while the user edits an upstream cell, which then stops it).
 */
import { readFileSync } from "node:fs";
import * as zmq from "zeromq";
import { Notebook, type DisplayEvent } from "../src/notebook/notebook.js";
import { catchCellFaults, describeFault, type BackgroundFault } from "../src/notebook/cellFaults.js";
import { clearInterruptFlag, interruptFlagBuffer } from "../src/notebook/interruptFlag.js";
import { evaluateUserExpressions } from "../src/notebook/userExpressions.js";
import { CommRegistry, graphTarget } from "./comms.js";
import { Watchdog } from "./watchdog.js";
import type { MimeBundle } from "../src/notebook/mime.js";
import { decode, encodeText, protocolVersion, Signer, WireError, type Header, type JupyterMessage } from "./wire.js";

/** The connection file Jupyter writes for a kernel. */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

type Reply = (msgType: string, content: Record<string, unknown>) => Promise<void>;

/** Frames as sent: JSON frames stay strings (see encodeText), identities are Buffers. */
type Frames = (Buffer | string)[];

/**
 * Sends on a ZeroMQ socket one message at a time (zeromq 6 rejects concurrent sends on a socket), in the order given.
 * `later` messages (updates, streams) sent during one turn of the event loop go out together on the next
 * (setImmediate): a chain of dependents re-running publishes one update each, and sending them back to back costs
 * ZeroMQ about a third of sending each as it comes (its I/O thread is woken once per burst, not once per message).
 * Any other message first sends what is queued, then itself, at once: the request's own messages (status, reply)
 * wait for no turn. The promise resolves once the message is handed to ZeroMQ, so awaiting it orders messages
 * across sockets.
 */
class SerialSender {
  private tail: Promise<void> = Promise.resolve();
  private readonly queue: Array<{ frames: Frames; sent: () => void }> = [];
  private flushScheduled = false;
  constructor(
    private readonly socket: { send(frames: Frames): Promise<void> },
    private readonly log: (s: string) => void,
  ) {}

  send(frames: Frames, later = false): Promise<void> {
    if (!later) {
      this.flush();
      return this.sendNow(frames);
    }
    return new Promise((sent) => {
      this.queue.push({ frames, sent });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    });
  }

  private sendNow(frames: Frames): Promise<void> {
    this.tail = this.tail.then(() => this.socket.send(frames)).catch((err: unknown) => this.log(`send failed: ${String(err)}`));
    return this.tail;
  }

  private flush(): void {
    for (const { frames, sent } of this.queue.splice(0)) void this.sendNow(frames).then(sent);
  }
}

/** iopub messages that may wait for the end of the event-loop turn, to go out with the others of that turn. */
const batched = new Set(["update_display_data", "stream"]);

const displayId = (cellId: string): string => `nasbook-${cellId}`;

interface HistoryEntry {
  line: number;
  input: string;
  output: string | null;
}

/** A running kernel bound to the ports of a connection file. */
export class Kernel {
  readonly session = crypto.randomUUID();
  private readonly signer: Signer;
  private readonly shell = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  /** Served by the watchdog thread; in the main thread only when that thread cannot start. */
  private control: zmq.Router | undefined;
  private heartbeat: zmq.Reply | undefined;
  private watchdog: Watchdog | undefined;
  private readonly iopubSender: SerialSender;
  private readonly shellSender: SerialSender;
  private controlSender!: SerialSender;
  /** The request that last executed each cell: background errors of a cell go there when nothing executes. */
  private readonly lastRequestOf = new Map<string, Partial<Header>>();
  /** Cells whose display is no longer `nasbook-<cell>`: replaced by code sent without a cell id (see execute). */
  private readonly displayIds = new Map<string, string>();
  private uninstallFaults: (() => void) | undefined;
  /** Comm targets (comm_open/comm_msg/comm_close); see comms.ts. */
  readonly comms = new CommRegistry();
  private readonly notebook: Notebook;
  private readonly log: (s: string) => void;
  private executionCount = 0;
  private readonly history: HistoryEntry[] = [];
  private readonly executeQueue: Array<{ msg: JupyterMessage; reply: Reply }> = [];
  private executing = false;
  /**
   * True from the start of an execution until its cell has run (not while its reply and idle are being sent): an
   * interrupt in that time that finds no running cell stops the cell before it starts.
   */
  private inNotebook = false;
  private wakeExecutor: (() => void) | undefined;
  private queueGrew: (() => void) | undefined;
  private parent: Partial<Header> = {};
  private current: { cellId: string | undefined; shown: boolean; silent: boolean; count: number; firstOutput: string | null } | undefined;
  private readonly shownDisplays = new Set<string>();
  private abortBefore = -1;
  private received = 0;
  private closed = false;
  private readonly restoreStreams: () => void;

  constructor(private readonly info: ConnectionInfo, opts: { cwd?: string; log?: (s: string) => void } = {}) {
    const stderrWrite = process.stderr.write.bind(process.stderr);
    this.log = opts.log ?? ((s: string) => void stderrWrite(`[nasbook kernel] ${s}\n`));
    this.signer = new Signer(info.key, info.signature_scheme || "hmac-sha256");
    this.iopubSender = new SerialSender(this.iopub, this.log);
    this.shellSender = new SerialSender(this.shell, this.log);
    this.notebook = new Notebook({
      cwd: opts.cwd,
      onDisplay: (e) => this.onDisplay(e),
      onExtraDisplay: (cellId, bundle) => {
        if (!this.current?.silent) void this.publish("display_data", { data: bundle, metadata: {}, transient: {} });
      },
      // Only the executing cell's output area can be cleared: clear_output acts on the request's cell.
      onClearOutput: (cellId, wait) => {
        if (this.current && this.current.cellId === cellId && !this.current.silent) void this.publish("clear_output", { wait });
      },
    });
    this.restoreStreams = this.captureStreams();
    this.comms.register("nasbook.graph", graphTarget(this.notebook));
  }

  private address(port: number): string {
    const sep = this.info.transport === "ipc" ? "-" : ":";
    return `${this.info.transport}://${this.info.ip}${sep}${port}`;
  }

  /** Binds the sockets and serves until shutdown. */
  async start(): Promise<void> {
    await Promise.all([
      this.shell.bind(this.address(this.info.shell_port)),
      this.stdin.bind(this.address(this.info.stdin_port)),
      this.iopub.bind(this.address(this.info.iopub_port)),
    ]);
    // User code must not end the process: background errors are reported on their cell, process.exit refused.
    this.uninstallFaults = catchCellFaults(() => this.notebook.activeCellId(), (f) => this.onFault(f));
    await this.startWatchdog();
    void this.serve(this.shell, this.shellSender, "shell");
    void this.runExecutor();
    await this.publish("status", { execution_state: "starting" }, {});
  }

  /**
   * Heartbeat, control channel and SIGINT go to the watchdog thread (watchdog.ts), so a busy cell neither looks
   * dead nor ignores interrupts. Without that thread (it failed to start) the main thread serves them.
   */
  private async startWatchdog(): Promise<void> {
    try {
      const dog = await Watchdog.start(
        { heartbeat: this.address(this.info.hb_port), control: this.address(this.info.control_port), key: this.info.key, scheme: this.info.signature_scheme || "hmac-sha256", interruptFlag: interruptFlagBuffer },
        {
          onControl: (frames) => this.receive(frames, this.controlSender, "control"),
          onInterrupt: () => this.interrupt(),
          log: this.log,
        },
      );
      this.watchdog = dog;
      this.controlSender = new SerialSender({ send: (frames) => dog.sendControl(frames.map((f) => (typeof f === "string" ? Buffer.from(f) : f))) }, this.log);
      dog.catchSigint();
    } catch (err) {
      this.log(`serving heartbeat and control on the main thread (${String(err)}): a busy cell then delays them`);
      const control = (this.control = new zmq.Router());
      const heartbeat = (this.heartbeat = new zmq.Reply());
      await Promise.all([control.bind(this.address(this.info.control_port)), heartbeat.bind(this.address(this.info.hb_port))]);
      this.controlSender = new SerialSender(control, this.log);
      process.on("SIGINT", () => this.interrupt());
      void this.serveHeartbeat(heartbeat);
      void this.serve(control, this.controlSender, "control");
    }
  }

  /** Stops running cells; an interrupt during compilation or type-checking stops the cell before it starts. */
  private interrupt(): void {
    const hit = this.notebook.interrupt();
    // Loop guards saw the flag while this thread was busy; from now on the aborted signals stop the cells.
    clearInterruptFlag();
    // Only for the cell being compiled now: an interrupt arriving while a finished request's reply and idle are
    // still being sent must not stop the next request's cell.
    if (!hit && this.inNotebook) this.notebook.interruptNextRun();
  }

  /** Reports a cell's background error on that cell: under the executing request, else the cell's last one. */
  private onFault(fault: BackgroundFault): void {
    const parent = this.executing || fault.cellId === undefined ? this.parent : (this.lastRequestOf.get(fault.cellId) ?? this.parent);
    void this.publish("stream", { name: "stderr", text: describeFault(fault) }, parent);
  }

  private async serveHeartbeat(heartbeat: zmq.Reply): Promise<void> {
    try {
      for await (const frames of heartbeat) await heartbeat.send(frames);
    } catch (err) {
      if (!this.closed) this.log(`heartbeat stopped: ${String(err)}`);
    }
  }

  private async serve(socket: zmq.Router, sender: SerialSender, channel: string): Promise<void> {
    try {
      for await (const frames of socket) this.receive(frames as Buffer[], sender, channel);
    } catch (err) {
      if (!this.closed) this.log(`${channel} stopped: ${String(err)}`);
    }
  }

  private receive(frames: Buffer[], sender: SerialSender, channel: string): void {
    let msg: JupyterMessage;
    try {
      msg = decode(frames, this.signer);
    } catch (err) {
      // Rejected and logged; the kernel keeps serving (fuzzed or forged input must not kill it).
      this.log(`rejected a ${channel} message: ${err instanceof WireError ? err.message : String(err)}`);
      return;
    }
    const reply: Reply = (msgType, content) =>
      sender.send(encodeText(this.signer, this.session, msgType, content, msg.header, msg.identities));
    this.dispatch(msg, reply, channel).catch((err: unknown) => this.log(`handler for ${msg.header.msg_type} failed: ${String(err)}`));
  }

  private publish(msgType: string, content: Record<string, unknown>, parent: Partial<Header> = this.parent): Promise<void> {
    return this.iopubSender.send(encodeText(this.signer, this.session, msgType, content, parent), batched.has(msgType));
  }

  /** Requests other than execute are answered at once, even while an execution waits for streams. */
  private async dispatch(msg: JupyterMessage, reply: Reply, channel: string): Promise<void> {
    const type = msg.header.msg_type;
    if (type === "execute_request") {
      this.executeQueue.push({ msg, reply });
      this.received++;
      this.queueGrew?.();
      this.wakeExecutor?.();
      return;
    }
    const busy = (): Promise<void> => this.publish("status", { execution_state: "busy" }, msg.header);
    const idle = (): Promise<void> => this.publish("status", { execution_state: "idle" }, msg.header);
    await busy();
    try {
      await this.handle(type, msg, reply, channel);
    } finally {
      await idle();
    }
  }

  private async handle(type: string, msg: JupyterMessage, reply: Reply, channel: string): Promise<void> {
    const c = msg.content;
    switch (type) {
      case "kernel_info_request":
        return reply("kernel_info_reply", {
          status: "ok",
          protocol_version: protocolVersion,
          implementation: "nasbook",
          implementation_version: "0.1.0",
          language_info: {
            name: "typescript",
            version: "5.9",
            mimetype: "text/typescript",
            file_extension: ".ts",
            codemirror_mode: { name: "javascript", typescript: true },
            pygments_lexer: "typescript",
            nbconvert_exporter: "script",
          },
          banner: "nasbook: reactive TypeScript notebooks for neural architecture search (the library is `nas`)",
          help_links: [{ text: "nasbook", url: "https://github.com/nasbook/nasbook" }],
          debugger: false,
          // Messaging spec 5.5: optional features this kernel implements (debugger, kernel subshells): none.
          supported_features: [],
        });
      case "complete_request": {
        const code = String(c["code"] ?? "");
        const cursor = utf16Offset(code, Number(c["cursor_pos"] ?? code.length));
        const r = this.notebook.complete(code, cursor);
        return reply("complete_reply", {
          status: "ok",
          matches: r.matches,
          cursor_start: codePointOffset(code, r.start),
          cursor_end: codePointOffset(code, r.end),
          metadata: {},
        });
      }
      case "inspect_request": {
        const code = String(c["code"] ?? "");
        const text = this.notebook.inspect(code, utf16Offset(code, Number(c["cursor_pos"] ?? code.length)));
        return reply("inspect_reply", { status: "ok", found: text !== undefined, data: text ? { "text/plain": text } : {}, metadata: {} });
      }
      case "is_complete_request": {
        const status = this.notebook.isComplete(String(c["code"] ?? ""));
        return reply("is_complete_reply", status === "incomplete" ? { status, indent: "  " } : { status });
      }
      case "history_request":
        return reply("history_reply", { status: "ok", history: this.historyFor(c) });
      case "comm_info_request":
        return reply("comm_info_reply", { status: "ok", comms: this.comms.info(c["target_name"]) });
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        return this.comms.handle(type, c, (t, content) => this.publish(t, content, msg.header));
      case "interrupt_request":
        this.interrupt();
        return reply("interrupt_reply", { status: "ok" });
      case "shutdown_request": {
        const restart = c["restart"] === true;
        await reply("shutdown_reply", { status: "ok", restart });
        await this.publish("shutdown_reply", { status: "ok", restart }, msg.header);
        setTimeout(() => void this.close().then(() => process.exit(0)), 50);
        return;
      }
      default:
        this.log(`ignored unknown ${channel} message type "${type}"`);
        // The spec lets a kernel ignore unknown requests; answering an error reply is friendlier to clients.
        if (type.endsWith("_request")) {
          return reply(type.replace(/_request$/, "_reply"), {
            status: "error",
            ename: "UnknownMessageType",
            evalue: `nasbook does not handle ${type}`,
            traceback: [],
          });
        }
    }
  }

  private historyFor(c: Record<string, unknown>): unknown[] {
    const output = c["output"] === true;
    const row = (h: HistoryEntry): unknown[] => [1, h.line, output ? [h.input, h.output] : h.input];
    const type = c["hist_access_type"];
    let rows = this.history;
    if (type === "range") {
      const start = Number(c["start"] ?? 0);
      const stop = c["stop"] === undefined || c["stop"] === null ? Infinity : Number(c["stop"]);
      rows = rows.filter((h) => h.line >= start && h.line < stop);
    } else if (type === "search") {
      const re = globToRegExp(String(c["pattern"] ?? "*"));
      rows = rows.filter((h) => re.test(h.input));
      if (c["unique"] === true) {
        const seen = new Set<string>();
        rows = [...rows].reverse().filter((h) => !seen.has(h.input) && seen.add(h.input)).reverse();
      }
    }
    const n = Number(c["n"] ?? 0);
    if ((type === "tail" || type === "search") && n > 0) rows = rows.slice(-n);
    return rows.map(row);
  }

  private async runExecutor(): Promise<void> {
    let index = 0;
    while (!this.closed) {
      const next = this.executeQueue.shift();
      if (!next) {
        await new Promise<void>((r) => (this.wakeExecutor = r));
        this.wakeExecutor = undefined;
        continue;
      }
      index++;
      this.executing = true;
      this.inNotebook = true;
      try {
        await this.execute(next.msg, next.reply, index);
      } catch (err) {
        this.log(`execute failed: ${String(err)}`);
      } finally {
        this.executing = false;
        this.inNotebook = false;
      }
    }
  }

  private async execute(msg: JupyterMessage, reply: Reply, index: number): Promise<void> {
    const c = msg.content;
    if (typeof c["code"] !== "string") {
      // The spec's `code` is a string; running String(x) of something else would run code nobody wrote.
      this.inNotebook = false;
      this.parent = msg.header;
      await this.publish("status", { execution_state: "busy" });
      const evalue = `execute_request.content.code must be a string, got ${c["code"] === null ? "null" : typeof c["code"]}`;
      await reply("execute_reply", { status: "error", execution_count: this.executionCount, ename: "InvalidRequest", evalue, traceback: [`InvalidRequest: ${evalue}`] });
      await this.publish("status", { execution_state: "idle" });
      return;
    }
    const code = c["code"];
    const silent = c["silent"] === true;
    const storeHistory = silent ? false : c["store_history"] !== false;
    const stopOnError = c["stop_on_error"] !== false;
    this.parent = msg.header;
    await this.publish("status", { execution_state: "busy" });
    if (index <= this.abortBefore) {
      // stop_on_error: requests queued before an error are aborted, as in ipykernel.
      this.inNotebook = false;
      await reply("execute_reply", { status: "aborted", execution_count: this.executionCount });
      await this.publish("status", { execution_state: "idle" });
      return;
    }
    // Only executions stored in the history are counted (spec: store_history false neither stores nor counts).
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) await this.publish("execute_input", { code, execution_count: count });
    const meta = msg.metadata;
    const cellId = typeof meta["cellId"] === "string" ? meta["cellId"] : undefined;
    const deleted = Array.isArray(meta["deletedCells"]) ? meta["deletedCells"].filter((d): d is string => typeof d === "string") : [];
    // A new request cuts this one's wait short only once what remains is streams (see Notebook.onlyStreaming).
    let finished = false;
    const grew = new Promise<void>((resolve) => (this.queueGrew = resolve));
    const until = grew.then(async () => {
      while (!finished && !this.notebook.onlyStreaming()) await new Promise((r) => setTimeout(r, 20));
    });
    for (const d of deleted) this.displayIds.delete(d);
    if (deleted.length) await this.notebook.delete(deleted, { until });
    let outcome;
    if (code.trim() === "") {
      outcome = undefined;
    } else {
      const target = cellId ?? this.notebook.identify(code);
      if (cellId === undefined && this.notebook.cell(target)) {
        // No cell id (nbconvert, older clients): this code replaces an existing cell's, but it may come from another
        // notebook cell (a later cell redefining `space`). Its outputs get a display of their own, so the earlier
        // cell keeps what its own code produced: a saved notebook shows what each cell's code gave.
        this.displayIds.set(target, `${displayId(target)}-${count}`);
        this.shownDisplays.delete(target);
      }
      this.current = { cellId: target, shown: false, silent, count, firstOutput: null };
      this.lastRequestOf.set(this.current.cellId!, msg.header);
      outcome = await this.notebook.execute(code, { cellId: this.current.cellId, until });
    }
    this.inNotebook = false;
    finished = true;
    this.notebook.cancelPendingInterrupt();
    this.queueGrew = undefined;
    const firstOutput = this.current?.firstOutput ?? null;
    this.current = undefined;
    if (storeHistory) this.history.push({ line: count, input: code, output: firstOutput });
    if (outcome?.status === "error" && outcome.error) {
      const { ename, evalue, traceback } = outcome.error;
      // Aborted are the requests that were queued when this one failed, so take the mark before replying: a client
      // that answers the reply at once (runs the cell again) must not see its new request aborted.
      if (stopOnError) this.abortBefore = this.received;
      if (!silent) await this.publish("error", { ename, evalue, traceback });
      await reply("execute_reply", { status: "error", execution_count: count, ename, evalue, traceback });
    } else {
      const userExpressions = silent && !c["user_expressions"] ? {} : await evaluateUserExpressions(c["user_expressions"], this.notebook.expressionScope());
      await reply("execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: userExpressions });
    }
    await this.publish("status", { execution_state: "idle" });
  }

  private onDisplay(e: DisplayEvent): void {
    const cur = this.current;
    const id = this.displayIds.get(e.cellId) ?? displayId(e.cellId);
    if (cur && cur.cellId === e.cellId) {
      if (cur.silent) return;
      if (e.error && !cur.shown) {
        // Reported as the request's `error` message. A cell reading other cells also gets a display holding the
        // error, so that fixing the upstream cell later heals it in place (update_display_data).
        if (!this.notebook.cell(e.cellId)?.references.length || e.bundle === undefined) return;
        cur.shown = true;
        this.shownDisplays.add(e.cellId);
        void this.publish("display_data", { data: e.bundle, metadata: {}, transient: { display_id: id } });
        return;
      }
      const data: MimeBundle = e.bundle ?? { "text/plain": "" };
      if (!cur.shown) {
        if (e.bundle === undefined) return;
        cur.shown = true;
        cur.firstOutput = typeof data["text/plain"] === "string" ? data["text/plain"] : null;
        this.shownDisplays.add(e.cellId);
        const outcomeFixed = !(this.notebook.cell(e.cellId)?.references.length) && !e.streaming;
        if (outcomeFixed) {
          void this.publish("execute_result", { execution_count: cur.count, data, metadata: {}, transient: { display_id: id } });
        } else {
          void this.publish("display_data", { data, metadata: {}, transient: { display_id: id } });
        }
        return;
      }
      void this.publish("update_display_data", { data, metadata: {}, transient: { display_id: id } });
      return;
    }
    if (this.shownDisplays.has(e.cellId)) {
      void this.publish("update_display_data", { data: e.bundle ?? { "text/plain": "" }, metadata: {}, transient: { display_id: id } });
    }
    // A cell that never displayed shows its error when it is next executed; not as stderr on another cell.
  }

  /** Sends what cells print to stdout/stderr as stream messages under the current request. */
  private captureStreams(): () => void {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const capture = (name: "stdout" | "stderr") =>
      ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        if (!this.current?.silent) void this.publish("stream", { name, text });
        const done = typeof encoding === "function" ? encoding : cb;
        if (typeof done === "function") (done as () => void)();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = capture("stdout");
    process.stderr.write = capture("stderr");
    return () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  /** Closes the sockets and stops the notebook. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.restoreStreams();
    this.uninstallFaults?.();
    this.notebook.dispose();
    this.wakeExecutor?.();
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) s?.close();
    await this.watchdog?.close();
  }
}

/** Reads a Jupyter connection file. */
export function readConnectionFile(path: string): ConnectionInfo {
  return JSON.parse(readFileSync(path, "utf8")) as ConnectionInfo;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "s");
}

// Jupyter counts cursor positions in Unicode code points; JavaScript strings in UTF-16 units.
function utf16Offset(code: string, codePoints: number): number {
  let units = 0;
  let points = 0;
  for (const ch of code) {
    if (points >= codePoints) break;
    units += ch.length;
    points++;
  }
  return units;
}

function codePointOffset(code: string, units: number): number {
  return [...code.slice(0, units)].length;
}
