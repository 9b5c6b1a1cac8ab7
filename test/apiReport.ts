/**
 * The API report: every name `import * as nas from "nasbook"` gives (and every name of `nas.viz`), with its kind
 * and its signature as the TypeScript compiler prints it, in api/nasbook.api.md. test/apiReport.test.ts regenerates
 * it and fails when it differs from the committed file, so the public surface changes only on purpose:
 * `npm run api:report` rewrites the file, and the diff shows the change for review.
 *
 * Made with the compiler's checker rather than @microsoft/api-extractor: it reads src/index.ts directly (no build
 * of dist/ first, no second TypeScript version), and what it prints (names, kinds, signatures) is what a review of
 * the surface needs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPORT_FILE = join(root, "api", "nasbook.api.md");
/** The entry point reported: src/index.ts, or `--entry FILE` (e.g. to count another version's surface). */
const entryFlag = process.argv.indexOf("--entry");
const ENTRY = entryFlag > 0 && process.argv[entryFlag + 1] ? resolve(process.argv[entryFlag + 1]!) : join(root, "src", "index.ts");

/** One exported name: `viz.` prefixed for the figures namespace. */
export interface ApiEntry {
  name: string;
  /** "function", "class", "const", "namespace" (runtime values) or "interface", "type" (types only). */
  kind: "function" | "class" | "const" | "namespace" | "interface" | "type";
  /** Signatures, members or the type, one per line. */
  lines: string[];
}

const RUNTIME_KINDS = new Set(["function", "class", "const", "namespace"]);
export const isRuntime = (e: ApiEntry): boolean => RUNTIME_KINDS.has(e.kind);

const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope | ts.TypeFormatFlags.WriteArrowStyleSignature;

function compilerOptions(): ts.CompilerOptions {
  const file = join(root, "tsconfig.json");
  const cfg = ts.readConfigFile(file, (p) => readFileSync(p, "utf8"));
  return ts.parseJsonConfigFileContent(cfg.config, ts.sys, root).options;
}

function entryOf(checker: ts.TypeChecker, name: string, exported: ts.Symbol): ApiEntry[] {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const f = symbol.flags;
  const decl = symbol.declarations?.[0];
  const typeAt = (s: ts.Symbol): ts.Type => checker.getTypeOfSymbolAtLocation(s, decl ?? s.declarations![0]!);
  if (f & ts.SymbolFlags.Module) {
    // A namespace re-export (`export * as viz`): its own exports, prefixed.
    const inner = checker.getExportsOfModule(symbol).sort((a, b) => a.name.localeCompare(b.name));
    return [{ name, kind: "namespace", lines: [`${inner.length} names`] }, ...inner.flatMap((s) => entryOf(checker, `${name}.${s.name}`, s))];
  }
  // `export type { SomeClass }`: the name is a type there, not a value, whatever it names.
  const typeOnly = (exported.declarations ?? []).some((d) => ts.isTypeOnlyExportDeclaration(d));
  if (f & ts.SymbolFlags.Class) {
    const type = typeAt(symbol);
    const ctors = type.getConstructSignatures().map((s) => `new ${checker.signatureToString(s, undefined, FLAGS)}`);
    const instance = checker.getDeclaredTypeOfSymbol(symbol);
    // Members nasbook declares (not those every Error has from the standard library).
    const ours = (m: ts.Symbol): boolean => (m.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(join(root, "src")));
    const members = checker.getPropertiesOfType(instance)
      .filter((m) => ours(m) && !(m.declarations ?? []).some((d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || (ts.isPropertyDeclaration(d) || ts.isMethodDeclaration(d)) && ts.isPrivateIdentifier(d.name)))
      .map((m) => `${m.name}: ${checker.typeToString(typeAt(m), undefined, FLAGS)}`);
    const statics = checker.getPropertiesOfType(type).filter((m) => m.name !== "prototype" && ours(m)).map((m) => `static ${m.name}: ${checker.typeToString(typeAt(m), undefined, FLAGS)}`);
    return [{ name, kind: typeOnly ? "type" : "class", lines: [...ctors, ...statics, ...members] }];
  }
  if (f & ts.SymbolFlags.Function) {
    const sigs = typeAt(symbol).getCallSignatures().map((s) => checker.signatureToString(s, undefined, FLAGS));
    return [{ name, kind: "function", lines: sigs }];
  }
  if (f & ts.SymbolFlags.Variable) return [{ name, kind: "const", lines: [checker.typeToString(typeAt(symbol), undefined, FLAGS)] }];
  if (f & ts.SymbolFlags.Interface) {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const members = checker.getPropertiesOfType(type).map((m) => {
      const optional = m.flags & ts.SymbolFlags.Optional ? "?" : "";
      return `${m.name}${optional}: ${checker.typeToString(typeAt(m), undefined, FLAGS)}`;
    });
    const index = checker.getIndexInfosOfType(type).map((i) => `[key: ${checker.typeToString(i.keyType)}]: ${checker.typeToString(i.type, undefined, FLAGS)}`);
    return [{ name, kind: "interface", lines: [...members, ...index] }];
  }
  if (f & ts.SymbolFlags.TypeAlias) {
    const d = decl as ts.TypeAliasDeclaration;
    // The alias as written (its right-hand side), so a change of its definition shows, not its expansion.
    return [{ name, kind: "type", lines: [d.type.getText().replace(/\s+/g, " ")] }];
  }
  return [{ name, kind: "type", lines: [checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), undefined, FLAGS)] }];
}

/** The exports of src/index.ts, sorted by name, each with its kind and signatures. */
export function apiEntries(): ApiEntry[] {
  const program = ts.createProgram([ENTRY], { ...compilerOptions(), noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(ENTRY)!;
  const module = checker.getSymbolAtLocation(source)!;
  return checker
    .getExportsOfModule(module)
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((s) => entryOf(checker, s.name, s));
}

/**
 * Names that mean two things: the same name at top level and in `viz` (a `SearchRun` in each), or two runtime
 * values whose names differ only in case and underscores (`MIME_SYMBOL` and `mimeSymbol`). A factory and its type
 * (`nb201Space`, `Nb201Space`) are one thing.
 */
export function collisions(entries: readonly ApiEntry[]): string[] {
  const top = new Set(entries.filter((e) => !e.name.includes(".")).map((e) => e.name));
  const last = (name: string): string => name.slice(name.lastIndexOf(".") + 1);
  const same = entries.filter((e) => e.name.includes(".") && top.has(last(e.name))).map((e) => `${e.name} and ${last(e.name)}`);
  const seen = new Map<string, string>();
  const alike: string[] = [];
  for (const e of entries.filter((x) => isRuntime(x) && x.kind !== "namespace")) {
    const key = last(e.name).replace(/_/g, "").toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) alike.push(`${other} and ${e.name}`);
    else seen.set(key, e.name);
  }
  return [...same, ...alike];
}

/** The report's text (markdown: a count, then one section per kind). */
export function renderReport(entries: readonly ApiEntry[]): string {
  const top = entries.filter((e) => !e.name.includes("."));
  const namespaces = top.filter((e) => e.kind === "namespace").map((e) => e.name);
  const count = (es: readonly ApiEntry[]) => `${es.filter(isRuntime).length} runtime values, ${es.filter((e) => !isRuntime(e)).length} types`;
  const out = [
    "# nasbook public API",
    "",
    "Generated by `npm run api:report` from src/index.ts (test/apiReport.ts); test/apiReport.test.ts fails when this file",
    "is out of date. Review its diff: every change here is a change of what users can call.",
    "",
    `- \`import * as nas from "nasbook"\`: ${count(top)}`,
    ...namespaces.map((ns) => `- \`nas.${ns}\`: ${count(entries.filter((e) => e.name.startsWith(`${ns}.`)))}`),
    `- names that mean two things (collisions): ${collisions(entries).length}`,
    "",
  ];
  for (const e of entries) {
    out.push(`### ${e.name} (${e.kind})`, "", "```ts", ...e.lines, "```", "");
  }
  return out.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderReport(apiEntries());
  if (process.argv.includes("--write")) {
    writeFileSync(REPORT_FILE, text);
    console.log(`wrote ${REPORT_FILE}`);
  } else process.stdout.write(text);
}
