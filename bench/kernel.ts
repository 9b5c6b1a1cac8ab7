/**
 * `npm run bench:kernel`: execute round trip of a trivial cell (nasbook vs tslab, same client, same run) and a
 * 100-cell dependency chain, from redefining its head until the last cell's update has arrived (nasbook only:
 * tslab is not reactive). Last stdout line: {"bench":"kernel","roundTripMs":…,"tslabRoundTripMs":…,"chain100Ms":…}.
 */
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { KernelClient, nasbookKernelArgv } from "../kernel/client.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const rounds = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function roundTrip(client: KernelClient): Promise<number> {
  await client.execute("1 + 1"); // warm-up (compiler start-up)
  await client.execute("1 + 1");
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const { reply } = await client.execute("1 + 1");
    times.push(performance.now() - t0);
    if (reply.content["status"] !== "ok") throw new Error(`round trip failed: ${JSON.stringify(reply.content)}`);
  }
  return median(times);
}

async function chain(client: KernelClient, n: number): Promise<number> {
  await client.execute("const v0 = 0", { cellId: "chain0" });
  for (let i = 1; i < n; i++) await client.execute(`const v${i} = v${i - 1} + 1`, { cellId: `chain${i}` });
  const times: number[] = [];
  for (let k = 1; k <= 5; k++) {
    const t0 = performance.now();
    const { iopub } = await client.execute(`const v0 = ${k}`, { cellId: "chain0" });
    times.push(performance.now() - t0);
    const last = iopub.filter((m) => m.header.msg_type === "update_display_data" && (m.content["transient"] as { display_id: string }).display_id === `nasbook-chain${n - 1}`);
    const text = (last.at(-1)?.content["data"] as Record<string, string> | undefined)?.["text/plain"];
    if (text !== String(k + n - 1)) throw new Error(`chain did not settle to ${k + n - 1} (got ${text})`);
  }
  return median(times);
}

const nasbook = await KernelClient.launch(nasbookKernelArgv(root));
const roundTripMs = await roundTrip(nasbook);
console.log(`nasbook round trip (median of ${rounds}): ${roundTripMs.toFixed(1)} ms`);
const chain100Ms = await chain(nasbook, 100);
console.log(`nasbook 100-cell chain, redefinition until settled (median of 5): ${chain100Ms.toFixed(1)} ms`);
await nasbook.close();

const tslab = await KernelClient.launch([process.execPath, join(root, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"]);
const tslabRoundTripMs = await roundTrip(tslab);
console.log(`tslab round trip (median of ${rounds}): ${tslabRoundTripMs.toFixed(1)} ms`);
await tslab.close();

console.log(JSON.stringify({ bench: "kernel", roundTripMs: +roundTripMs.toFixed(2), tslabRoundTripMs: +tslabRoundTripMs.toFixed(2), chain100Ms: +chain100Ms.toFixed(2) }));
process.exit(0);
