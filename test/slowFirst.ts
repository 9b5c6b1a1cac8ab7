/**
 * The order vitest starts test files in: the slowest first (measured in a quiet full run, seconds in comments),
 * so that with two files running at a time the long ones do not start last and leave one core idle at the end.
 * A fresh clone has no vitest cache of durations; without this list it would start files by size.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

const SLOW = [
  "test/notebook/tutorials.test.ts", // 270: every tutorial under nasbook run and nbconvert
  "test/exec/bullmq.test.ts", // 76: redis-server and worker processes
  "test/kernel/faults.test.ts", // 40
  "test/viz/browser.test.ts", // 30: Chromium
  "test/notebook/runner.test.ts", // 23
  "test/kernel/savedNotebookSize.test.ts", // 14
  "test/package/install.test.ts", // 11: npm pack + install
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
