/**
 * The notebook of the "live search under Run All" tests (issue 24's "Done when"), shared by the jupyter_client test
 * (test_live_search.py, which reads it as JSON) and the JupyterLab one: a 24-trial `trainEvaluator` search whose
 * value streams to a reader cell, and a space cell that the tests edit while the search runs.
 *
 * The evaluator notes, in `trials` (from `setup`, which never re-runs), when each evaluation of each space started
 * and when it finished (epoch ms, the clock the test's client reads too), so a test can count the trials the old
 * search started or recorded after it sent the edit.
 */
export const liveSearchCells: { id: string; source: string }[] = [
  {
    id: "setup",
    source: [
      'import { syntheticSplits, chainSpace, modelBuilder, trainEvaluator } from "nasbook";',
      "const data = syntheticSplits({ seed: 0, sizes: { train: 400, val: 100, test: 100 } });",
      "/** Per space (its size): when each evaluation started and when it finished (epoch ms). */",
      "const trials: Record<string, { started: number[]; finished: number[] }> = {};",
    ].join("\n"),
  },
  { id: "space", source: "const space = chainSpace({ maxConv: 2, maxDense: 1, filters: [4, 8, 16], kernels: [3, 5], units: [16] });" },
  {
    id: "evaluator",
    source: [
      "const trained = trainEvaluator({ data, build: modelBuilder(space), train: { epochs: 2, batchSize: 32 } });",
      "const spaceSize = nas.formatSpaceSize(space);",
      "const evaluator = {",
      "  name: trained.name,",
      "  objective: trained.objective,",
      "  async evaluate(...args: Parameters<typeof trained.evaluate>) {",
      "    const log = (trials[spaceSize] ??= { started: [], finished: [] });",
      "    log.started.push(Date.now());",
      "    const r = await trained.evaluate(...args);",
      "    log.finished.push(Date.now());",
      "    return r;",
      "  },",
      "};",
    ].join("\n"),
  },
  { id: "search", source: "const events = nas.search({ space, strategy: nas.randomSearch(), evaluator, budget: { queries: 24 }, seed: 0, signal });" },
  {
    id: "reader",
    source: '`${spaceSize} architectures: ${events.type === "trial" ? events.queries : events.result.history.length} trials${events.type === "done" ? ", done" : ""}`',
  },
];

/** The space cell after the edit (a larger space, so the reader's line names which search it shows). */
export const editedSpace = "const space = chainSpace({ maxConv: 2, maxDense: 2, filters: [8, 16], kernels: [3, 5], units: [16, 32] });";

/** The reader's line, parsed: the space's size, the trials it reports, whether the search is done. */
export function readerLine(text: string): { size: string; trials: number; done: boolean } | undefined {
  const m = /^(\S+) architectures: (\d+) trials(, done)?$/.exec(text.trim());
  return m ? { size: m[1]!, trials: Number(m[2]), done: m[3] !== undefined } : undefined;
}

/** The notebook as .ipynb JSON. */
export function liveSearchNotebook(): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "nasbook", display_name: "TypeScript (nasbook)", language: "typescript" } },
    cells: liveSearchCells.map((c) => ({ cell_type: "code", id: c.id, metadata: {}, execution_count: null, outputs: [], source: c.source })),
  };
}
