/**
 * `node:util` for a live page: `inspect` and `format`, which turn cell values and console arguments into text.
 * Node's output for the common cases (primitives, arrays, plain objects, class instances, Map, Set, typed arrays,
 * errors, depth and length limits) on one line when it fits `breakLength`, else one entry per line; Node also
 * groups long numeric arrays into aligned columns, which this does not (such text differs in line breaks only).
 */
import { unsupported } from "../unsupported.js";

export interface InspectOptions {
  depth?: number | null;
  maxArrayLength?: number;
  maxStringLength?: number;
  breakLength?: number;
  colors?: boolean;
  compact?: number | boolean;
}

interface Context {
  depth: number;
  maxArrayLength: number;
  maxStringLength: number;
  breakLength: number;
  seen: unknown[];
}

function quote(s: string, ctx: Context): string {
  const cut = s.length > ctx.maxStringLength ? s.slice(0, ctx.maxStringLength) : s;
  const more = s.length > cut.length ? `... ${s.length - cut.length} more character${s.length - cut.length > 1 ? "s" : ""}` : "";
  const q = !cut.includes("'") ? "'" : !cut.includes('"') ? '"' : !cut.includes("`") ? "`" : "'";
  const escaped = cut.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(new RegExp(q, "g"), `\\${q}`);
  return `${q}${escaped}${q}${more}`;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

function keyText(k: string | symbol, ctx: Context): string {
  if (typeof k === "symbol") return `[${k.toString()}]`;
  return identifier.test(k) ? k : quote(k, ctx);
}

function constructorName(v: object): string | undefined {
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  if (proto === null) return undefined;
  return proto.constructor?.name || "Object";
}

function join(base: string, open: string, close: string, entries: string[], indent: number, ctx: Context): string {
  const prefix = base ? `${base} ` : "";
  if (entries.length === 0) return `${prefix}${open}${close}`;
  const line = `${prefix}${open} ${entries.join(", ")} ${close}`;
  if (!line.includes("\n") && line.length + indent <= ctx.breakLength) return line;
  const pad = " ".repeat(indent + 2);
  return `${prefix}${open}\n${entries.map((e) => pad + e).join(",\n")}\n${" ".repeat(indent)}${close}`;
}

function formatValue(v: unknown, ctx: Context, level: number, indent: number): string {
  switch (typeof v) {
    case "string":
      return quote(v, ctx);
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "bigint":
      return `${v}n`;
    case "boolean":
    case "undefined":
      return String(v);
    case "symbol":
      return v.toString();
    case "function": {
      const src = Function.prototype.toString.call(v);
      if (src.startsWith("class")) return `[class ${v.name || "(anonymous)"}]`;
      return `[Function: ${v.name || "(anonymous)"}]`;
    }
  }
  if (v === null) return "null";
  const o = v as object;
  if (ctx.seen.includes(o)) return "[Circular *1]";
  if (o instanceof Error) return o.stack ?? `${o.name}: ${o.message}`;
  if (o instanceof Date) return Number.isNaN(o.getTime()) ? "Invalid Date" : o.toISOString();
  if (o instanceof RegExp) return String(o);
  const name = constructorName(o);
  if (level > ctx.depth) return Array.isArray(o) ? "[Array]" : `[${name ?? "Object"}]`;
  ctx.seen.push(o);
  try {
    const inner = (x: unknown): string => formatValue(x, ctx, level + 1, indent + 2);
    if (Array.isArray(o) || ArrayBuffer.isView(o)) {
      const items = o as ArrayLike<unknown>;
      const shown = Math.min(items.length, ctx.maxArrayLength);
      const entries: string[] = [];
      let holes = 0;
      for (let i = 0; i < shown; i++) {
        if (Array.isArray(o) && !(i in o)) {
          holes++;
          continue;
        }
        if (holes) entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
        holes = 0;
        entries.push(inner(items[i]));
      }
      if (holes) entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
      if (items.length > shown) entries.push(`... ${items.length - shown} more item${items.length - shown > 1 ? "s" : ""}`);
      const base = Array.isArray(o) ? (name === "Array" ? "" : `${name}(${items.length})`) : `${name}(${items.length})`;
      return join(base, "[", "]", entries, indent, ctx);
    }
    if (o instanceof Map) {
      const entries = [...o].slice(0, ctx.maxArrayLength).map(([k, x]) => `${inner(k)} => ${inner(x)}`);
      if (o.size > ctx.maxArrayLength) entries.push(`... ${o.size - ctx.maxArrayLength} more items`);
      return join(`Map(${o.size})`, "{", "}", entries, indent, ctx);
    }
    if (o instanceof Set) {
      const entries = [...o].slice(0, ctx.maxArrayLength).map(inner);
      if (o.size > ctx.maxArrayLength) entries.push(`... ${o.size - ctx.maxArrayLength} more items`);
      return join(`Set(${o.size})`, "{", "}", entries, indent, ctx);
    }
    if (o instanceof Promise) return "Promise { <pending> }";
    const entries = [...Object.keys(o), ...Object.getOwnPropertySymbols(o).filter((s) => Object.prototype.propertyIsEnumerable.call(o, s))].map(
      (k) => `${keyText(k, ctx)}: ${inner((o as Record<string | symbol, unknown>)[k])}`,
    );
    const base = name === undefined ? "[Object: null prototype]" : name === "Object" ? "" : name;
    return join(base, "{", "}", entries, indent, ctx);
  } finally {
    ctx.seen.pop();
  }
}

export function inspect(value: unknown, options: InspectOptions = {}): string {
  const ctx: Context = {
    depth: options.depth === null ? Infinity : options.depth ?? 2,
    maxArrayLength: options.maxArrayLength ?? 100,
    maxStringLength: options.maxStringLength ?? 10_000,
    breakLength: options.breakLength ?? 80,
    seen: [],
  };
  return formatValue(value, ctx, 0, 0);
}

/** `util.format`: printf-like `%s %d %i %f %j %o %O %%`, then the remaining arguments inspected. */
export function format(...args: unknown[]): string {
  const [first, ...rest] = args;
  let out: string;
  if (typeof first === "string" && rest.length === 0) return first;
  if (typeof first === "string") {
    let k = 0;
    out = first.replace(/%([sdifjoO%])/g, (m, c: string) => {
      if (c === "%") return "%";
      if (k >= rest.length) return m;
      const a = rest[k++];
      switch (c) {
        case "s":
          return typeof a === "string" ? a : typeof a === "object" && a !== null ? inspect(a, { depth: 1 }) : String(a);
        case "d":
        case "i":
          return typeof a === "bigint" ? `${a}n` : String(c === "i" ? Math.trunc(Number(a)) : Number(a));
        case "f":
          return String(Number(a));
        case "j":
          return JSON.stringify(a);
        default:
          return inspect(a, { depth: c === "o" ? 4 : 2 });
      }
    });
    rest.splice(0, k);
  } else {
    out = first === undefined && args.length === 0 ? "" : typeof first === "string" ? first : inspect(first);
  }
  for (const a of rest) out += " " + (typeof a === "string" ? a : inspect(a));
  return out;
}

export function parseArgs(): never {
  throw unsupported("parsing command-line arguments");
}

export function promisify<T>(f: T): T {
  return f;
}

export const types = {
  isPromise: (v: unknown): boolean => v instanceof Promise,
  isTypedArray: (v: unknown): boolean => ArrayBuffer.isView(v) && !(v instanceof DataView),
};

export default { inspect, format, parseArgs, promisify, types };
