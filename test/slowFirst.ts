/**
 * The order vitest starts test files in: the slowest first (seconds in a quiet full run, two files at a time),
 * so that with two files running at a time the long ones do not start last and leave one core idle at the end.
 * A fresh clone has no vitest cache of durations; without this list it would start files by size.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

const SLOW = [
  "test/kernel/jupyterlabTutorials.test.ts", // every tutorial under JupyterLab's Run All and nasbook run (1127 at load 20)
  "test/notebook/tutorials.test.ts", // 200: every tutorial under nasbook run and nbconvert
  "test/exec/bullmq.test.ts", // 80: redis-server and worker processes
  "test/kernel/faults.test.ts", // 39
  "test/viz/browser.test.ts", // 31: Chromium
  "test/notebook/runner.test.ts", // 31
  "test/kernel/savedNotebookSize.test.ts", // 17
  "test/package/install.test.ts", // 10: npm pack + install
];

export class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW.findIndex((s) => f.moduleId.endsWith(s));
      return i < 0 ? SLOW.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}
