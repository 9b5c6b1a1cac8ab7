/** `node:path` (POSIX) for a live page: the library joins and resolves paths of its virtual files (virtualFs.ts). */
import { pageProcess } from "./process.js";

export const sep = "/";
export const delimiter = ":";

export function normalize(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (parts.length && parts[parts.length - 1] !== "..") parts.pop();
      else if (!absolute) parts.push("..");
    } else parts.push(p);
  }
  const body = parts.join("/") + (path.endsWith("/") && parts.length ? "/" : "");
  return absolute ? `/${body}` : body || ".";
}

export function join(...paths: string[]): string {
  const nonEmpty = paths.filter((p) => p !== "");
  return nonEmpty.length ? normalize(nonEmpty.join("/")) : ".";
}

export function resolve(...paths: string[]): string {
  let out = "";
  for (let i = paths.length - 1; i >= 0 && !out.startsWith("/"); i--) {
    const p = paths[i]!;
    if (p !== "") out = out ? `${p}/${out}` : p;
  }
  if (!out.startsWith("/")) out = `${pageProcess.cwd()}/${out}`;
  const n = normalize(out);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : trimmed.slice(0, i);
}

export function basename(path: string, ext?: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return ext !== undefined && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const i = base.lastIndexOf(".");
  return i <= 0 ? "" : base.slice(i);
}

export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}

const path = { sep, delimiter, normalize, join, resolve, isAbsolute, dirname, basename, extname, relative };
export const posix = path;
export default path;
