/**
 * `clearOutput({ wait })` in cells (Jupyter's clear_output): clears what the running cell printed and displayed
 * so far; with `wait: true` the frontend clears only when the next output arrives (no flicker in progress loops).
 * A global, resolved through the async context of the cell that calls it, so a cell needs no extra parameter.
 */
const handlers = new Set<(wait: boolean) => boolean>();

/** The name cells call (declared for the type-checker in compiler.ts's globals). */
export const clearOutputName = "clearOutput";

function clearOutput(options: { wait?: boolean } = {}): void {
  const wait = options?.wait === true;
  for (const handle of handlers) if (handle(wait)) return;
}
(globalThis as Record<string, unknown>)[clearOutputName] = clearOutput;

/** Registers a notebook's handler: true when the calling code belongs to one of its cells. Returns unregister. */
export function onClearOutput(handle: (wait: boolean) => boolean): () => void {
  handlers.add(handle);
  return () => void handlers.delete(handle);
}
