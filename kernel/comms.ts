/**
 * Jupyter comms (messaging spec, "Custom messages"): targets the kernel registers, the comms frontends open on
 * them, and closing a comm whose target is unknown (so the frontend does not wait for an answer that never comes).
 *
 * Built in: `nasbook.graph`, which answers `{ request: "graph" }` (and the comm's opening) with the notebook's
 * cell graph — each cell's id, the names it defines and reads — for frontends that draw the dataflow.
 */
import type { Notebook } from "../src/notebook/notebook.js";

/** One open comm, as its target's handler sees it. */
export interface Comm {
  readonly id: string;
  readonly target: string;
  /** Sends comm_msg data to the frontend. */
  send(data: Record<string, unknown>): Promise<void>;
}

/** What a comm target does with its comms. */
export interface CommTarget {
  open?(comm: Comm, data: Record<string, unknown>): void | Promise<void>;
  message?(comm: Comm, data: Record<string, unknown>): void | Promise<void>;
  close?(comm: Comm, data: Record<string, unknown>): void;
}

/** Publishes on iopub; `metadata` goes in the message's metadata (the widget protocol puts its version there). */
type Publish = (msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>) => Promise<void>;

/** The kernel's comm targets and open comms. */
export class CommRegistry {
  private readonly targets = new Map<string, CommTarget>();
  private readonly open = new Map<string, Comm & { publish: Publish }>();

  /** Registers (or replaces) a target. */
  register(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  /** comm_info_reply's `comms`: every open comm, or those of `targetName`. */
  info(targetName?: unknown): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const c of this.open.values()) if (typeof targetName !== "string" || targetName === c.target) comms[c.id] = { target_name: c.target };
    return comms;
  }

  /**
   * Opens a comm from the kernel's side (a widget's model): sends comm_open on `target` with `data` and message
   * `metadata`; messages the frontend sends on it go to the target's `message`.
   */
  async openFromKernel(id: string, target: string, data: Record<string, unknown>, publish: Publish, metadata: Record<string, unknown> = {}): Promise<Comm> {
    const comm: Comm & { publish: Publish } = { id, target, publish, send: (d) => comm.publish("comm_msg", { comm_id: id, data: d }) };
    this.open.set(id, comm);
    await publish("comm_open", { comm_id: id, target_name: target, data }, metadata);
    return comm;
  }

  /** Closes a comm the kernel opened (comm_close to the frontend). */
  async closeFromKernel(id: string, publish: Publish): Promise<void> {
    if (!this.open.delete(id)) return;
    await publish("comm_close", { comm_id: id, data: {} });
  }

  /** The comm with this id, if open. */
  get(id: string): Comm | undefined {
    return this.open.get(id);
  }

  /** Handles comm_open, comm_msg and comm_close; `publish` sends on iopub under the incoming message. */
  async handle(type: string, content: Record<string, unknown>, publish: Publish): Promise<void> {
    const id = typeof content["comm_id"] === "string" ? content["comm_id"] : "";
    const data = (content["data"] ?? {}) as Record<string, unknown>;
    if (type === "comm_open") {
      const targetName = String(content["target_name"] ?? "");
      const target = this.targets.get(targetName);
      if (!target || !id) {
        // Unknown target: the spec asks the kernel to close the comm right away.
        await publish("comm_close", { comm_id: id, data: {} });
        return;
      }
      // Messages a comm sends go under the message being handled (the latest one), as clients expect.
      const comm: Comm & { publish: Publish } = { id, target: targetName, publish, send: (d) => comm.publish("comm_msg", { comm_id: id, data: d }) };
      this.open.set(id, comm);
      await target.open?.(comm, data);
      return;
    }
    const comm = this.open.get(id);
    if (!comm) return; // a comm we never opened (or already closed): nothing to do, per the spec
    comm.publish = publish;
    const target = this.targets.get(comm.target);
    if (type === "comm_msg") await target?.message?.(comm, data);
    else if (type === "comm_close") {
      this.open.delete(id);
      target?.close?.(comm, data);
    }
  }
}

/** The `nasbook.graph` target: sends the cell graph on open and on `{ request: "graph" }`. */
export function graphTarget(notebook: Notebook): CommTarget {
  const send = (comm: Comm): Promise<void> =>
    comm.send({
      cells: notebook.cellIds().map((id) => {
        const c = notebook.cell(id)!;
        return { id, defines: [...c.defines], references: [...c.references] };
      }),
    });
  return {
    open: (comm) => send(comm),
    message: (comm, data) => (data["request"] === "graph" ? send(comm) : comm.send({ error: `unknown request ${JSON.stringify(data["request"])}; send { request: "graph" }` })),
  };
}
