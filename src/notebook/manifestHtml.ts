/**
 * The run manifest (manifest.ts) as a block a reader can scan in an exported page: what ran (nasbook, Node,
 * packages, backend), with which seed, on which data (sha256), from which commit, and any further fields a run
 * recorded, the trial store's hits, then the raw JSON for tools.
 */
import type { RunManifest } from "./manifest.js";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const known = new Set(["nasbook", "node", "platform", "packages", "backend", "seed", "data", "git", "codeSha256", "trialStore"]);

function row(label: string, valueHtml: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${valueHtml}</td></tr>`;
}

const code = (s: string): string => `<code>${escapeHtml(s)}</code>`;

function humanKey(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
}

/** The manifest as an HTML section (a table of its fields, then the JSON in a collapsed block). */
export function manifestHtml(manifest: Partial<RunManifest> & Record<string, unknown>): string {
  const rows: string[] = [];
  if (manifest.nasbook !== undefined) rows.push(row("nasbook", code(String(manifest.nasbook))));
  if (manifest.node !== undefined) rows.push(row("Node.js", code(`${manifest.node} (${manifest.platform ?? "?"})`)));
  const packages = Object.entries(manifest.packages ?? {});
  if (packages.length) rows.push(row("packages", packages.map(([n, v]) => code(`${n}@${v}`)).join(" ")));
  const b = manifest.backend;
  rows.push(row("backend", b ? `${code(b.name)}, ${b.threads} thread${b.threads === 1 ? "" : "s"}${b.simd ? ", SIMD" : ""}, tfjs ${escapeHtml(b.tfjs)}<br><small>${escapeHtml(b.reason)}</small>` : "none initialised (no training)"));
  const seed = manifest.seed;
  if (seed) rows.push(row("seed", seed.seed === null ? "none" : `${code(String(seed.seed))} <small>(from ${escapeHtml(seed.source === "--seed" ? "nasbook run --seed" : `the notebook${seed.cell ? `, cell ${seed.cell}` : ""}`)})</small>`));
  const data = manifest.data ?? [];
  rows.push(row("data read", data.length
    ? `<ul>${data.map((d) => `<li>${code(d.path)} ${d.bytes.toLocaleString("en-US")} bytes, sha256 ${code(d.sha256)}</li>`).join("")}</ul>`
    : "no files from the data directory"));
  const git = manifest.git;
  rows.push(row("git commit", git ? `${code(git.commit)}${git.dirty ? " <strong>with uncommitted changes</strong>" : " (clean)"}` : "not a git checkout"));
  if (manifest.codeSha256 !== undefined) rows.push(row("code sha256", code(String(manifest.codeSha256))));
  const ts = manifest.trialStore;
  if (ts !== undefined) {
    rows.push(row("trial store", ts
      ? `${code(ts.store)}: ${ts.cached} of ${ts.trials} trials from the store <small>(${ts.searches} search${ts.searches === 1 ? "" : "es"})</small>`
      : "none (every trial computed)"));
  }
  for (const [key, value] of Object.entries(manifest)) {
    if (known.has(key) || value === undefined) continue;
    rows.push(row(humanKey(key), typeof value === "object" ? `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>` : code(String(value))));
  }
  return `<section class="manifest"><h2>Run manifest</h2><table>${rows.join("")}</table>` +
    `<details><summary>manifest JSON</summary><pre>${escapeHtml(JSON.stringify(manifest, null, 2))}</pre></details></section>`;
}
