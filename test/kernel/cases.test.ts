// The table of semantic cases (test/notebook/semanticCases.ts) through the kernel over ZeroMQ, as JupyterLab sends
// them (every step, each cell with its `cellId`, deletions as `deletedCells`) and as nbconvert does (the final
// notebook top to bottom, no cell ids). What each cell shows is what a client saves from the messages: output
// under a request goes to that request's cell, updates go by display id.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KernelClient } from "../../kernel/client.js";
import { Kernel } from "../../kernel/kernel.js";
import type { JupyterMessage } from "../../kernel/wire.js";
import type { CellErrorReport } from "../../src/notebook/cellErrors.js";
import type { MimeBundle } from "../../src/notebook/mime.js";
import { SavedOutputs } from "../../src/notebook/savedOutputs.js";
import { outputText } from "../notebook/harness.js";
import { differences, finalNotebook, semanticCases, type Step } from "../notebook/semanticCases.js";

/** Runs `steps` on a fresh kernel in this process; returns what each cell shows. */
async function throughKernel(steps: readonly Step[], withIds: boolean): Promise<(cellId: string) => string> {
  const info = await KernelClient.connectionInfo();
  const kernel = new Kernel(info, { cwd: mkdtempSync(join(tmpdir(), "nasbook-cases-")), log: () => undefined });
  await kernel.start();
  const client = await KernelClient.connect(info);
  const saved = new SavedOutputs();
  const cellOfRequest = new Map<string, string>();
  let pendingDeletes: string[] = [];
  const apply = (m: JupyterMessage): void => {
    const cell = cellOfRequest.get(String(m.parent_header.msg_id ?? ""));
    const c = m.content;
    const transient = (c["transient"] ?? {}) as { display_id?: string };
    switch (m.header.msg_type) {
      case "stream":
        if (cell) saved.apply({ op: "stream", parent: cell, name: c["name"] as "stdout" | "stderr", text: String(c["text"]) });
        break;
      case "display_data":
        if (cell) saved.apply({ op: "display", parent: cell, bundle: c["data"] as MimeBundle, ...(transient.display_id ? { displayId: transient.display_id } : {}) });
        break;
      case "execute_result":
        if (cell) saved.apply({ op: "result", parent: cell, bundle: c["data"] as MimeBundle, count: Number(c["execution_count"]) });
        break;
      case "update_display_data":
        saved.apply({ op: "update", parent: cell ?? "", bundle: c["data"] as MimeBundle, displayId: String(transient.display_id) });
        break;
      case "clear_output":
        if (cell) saved.apply({ op: "clear", parent: cell, wait: c["wait"] === true });
        break;
      case "error":
        if (cell) saved.error(cell, c as unknown as CellErrorReport);
        break;
    }
  };
  let seen = 0;
  const drain = (): void => {
    for (; seen < client.iopubMessages.length; seen++) apply(client.iopubMessages[seen]!);
  };
  try {
    for (const s of steps) {
      if ("delete" in s) {
        pendingDeletes.push(s.delete);
        continue;
      }
      const metadata: Record<string, unknown> = withIds ? { cellId: s.cell, deletedCells: pendingDeletes } : {};
      pendingDeletes = [];
      drain();
      saved.begin(s.cell); // a client clears the cell's output area when it runs the cell
      const req = client.request("execute_request", { code: s.code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false }, { metadata });
      cellOfRequest.set(req.msgId, s.cell);
      await req;
      await client.untilIdle(req.msgId);
    }
    if (pendingDeletes.length) {
      const req = client.request("execute_request", { code: "", silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: false }, { metadata: { deletedCells: pendingDeletes } });
      await req;
      await client.untilIdle(req.msgId);
    }
    drain();
    return (id) => saved.of(id).map(outputText).join("\n");
  } finally {
    client.disconnect();
    await kernel.close();
  }
}

describe("semantic cases: the kernel with cell ids (JupyterLab), every step", () => {
  it.each(semanticCases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const shown = await throughKernel(c.steps, true);
    const deleted = new Set(c.steps.flatMap((s) => ("delete" in s ? [s.delete] : [])));
    expect(differences({ ...c, expect: Object.fromEntries(Object.entries(c.expect).filter(([id]) => !deleted.has(id))) }, shown)).toEqual([]);
  });
});

describe("semantic cases: the kernel without cell ids (nbconvert), the final notebook", () => {
  it.each(semanticCases.filter((c) => c.linear !== false).map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const shown = await throughKernel(finalNotebook(c).map(({ id, code }) => ({ cell: id, code })), false);
    expect(differences(c, shown)).toEqual([]);
  });
});
