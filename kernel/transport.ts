/**
 * The kernel's transport: its ZeroMQ sockets (messaging spec 5.3), signing and verification, replay refusal, and
 * ordered sending. The heartbeat and control channel are served by the watchdog thread (watchdog.ts), so a busy cell
 * neither looks dead nor ignores interrupts; without that thread the main thread serves them.
 */
import * as zmq from "zeromq";
import { interruptFlagBuffer } from "./interruptFlag.js";
import { Watchdog } from "./watchdog.js";
import { decode, encodeText, Signer, WireError, type Header, type JupyterMessage } from "./wire.js";

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

/** Sends a reply to a request on the channel it came from. */
export type Reply = (msgType: string, content: Record<string, unknown>) => Promise<void>;

/** Frames as sent: JSON frames stay strings (see encodeText), identities are Buffers. */
type Frames = (Buffer | string)[];

/**
 * Sends on a ZeroMQ socket one message at a time (zeromq 6 rejects concurrent sends on a socket), in the order
 * given. `later` messages (updates, streams) of one event-loop turn go out together on the next turn: a chain of
 * dependents re-running publishes one update each, and sending them as a burst costs ZeroMQ about a third. Any other
 * message first sends what is queued, then itself, at once. The promise resolves once ZeroMQ has the message.
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

/** How many signatures of received messages are remembered to refuse replays (ipykernel keeps 2^16). */
const digestHistory = 1 << 16;

export interface TransportHandlers {
  /** A verified message arrived on `channel`; `reply` answers it on the same channel. */
  onMessage(msg: JupyterMessage, reply: Reply, channel: "shell" | "control"): void;
  /**
   * An interrupt arrived (interrupt_request or SIGINT), seen first by the watchdog thread, at `at`
   * (process.hrtime.bigint()); `viaControl` when it was an interrupt_request, which follows on the control channel.
   */
  onInterrupt(at: bigint, viaControl: boolean): void;
  log(s: string): void;
}

/** The kernel's sockets (see the file comment). */
export class Transport {
  readonly session = crypto.randomUUID();
  readonly signer: Signer;
  private readonly shell = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  private control: zmq.Router | undefined;
  private heartbeat: zmq.Reply | undefined;
  private watchdog: Watchdog | undefined;
  private readonly iopubSender: SerialSender;
  private readonly shellSender: SerialSender;
  private controlSender!: SerialSender;
  /** Signatures of the messages received, oldest first: a replayed signed message is refused (as ipykernel does). */
  private readonly seen = new Set<string>();
  private closed = false;

  constructor(private readonly info: ConnectionInfo, private handlers: TransportHandlers) {
    this.signer = new Signer(info.key, info.signature_scheme || "hmac-sha256");
    this.iopubSender = new SerialSender(this.iopub, handlers.log);
    this.shellSender = new SerialSender(this.shell, handlers.log);
  }

  private address(port: number): string {
    const sep = this.info.transport === "ipc" ? "-" : ":";
    return `${this.info.transport}://${this.info.ip}${sep}${port}`;
  }

  /** Who handles messages from now on (the kernel, once it has loaded, takes over from the start-up handlers). */
  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  /** Binds the sockets and serves the shell channel at once; heartbeat and control follow on the watchdog thread. */
  async start(): Promise<void> {
    await Promise.all([
      this.shell.bind(this.address(this.info.shell_port)),
      this.stdin.bind(this.address(this.info.stdin_port)),
      this.iopub.bind(this.address(this.info.iopub_port)),
    ]);
    void this.serve(this.shell, this.shellSender, "shell");
    await this.startWatchdog();
  }

  private async startWatchdog(): Promise<void> {
    try {
      const dog = await Watchdog.start(
        { heartbeat: this.address(this.info.hb_port), control: this.address(this.info.control_port), key: this.info.key, scheme: this.info.signature_scheme || "hmac-sha256", interruptFlag: interruptFlagBuffer },
        {
          onControl: (frames) => this.receive(frames, this.controlSender, "control"),
          onInterrupt: (source, at) => this.handlers.onInterrupt(at, source === "interrupt_request"),
          log: this.handlers.log,
        },
      );
      this.watchdog = dog;
      this.controlSender = new SerialSender({ send: (frames) => dog.sendControl(frames.map((f) => (typeof f === "string" ? Buffer.from(f) : f))) }, this.handlers.log);
      dog.catchSigint();
    } catch (err) {
      this.handlers.log(`serving heartbeat and control on the main thread (${String(err)}): a busy cell then delays them`);
      const control = (this.control = new zmq.Router());
      const heartbeat = (this.heartbeat = new zmq.Reply());
      await Promise.all([control.bind(this.address(this.info.control_port)), heartbeat.bind(this.address(this.info.hb_port))]);
      this.controlSender = new SerialSender(control, this.handlers.log);
      process.on("SIGINT", () => this.handlers.onInterrupt(process.hrtime.bigint(), false));
      void this.serveHeartbeat(heartbeat);
      void this.serve(control, this.controlSender, "control");
    }
  }

  private async serveHeartbeat(heartbeat: zmq.Reply): Promise<void> {
    try {
      for await (const frames of heartbeat) await heartbeat.send(frames);
    } catch (err) {
      if (!this.closed) this.handlers.log(`heartbeat stopped: ${String(err)}`);
    }
  }

  private async serve(socket: zmq.Router, sender: SerialSender, channel: "shell" | "control"): Promise<void> {
    try {
      for await (const frames of socket) this.receive(frames as Buffer[], sender, channel);
    } catch (err) {
      if (!this.closed) this.handlers.log(`${channel} stopped: ${String(err)}`);
    }
  }

  private receive(frames: Buffer[], sender: SerialSender, channel: "shell" | "control"): void {
    let msg: JupyterMessage;
    try {
      msg = decode(frames, this.signer);
    } catch (err) {
      // Rejected and logged; the kernel keeps serving (fuzzed or forged input must not kill it).
      this.handlers.log(`rejected a ${channel} message: ${err instanceof WireError ? err.message : String(err)}`);
      return;
    }
    if (this.info.key) {
      const signature = frames[frames.findIndex((f) => f.toString("utf8") === "<IDS|MSG>") + 1]!.toString("utf8");
      if (this.seen.has(signature)) {
        this.handlers.log(`refused a replayed ${channel} message (${msg.header.msg_type} ${msg.header.msg_id}): its signature was seen before`);
        return;
      }
      this.seen.add(signature);
      if (this.seen.size > digestHistory) this.seen.delete(this.seen.values().next().value!);
    }
    const reply: Reply = (msgType, content) => sender.send(encodeText(this.signer, this.session, msgType, content, msg.header, msg.identities));
    this.handlers.onMessage(msg, reply, channel);
  }

  /** Publishes on iopub under `parent`. Updates and streams of one event-loop turn go out together. */
  publish(msgType: string, content: Record<string, unknown>, parent: Partial<Header>, metadata: Record<string, unknown> = {}): Promise<void> {
    return this.iopubSender.send(encodeText(this.signer, this.session, msgType, content, parent, [], metadata), batched.has(msgType));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) s?.close();
    await this.watchdog?.close();
  }
}
