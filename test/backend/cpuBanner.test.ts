// tfjs' "Hi, looks like you are running TensorFlow.js in Node.js" banner never reaches a cell's output: importing
// nasbook's backend mutes it, and only it (checked against a bare process, where tfjs prints it).
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";

const banner = /Hi, looks like you are running TensorFlow\.js in Node\.js/;

function run(mode: "nasbook" | "bare"): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "test/backend/fixtures/cpuBanner.ts", mode], (err, stdout, stderr) =>
      err ? reject(err) : resolve({ stdout, stderr }));
  });
}

describe("the tfjs cpu banner", () => {
  it("is printed by a bare tfjs process (the reference)", async () => {
    const r = await run("bare");
    expect(r.stdout).toContain("done");
    expect(r.stderr).toMatch(banner);
  });

  it("is not printed once nasbook's backend module is loaded, and other tfjs warnings still are", async () => {
    const r = await run("nasbook");
    expect(r.stdout).toContain("done");
    expect(r.stderr).not.toMatch(banner);
    expect(r.stderr).toMatch(/Platform node has already been set/);
  });
});
