// Executes a notebook with `jupyter nbconvert --execute` on our kernel (no cell ids): a later cell taking the
// search space over with `// @redefine space` updates the saved outputs of the cells that depend on it
// (update_display_data under the current request); without the directive, the second definition is an error
// naming the first cell, as in JupyterLab.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installTestKernel } from "./jupyterHelpers.js";

const hasJupyter = existsSync("/usr/bin/jupyter") && spawnSync("/usr/bin/jupyter", ["nbconvert", "--version"], { stdio: "ignore" }).status === 0;

const code = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });

interface Output { output_type: string; data?: Record<string, string>; text?: string; ename?: string }
interface Cell { outputs: Output[]; execution_count: number | null }

describe("nbconvert --execute", () => {
  it.skipIf(!hasJupyter && !process.env["CI"])("redefining the search-space cell updates dependent cells' saved outputs", () => {
    const env = installTestKernel();
    const dir = mkdtempSync(join(tmpdir(), "nasbook-nb-"));
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } },
      cells: [
        code('const space = { ops: ["conv3x3", "skip"], depth: 2 };\n`${space.ops.length} ops`'),
        code("const size = space.ops.length ** space.depth;\nsize"),
        code("const rng = new nas.Rng(7);\n`${size} architectures, sampled op ${rng.choice(space.ops)}`"),
        code('// @redefine space\nconst space = { ops: ["conv3x3", "skip", "pool"], depth: 2 };\n`${space.ops.length} ops`'),
      ].map((c, i) => ({ ...c, id: `cell-${i}` })),
    };
    writeFileSync(join(dir, "reactive.ipynb"), JSON.stringify(nb));
    const r = spawnSync("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=nasbook",
      "--output", "executed.ipynb", join(dir, "reactive.ipynb")], { env, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(dir, "executed.ipynb"), "utf8")) as { cells: Cell[] };
    const text = (c: Cell) => c.outputs.map((o) => o.data?.["text/plain"] ?? o.text ?? "").join("");
    // The edited cell keeps what its own code produced; the editing cell shows the new value.
    expect(text(out.cells[0]!)).toBe("2 ops");
    expect(text(out.cells[3]!)).toBe("3 ops");
    // Cell 1 (size) was computed as 4, then updated in place to 9 when cell 3 redefined the space.
    expect(text(out.cells[1]!)).toBe("9");
    expect(text(out.cells[2]!)).toMatch(/^9 architectures, sampled op (conv3x3|skip|pool)$/);
    expect(out.cells.every((c) => c.outputs.every((o) => o.output_type !== "error"))).toBe(true);
    expect(out.cells.map((c) => c.execution_count)).toEqual([1, 2, 3, 4]);

    // Without the directive: the later cell fails, naming the first one; the cells before it keep their outputs.
    const plain = { ...nb, cells: nb.cells.map((c, i) => (i === 3 ? { ...c, source: (c.source as string).replace("// @redefine space\n", "") } : c)) };
    writeFileSync(join(dir, "duplicate.ipynb"), JSON.stringify(plain));
    const d = spawnSync("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--ExecutePreprocessor.kernel_name=nasbook",
      "--output", "duplicate.out.ipynb", join(dir, "duplicate.ipynb")], { env, encoding: "utf8", timeout: 120_000 });
    expect(d.status, d.stderr).toBe(0);
    const dup = JSON.parse(readFileSync(join(dir, "duplicate.out.ipynb"), "utf8")) as { cells: Cell[] };
    const shown = JSON.stringify(dup.cells[3]!.outputs);
    expect(shown).toContain("DuplicateDefinitionError");
    expect(shown).toContain("is already defined by the cell `const space = { ops: [");
    expect(text(dup.cells[1]!)).toBe("4");
  }, 180_000);
});
