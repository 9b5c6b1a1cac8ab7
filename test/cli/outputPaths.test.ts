/**
 * Output paths (issue 31): an output that is an input, another output or the checkpoint is refused before anything
 * is written; a directory, an uncreatable path (/proc/x) and a full disk (/dev/full, and a tiny tmpfs in a private
 * mount namespace when this machine allows one) are one-line errors, and failed writes leave no temporary file.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main as exportMain } from "../../src/cli/export.js";
import { main as runMain } from "../../src/cli/run.js";
import { main as searchMain } from "../../src/cli/search.js";
import { nb201Csv } from "../fixtures/nb201Csv.js";

const dir = mkdtempSync(join(tmpdir(), "nasbook-paths-"));
const bin = fileURLToPath(new URL("../../bin/nasbook.js", import.meta.url));
const table = join(dir, "nb201_all.csv");
writeFileSync(table, nb201Csv(2000));
const notebook = join(dir, "nb.ipynb");
const NOTEBOOK = JSON.stringify({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: [{ cell_type: "markdown", id: "m1", metadata: {}, source: ["# hello"] }],
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs a command's main() here, capturing what it prints. */
async function run(main: (argv: string[]) => Promise<number>, argv: string[]) {
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, err: err.join("\n") };
}

/** Runs bin/nasbook.js (killed after `limitMs`, so a spin fails the test instead of hanging it). */
function cli(argv: string[], limitMs = 90_000): Promise<{ code: number | null; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let killed = false;
    const timer = setTimeout(() => { killed = true; child.kill("SIGKILL"); }, limitMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, killed });
    });
  });
}

const oneLine = (s: string) => s.trim().split("\n").length === 1 && !/\n\s+at /.test(s);

describe("an output that is an input, another output or the checkpoint is refused before anything is written", () => {
  it("nasbook export nb.ipynb --html --out nb.ipynb keeps the notebook", async () => {
    writeFileSync(notebook, NOTEBOOK);
    const r = await run(exportMain, [notebook, "--html", "--out", notebook]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nasbook export: --out .*nb\.ipynb is the same file as the notebook \(an input\); writing it would destroy what is read from it\. Nothing was written/);
    expect(oneLine(r.err)).toBe(true);
    expect(readFileSync(notebook, "utf8")).toBe(NOTEBOOK);
  });

  it("the same file under another name (a symlink, a hard link, dir/../) is the same file", async () => {
    writeFileSync(notebook, NOTEBOOK);
    symlinkSync(notebook, join(dir, "sym.ipynb"));
    linkSync(notebook, join(dir, "hard.ipynb"));
    mkdirSync(join(dir, "sub"));
    for (const out of [join(dir, "sym.ipynb"), join(dir, "hard.ipynb"), join(dir, "sub", "..", "nb.ipynb")]) {
      const r = await run(exportMain, [notebook, "--html", "--out", out]);
      expect(r.code, out).toBe(2);
    }
    expect(readFileSync(notebook, "utf8")).toBe(NOTEBOOK);
    // and a different file still works
    const ok = await run(exportMain, [notebook, "--html", "--out", join(dir, "nb.html")]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dir, "nb.html"), "utf8")).toMatch(/<html/i);
  });

  it("nasbook run: --out X --html X, and --out that is the notebook, are refused before the notebook runs", async () => {
    writeFileSync(notebook, NOTEBOOK);
    const x = join(dir, "both.out");
    writeFileSync(x, "kept");
    const a = await run(runMain, [notebook, "--out", x, "--html", x]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/nasbook run: --out .*both\.out is the same file as --html \(another output\)/);
    expect(readFileSync(x, "utf8")).toBe("kept");
    const b = await run(runMain, [notebook, "--html", notebook]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--html .*nb\.ipynb is the same file as the notebook/);
    expect(readFileSync(notebook, "utf8")).toBe(NOTEBOOK);
  });

  it("nasbook search --history F --checkpoint F keeps the checkpoint, so a resume still resumes", async () => {
    const ckpt = join(dir, "run.ckpt");
    const first = await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "10", "--checkpoint", ckpt, "--quiet"]);
    expect(first.code).toBe(0);
    const saved = readFileSync(ckpt, "utf8");
    const r = await run(searchMain, ["--table", table, "--strategy", "random", "--queries", "20", "--checkpoint", ckpt, "--history", ckpt, "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nasbook search: --history .*run\.ckpt is the same file as --checkpoint \(read and written\)/);
    expect(readFileSync(ckpt, "utf8")).toBe(saved);
    // --history over the table it reads
    const t = await run(searchMain, ["--table", table, "--queries", "5", "--history", table, "--quiet"]);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/--history .* is the same file as --table \(an input\)/);
    expect(readFileSync(table, "utf8").startsWith("index,")).toBe(true);
  });

  it("an output that is a directory is one line, before anything runs", async () => {
    const d = join(dir, "adir");
    mkdirSync(d, { recursive: true });
    writeFileSync(notebook, NOTEBOOK);
    for (const [main, argv, re] of [
      [exportMain, [notebook, "--html", "--out", d], /nasbook export: --out .*adir is a directory; give a file path/],
      [runMain, [notebook, "--out", d], /nasbook run: --out .*adir is a directory/],
      [searchMain, ["--table", table, "--queries", "3", "--history", d], /nasbook search: --history .*adir is a directory/],
    ] as const) {
      const r = await run(main, [...argv]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(oneLine(r.err)).toBe(true);
    }
  });
});

describe("paths that cannot be written are one line, and leave nothing behind", () => {
  it("--store /proc/x and --out /proc/x/y.html: one line and a non-zero exit (no spin)", async () => {
    writeFileSync(notebook, NOTEBOOK);
    const [store, out] = await Promise.all([
      cli(["search", "--table", table, "--queries", "3", "--store", "/proc/nasbook-x/trials", "--quiet"]),
      cli(["export", notebook, "--html", "--out", "/proc/nasbook-x/y.html"]),
    ]);
    expect(store.killed).toBe(false);
    expect(store.code).toBe(1);
    expect(store.stderr).toMatch(/cannot create the trial store at \/proc\/nasbook-x: a directory on the way cannot be created there/);
    expect(oneLine(store.stderr)).toBe(true);
    expect(out.killed).toBe(false);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/cannot create the HTML export at \/proc\/nasbook-x/);
    expect(oneLine(out.stderr)).toBe(true);
  });

  it.skipIf(!existsSync("/dev/full"))("a full disk (/dev/full) is one line naming the path", async () => {
    writeFileSync(notebook, NOTEBOOK);
    const r = await cli(["export", notebook, "--html", "--out", "/dev/full"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no space left on the device holding \/dev\/full \(writing the HTML export\)/);
    expect(oneLine(r.stderr)).toBe(true);
  });

  // A 16 KiB tmpfs, mounted in a private mount namespace of the child only (root with CAP_SYS_ADMIN, as in CI).
  const tiny = join(dir, "tiny");
  mkdirSync(tiny, { recursive: true });
  const canMount = process.platform === "linux" &&
    spawnSync("unshare", ["-m", "sh", "-c", `mount -t tmpfs -o size=16k tmpfs ${tiny}`], { stdio: "ignore" }).status === 0;
  const leftovers = (out: string) => out.split("\n").find((l) => l.startsWith("LEFT "))?.slice(5) ?? "?";

  it.skipIf(!canMount)("on a full disk: the trial store warns once and leaves no .tmp files; --history and --checkpoint stop with one line", async () => {
    // Each child lists what it left on the tiny disk before the namespace (and the disk) goes away.
    const list = (argv: string[]) => new Promise<{ code: number | null; stderr: string; left: string }>((resolve) => {
      const script = `mount -t tmpfs -o size=16k tmpfs ${tiny} && "$@"; code=$?; echo "LEFT $(find ${tiny} -name '*.tmp' | wc -l)" >&2; exit $code`;
      const child = spawn("unshare", ["-m", "sh", "-c", script, "sh", process.execPath, bin, ...argv], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("exit", (code) => { clearTimeout(timer); resolve({ code, stderr, left: leftovers(stderr) }); });
    });
    const base = ["search", "--table", table, "--strategy", "random", "--queries", "200", "--quiet"];
    const [store, history, checkpoint] = await Promise.all([
      list([...base, "--store", join(tiny, "store")]),
      list([...base, "--history", join(tiny, "h.jsonl")]),
      list([...base, "--checkpoint", join(tiny, "c.ckpt")]),
    ]);
    const printed = (s: string) => s.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("LEFT ")).join("\n");
    // the store: the search finishes; writes that failed are reported once, and no temporary file stays
    expect(store.code, store.stderr).toBe(0);
    expect(printed(store.stderr)).toMatch(/could not write to the trial store dir .*: no space left on the device holding/);
    expect(store.left).toBe("0");
    for (const [r, what] of [[history, "the history"], [checkpoint, "the checkpoint"]] as const) {
      expect(r.code, r.stderr).toBe(1);
      expect(printed(r.stderr)).toMatch(new RegExp(`^nasbook search: no space left on the device holding .* \\(writing ${what}\\)`));
      expect(oneLine(printed(r.stderr))).toBe(true);
    }
  }, 180_000);

  it("a directory store whose writes fail removes its temporary files", async () => {
    const { directoryStore } = await import("../../src/exec/store.js");
    const root = join(dir, "store-fail");
    const store = directoryStore(root);
    const key = "ab".padEnd(64, "0");
    // the shard directory is read-only for the write: make the entry's final name a directory, so link() fails
    mkdirSync(join(root, "ab", `${key}.json`), { recursive: true });
    await expect(store.put(key, { metrics: { a: 1 }, cost: { seconds: 0 }, status: "ok" })).rejects.toThrow(/trial result/);
    expect(readdirSync(join(root, "ab")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
