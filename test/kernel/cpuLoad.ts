// A bounded background CPU load of the test's own, so that ordering and interrupt guarantees are checked on a
// saturated machine (issue 13: the kernel's tests failed only under load).
import { spawn, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";

/**
 * Starts `workers` busy processes (default: one per core, at least 2) that spin for at most `maxSeconds` even
 * if the test dies without stopping them. Returns the function that stops them.
 */
export function startCpuLoad(opts: { workers?: number; maxSeconds?: number } = {}): () => void {
  const workers = opts.workers ?? Math.max(2, cpus().length);
  const ms = Math.round((opts.maxSeconds ?? 300) * 1000);
  const children: ChildProcess[] = [];
  for (let i = 0; i < workers; i++) {
    children.push(spawn(process.execPath, ["-e", `const end = Date.now() + ${ms}; while (Date.now() < end) {}`], { stdio: "ignore" }));
  }
  return () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  };
}
