/**
 * How code that is not a cell (a library such as the tslab shim) shows output below the cell running now. Each
 * Notebook registers a route: which cell runs in this async context, and how to emit a display for it. The
 * registry lives on globalThis so that every copy of this module (the kernel's, one a cell imported) sees it.
 */
import type { MimeBundle } from "./mime.js";

/** A notebook's answer to "which of my cells is running here, and how do I show something below it". */
export interface DisplayRoute {
  activeCellId(): string | undefined;
  show(cellId: string, bundle: MimeBundle): void;
}

const key = Symbol.for("nasbook.displayRoutes");
const routes: Set<DisplayRoute> = ((globalThis as Record<symbol, unknown>)[key] as Set<DisplayRoute> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[key] = new Set<DisplayRoute>());

/** Registers a notebook's route; returns the function that removes it. */
export function addDisplayRoute(route: DisplayRoute): () => void {
  routes.add(route);
  return () => routes.delete(route);
}

/** Shows `bundle` below the cell running in the current async context; false if no cell is running here. */
export function showInRunningCell(bundle: MimeBundle): boolean {
  for (const route of routes) {
    const cellId = route.activeCellId();
    if (cellId !== undefined) {
      route.show(cellId, bundle);
      return true;
    }
  }
  return false;
}
