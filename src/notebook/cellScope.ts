/**
 * What every compiled cell sees besides the names of other cells: the parameters of the cell function. Shared by the
 * checker (these names are never cross-cell references) and by whatever runs compiled cells (dataflow.ts), in Node
 * or in a browser: nothing here depends on either.
 */

/** The function a compiled cell's `import` statements and `import()` calls go through. */
export const importFunctionName = "__nasbook_import";
/** The loop guard compiled into every loop of a cell (it throws when the cell was interrupted). */
export const loopGuardName = "__nasbook_guard";

/** Names every cell sees without defining them. */
export const injectedNames = ["nas", "signal", "invalidation", "display", "clearOutput", "console"] as const;

/** The cell function's parameters before the names it reads from other cells, in order. */
export const cellParameters = [importFunctionName, loopGuardName, ...injectedNames] as const;
