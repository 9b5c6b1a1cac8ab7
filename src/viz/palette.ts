/** Colours shared by all figures, so an op or a strategy has the same colour everywhere. */
import { schemeTableau10, schemeDark2 } from "d3-scale-chromatic";

/** Fixed colours for the ops of the built-in cell spaces (NB201, DARTS). Zero/none ops are grey: "no edge". */
const KNOWN_OPS: Readonly<Record<string, string>> = {
  none: "#b8b8b8",
  zero: "#b8b8b8",
  skip_connect: "#4e79a7",
  nor_conv_1x1: "#f28e2b",
  nor_conv_3x3: "#e15759",
  avg_pool_3x3: "#59a14f",
  max_pool_3x3: "#76b7b2",
  sep_conv_3x3: "#b07aa1",
  sep_conv_5x5: "#9c755f",
  dil_conv_3x3: "#edc948",
  dil_conv_5x5: "#ff9da7",
};

/** True for ops that mean "no connection". */
export function isZeroOp(op: string): boolean {
  return op === "none" || op === "zero";
}

/**
 * A colour per op: known ops keep their fixed colour; other ops get the remaining palette colours in sorted-name
 * order, so the same set of ops is always coloured the same way.
 */
export function opColours(ops: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const unknown: string[] = [];
  for (const op of new Set(ops)) {
    const c = KNOWN_OPS[op];
    if (c !== undefined) out.set(op, c);
    else unknown.push(op);
  }
  const used = new Set(out.values());
  const free = [...schemeDark2, ...schemeTableau10].filter((c) => !used.has(c));
  unknown.sort();
  unknown.forEach((op, i) => out.set(op, free[i % free.length]!));
  return out;
}

/** Colours for series (strategies, runs) in the given order. */
export function seriesColour(i: number): string {
  return schemeTableau10[i % schemeTableau10.length]!;
}

/** `#rrggbb` to `rgba(r,g,b,a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`expected a #rrggbb colour, got ${hex}`);
  return `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})`;
}

export const FONT_FAMILY = "Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif";
