/**
 * How messages name a cell: by its first line of code, which the user sees in every client (JupyterLab's cell ids are
 * UUIDs nobody reads, and a client without cell ids has none): `` `const space = chainSpace()` ``. The same in every
 * client, so a notebook's saved errors do not depend on who ran it.
 */
const width = 40;

/** The label of a cell whose code is `code`. */
export function cellLabel(code: string | undefined): string {
  if (code === undefined) return "(a deleted cell)";
  const line = code
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("//"));
  if (line === undefined) return "(an empty cell)";
  return `\`${line.length > width ? `${line.slice(0, width - 1)}…` : line}\``;
}
