/**
 * The kernel's answers to every request but execute (kernel_info, complete, inspect, is_complete, history, comms,
 * interrupt, shutdown). Answered at once, even while an execution waits for streams. A handler that throws still
 * answers (status "error"): a client never waits forever for a reply.
 */
import type { Notebook } from "../src/notebook/notebook.js";
import { reportError } from "../src/notebook/cellErrors.js";
import type { CommRegistry } from "./comms.js";
import type { Reply } from "./transport.js";
import { protocolVersion, type JupyterMessage } from "./wire.js";

/** One executed input, as history_request lists it. */
export interface HistoryEntry {
  line: number;
  input: string;
  output: string | null;
}

/** What the handlers need from the kernel. */
export interface RequestContext {
  readonly notebook: Notebook;
  readonly comms: CommRegistry;
  readonly history: readonly HistoryEntry[];
  publish(msgType: string, content: Record<string, unknown>): Promise<void>;
  interrupt(): void;
  shutdown(restart: boolean): Promise<void>;
  log(s: string): void;
}

/** The kernel_info_reply content. */
export function kernelInfo(): Record<string, unknown> {
  return {
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
    supported_features: [],
  };
}

/** Answers `msg` (any request but execute_request). */
export async function handleRequest(msg: JupyterMessage, reply: Reply, channel: string, ctx: RequestContext): Promise<void> {
  const type = msg.header.msg_type;
  try {
    await answer(type, msg.content, reply, channel, ctx);
  } catch (err) {
    ctx.log(`handler for ${type} failed: ${String(err)}`);
    if (type.endsWith("_request")) await reply(type.replace(/_request$/, "_reply"), { status: "error", ...reportError(err) });
  }
}

async function answer(type: string, c: Record<string, unknown>, reply: Reply, channel: string, ctx: RequestContext): Promise<void> {
  switch (type) {
    case "kernel_info_request":
      return reply("kernel_info_reply", kernelInfo());
    case "complete_request": {
      const code = String(c["code"] ?? "");
      const cursor = utf16Offset(code, Number(c["cursor_pos"] ?? code.length));
      const r = ctx.notebook.complete(code, cursor);
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
      const text = ctx.notebook.inspect(code, utf16Offset(code, Number(c["cursor_pos"] ?? code.length)));
      return reply("inspect_reply", { status: "ok", found: text !== undefined, data: text ? { "text/plain": text } : {}, metadata: {} });
    }
    case "is_complete_request": {
      const status = ctx.notebook.isComplete(String(c["code"] ?? ""));
      return reply("is_complete_reply", status === "incomplete" ? { status, indent: "  " } : { status });
    }
    case "history_request":
      return reply("history_reply", { status: "ok", history: historyFor(ctx.history, c) });
    case "comm_info_request":
      return reply("comm_info_reply", { status: "ok", comms: ctx.comms.info(c["target_name"]) });
    case "comm_open":
    case "comm_msg":
    case "comm_close":
      return ctx.comms.handle(type, c, (t, content) => ctx.publish(t, content));
    case "interrupt_request":
      ctx.interrupt();
      return reply("interrupt_reply", { status: "ok" });
    case "shutdown_request": {
      const restart = c["restart"] === true;
      await reply("shutdown_reply", { status: "ok", restart });
      await ctx.publish("shutdown_reply", { status: "ok", restart });
      await ctx.shutdown(restart);
      return;
    }
    default:
      ctx.log(`ignored unknown ${channel} message type "${type}"`);
      // The spec lets a kernel ignore unknown requests; an error reply is friendlier to clients.
      if (type.endsWith("_request")) {
        return reply(type.replace(/_request$/, "_reply"), { status: "error", ename: "UnknownMessageType", evalue: `nasbook does not handle ${type}`, traceback: [] });
      }
  }
}

function historyFor(history: readonly HistoryEntry[], c: Record<string, unknown>): unknown[] {
  const output = c["output"] === true;
  const row = (h: HistoryEntry): unknown[] => [1, h.line, output ? [h.input, h.output] : h.input];
  const type = c["hist_access_type"];
  let rows = history;
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
