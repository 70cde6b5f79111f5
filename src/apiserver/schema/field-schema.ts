/**
 * Which fields each served kind has, read from the type declarations that kubernetes-models ships
 * (generated from Kubernetes' OpenAPI). Used to find unknown fields (fieldValidation) and to prune
 * them. Only the shape matters here: objects with named fields, arrays, string-keyed maps and
 * scalars. Anything the reader does not understand counts as free-form, so a gap here can only let
 * a field through, never refuse a valid one.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";

export type FieldSchema =
  | { readonly type: "object"; readonly fields: ReadonlyMap<string, () => FieldSchema> }
  | { readonly type: "array"; readonly items: FieldSchema }
  | { readonly type: "map"; readonly values: FieldSchema }
  | { readonly type: "scalar"; readonly kinds: ReadonlySet<ScalarKind> }
  | { readonly type: "any" };

/** The JSON types a scalar field takes ("number | string" for IntOrString takes both). */
export type ScalarKind = "string" | "number" | "boolean";

const SCALAR_KINDS: readonly ScalarKind[] = ["string", "number", "boolean"];
const STRING: FieldSchema = { type: "scalar", kinds: new Set<ScalarKind>(["string"]) };
const ANY: FieldSchema = { type: "any" };

/** A bare module specifier as a file path (kubernetes-models exports ESM only). */
export function resolveModule(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

const byFile = new Map<string, FieldSchema>();

/** The declaration file beside a resolved module file. */
export function declarationOf(jsPath: string): string {
  return jsPath.replace(/\.js$/, ".d.ts");
}

/** The names a declaration file imports, each with the declaration file it comes from. */
export function declarationImports(path: string, text: string): Map<string, string> {
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    const from = m[2] ?? "";
    let target: string | undefined;
    try {
      target = from.startsWith(".")
        ? resolvePath(dirname(path), from.replace(/\.js$/, ".d.ts"))
        : declarationOf(resolveModule(from));
    } catch {
      target = undefined;
    }
    if (target === undefined) continue;
    for (const name of (m[1] ?? "").split(",")) imports.set(name.trim(), target);
  }
  return imports;
}

/** The body of the first exported interface, and the file's imports (name -> declaration path). */
function readDeclaration(path: string): { body: string | undefined; imports: Map<string, string> } {
  const text = readFileSync(path, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
  const imports = declarationImports(path, text);
  const start = /export interface \w+(?: extends [\w, ]+)? \{/.exec(text);
  if (start === null) return { body: undefined, imports };
  let depth = 1;
  let i = start.index + start[0].length;
  const from = i;
  for (; i < text.length && depth > 0; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}") depth--;
  }
  return { body: text.slice(from, i - 1), imports };
}

/** Splits `"a"?: T; "b": { [key: string]: U; };` into [name, type] pairs at brace depth 0. */
function members(body: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /"([^"]+)"\??:\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    let depth = 0;
    let i = re.lastIndex;
    for (; i < body.length; i++) {
      const c = body[i];
      if (c === "{" || c === "<" || c === "(") depth++;
      else if (c === "}" || c === ">" || c === ")") depth--;
      else if (c === ";" && depth === 0) break;
    }
    out.push([m[1] ?? "", body.slice(re.lastIndex, i).trim()]);
    re.lastIndex = i + 1;
  }
  return out;
}

function typeOf(text: string, imports: ReadonlyMap<string, string>): FieldSchema {
  const t = text.trim();
  const array = /^Array<([\s\S]+)>$/.exec(t);
  if (array) return { type: "array", items: typeOf(array[1] ?? "", imports) };
  const map = /^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/.exec(t);
  if (map) return { type: "map", values: typeOf(map[1] ?? "", imports) };
  if (t.startsWith('"') || /\["(kind|apiVersion)"\]$/.test(t)) return STRING;
  const parts = t.split("|").map((p) => p.trim());
  if (parts.every((p) => p === "null" || SCALAR_KINDS.some((k) => k === p))) {
    const kinds = new Set(SCALAR_KINDS.filter((k) => parts.includes(k)));
    return kinds.size > 0 ? { type: "scalar", kinds } : ANY;
  }
  const ref = imports.get(t);
  if (ref !== undefined) return schemaOfFile(ref);
  return ANY;
}

/** The schema of the interface a declaration file exports; free-form when it has no fields. */
function schemaOfFile(path: string): FieldSchema {
  const cached = byFile.get(path);
  if (cached !== undefined) return cached;
  let body: string | undefined;
  let imports = new Map<string, string>();
  try {
    ({ body, imports } = readDeclaration(path));
  } catch {
    body = undefined;
  }
  if (body === undefined) {
    // a type alias (Quantity, Time, IntOrString): a scalar, or anything
    byFile.set(path, ANY);
    return ANY;
  }
  const list = members(body);
  if (list.length === 0) {
    byFile.set(path, ANY);
    return ANY;
  }
  const fields = new Map<string, () => FieldSchema>();
  const schema: FieldSchema = { type: "object", fields };
  byFile.set(path, schema);
  for (const [name, type] of list) {
    let resolved: FieldSchema | undefined;
    fields.set(name, () => (resolved ??= typeOf(type, imports)));
  }
  return schema;
}

/** The schema of a served kind, or undefined when kubernetes-models has no declaration for it. */
export function kindSchema(group: string, version: string, kind: string): FieldSchema | undefined {
  const module =
    group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  let path: string;
  try {
    path = declarationOf(resolveModule(module));
  } catch {
    return undefined;
  }
  const schema = schemaOfFile(path);
  return schema.type === "object" ? schema : undefined;
}
