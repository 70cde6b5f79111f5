/**
 * OpenAPI v3 component schemas of the served kinds, as kube-apiserver publishes them for kubectl
 * explain: built from the declarations kubernetes-models ships (generated from Kubernetes'
 * OpenAPI, descriptions kept as JSDoc), with integer types and formats read back from its compiled
 * validators. Schemas are named as upstream's (io.k8s.api.core.v1.PodSpec), references are
 * allOf [$ref], each kind carries x-kubernetes-group-version-kind and list fields carry their patch
 * and list extensions (list-extensions.ts).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { declarationImports, declarationOf, resolveModule } from "./field-schema.js";
import { fieldExtensions } from "./list-extensions.js";

export type OpenApiSchema = Record<string, unknown>;

export interface ServedKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

interface Member {
  readonly name: string;
  readonly type: string;
  readonly description: string;
  readonly required: boolean;
}

interface Declaration {
  /** io.k8s.api.core.v1.PodSpec */
  readonly name: string;
  readonly description: string;
  /** The interface's members; undefined for a type alias (Quantity, Time, IntOrString). */
  readonly members: readonly Member[] | undefined;
  readonly aliasOf: string;
  readonly imports: ReadonlyMap<string, string>;
  /** The compiled validator's source, to read integer types from. */
  readonly validator: string;
}

/** IIoK8sApiCoreV1PodSpec -> io.k8s.api.core.v1.PodSpec (the version token splits package and type). */
export function definitionName(alias: string): string {
  const tokens = alias.replace(/^I(?=Io)/, "").match(/[A-Z][a-z0-9]*/g) ?? [];
  let at = tokens.findIndex((t) => /^V\d+((alpha|beta)\d+)?$/.test(t));
  if (at < 0) {
    // unversioned packages: resource.Quantity, intstr.IntOrString
    at = tokens.findIndex((t) => t === "Resource" || t === "Intstr");
  }
  if (at < 0) return alias;
  return [...tokens.slice(0, at + 1).map((t) => t.toLowerCase()), tokens.slice(at + 1).join("")].join(".");
}

function jsdoc(text: string): string {
  return text
    .replace(/^\/\*\*|\*\/$/g, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim();
}

function parseMembers(body: string): Member[] {
  const out: Member[] = [];
  const re = /(\/\*\*[\s\S]*?\*\/)?\s*"([^"]+)"(\??):\s*/g;
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
    out.push({
      name: m[2] ?? "",
      type: body.slice(re.lastIndex, i).trim(),
      description: m[1] ? jsdoc(m[1]) : "",
      required: m[3] !== "?",
    });
    re.lastIndex = i + 1;
  }
  return out;
}

const declarations = new Map<string, Declaration>();

function readDeclaration(path: string): Declaration {
  const cached = declarations.get(path);
  if (cached !== undefined) return cached;
  const text = readFileSync(path, "utf8");
  const imports = declarationImports(path, text);
  const exported = /export type \{ \w+ as (I\w+),/.exec(text);
  const name = definitionName(exported?.[1] ?? "");
  const head = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\s*export (?:interface|type) I\w+/.exec(text);
  const description = head?.[1] ? jsdoc(head[1]) : "";
  const start = /export interface \w+(?: extends [\w, ]+)? \{/.exec(text);
  let members: Member[] | undefined;
  let aliasOf = "";
  if (start !== null) {
    let depth = 1;
    let i = start.index + start[0].length;
    const from = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    members = parseMembers(text.slice(from, i - 1));
  } else {
    aliasOf = /export type I\w+ = ([^;]+);/.exec(text)?.[1]?.trim() ?? "";
  }
  let validator = "";
  // the model's .js imports its compiled validator: from"../_schemas/IoK8sApiCoreV1PodSpec.js"
  const compiled = /from"(\.[^"]*_schemas\/\w+\.js)"/.exec(
    readFileSync(path.replace(/\.d\.ts$/, ".js"), "utf8"),
  );
  if (compiled?.[1] !== undefined) {
    try {
      validator = readFileSync(resolvePath(dirname(path), compiled[1]), "utf8");
    } catch {
      validator = "";
    }
  }
  const decl: Declaration = { name, description, members, aliasOf, imports, validator };
  declarations.set(path, decl);
  return decl;
}

/** integer and its format for a member, read from the compiled validator (`type:"integer"`). */
function integerFormat(validator: string, member: string): { format?: string } | undefined {
  const call = new RegExp(
    `(validate\\d+)\\(data(?:\\.${member}|\\["${member}"\\]),\\{instancePath:instancePath\\+"/${member}"`,
  ).exec(validator);
  if (call?.[1] === undefined) return undefined;
  const fn =
    new RegExp(`function ${call[1]}\\(data[\\s\\S]*?return ${call[1]}\\.errors=vErrors`).exec(
      validator,
    )?.[0] ?? "";
  if (!fn.includes('params:{type:"integer"}')) return undefined;
  const formatVar = /(formats\d+)\.validate/.exec(fn)?.[1];
  const format =
    formatVar !== undefined ? new RegExp(`${formatVar}=formats\\.(\\w+)`).exec(validator)?.[1] : undefined;
  return format !== undefined ? { format } : {};
}

function ref(name: string): OpenApiSchema {
  return { allOf: [{ $ref: `#/components/schemas/${name}` }] };
}

/** The schema of a member's type text; named schemas referenced are added to `out`. */
function typeSchema(
  text: string,
  decl: Declaration,
  member: string,
  out: Map<string, OpenApiSchema>,
): OpenApiSchema {
  const t = text.trim();
  const array = /^Array<([\s\S]+)>$/.exec(t);
  if (array) {
    const items = typeSchema(array[1] ?? "", decl, "", out);
    return { type: "array", items: items["allOf"] !== undefined ? { default: {}, ...items } : items };
  }
  const map = /^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/.exec(t);
  if (map) return { type: "object", additionalProperties: typeSchema(map[1] ?? "", decl, "", out) };
  if (/\["(kind|apiVersion)"\]$/.test(t) || member === "apiVersion" || member === "kind")
    return { type: "string" };
  const parts = t.split("|").map((p) => p.trim());
  if (parts.every((p) => p.startsWith('"')))
    return { type: "string", enum: parts.map((p) => JSON.parse(p) as string) };
  if (t === "string") return { type: "string" };
  if (t === "boolean") return { type: "boolean" };
  if (t === "number") {
    const integer = member === "" ? undefined : integerFormat(decl.validator, member);
    return integer !== undefined ? { type: "integer", ...integer } : { type: "number" };
  }
  const path = decl.imports.get(t);
  if (path !== undefined) return ref(collect(path, out));
  return {};
}

function aliasSchema(decl: Declaration): OpenApiSchema {
  const base: OpenApiSchema = decl.description !== "" ? { description: decl.description } : {};
  if (decl.name.endsWith("intstr.IntOrString")) return { ...base, type: "string", format: "int-or-string" };
  if (decl.aliasOf === "string") {
    return decl.name.endsWith(".Time") || decl.name.endsWith(".MicroTime")
      ? { ...base, type: "string", format: "date-time" }
      : { ...base, type: "string" };
  }
  if (decl.name.endsWith("resource.Quantity")) return { ...base, type: "string" };
  return base;
}

/** Adds the declaration at `path` and everything it references; returns its name. */
function collect(path: string, out: Map<string, OpenApiSchema>): string {
  const decl = readDeclaration(path);
  if (out.has(decl.name)) return decl.name;
  const schema: OpenApiSchema = {};
  out.set(decl.name, schema);
  if (decl.members === undefined) {
    Object.assign(schema, aliasSchema(decl));
    return decl.name;
  }
  if (decl.description !== "") schema["description"] = decl.description;
  schema["type"] = "object";
  const properties: Record<string, OpenApiSchema> = {};
  for (const m of decl.members) {
    const s = { ...typeSchema(m.type, decl, m.name, out), ...fieldExtensions(decl.name, m.name) };
    properties[m.name] = m.description !== "" ? { description: m.description, ...s } : s;
  }
  if (decl.members.length > 0) schema["properties"] = properties;
  const required = decl.members.filter((m) => m.required && m.name !== "apiVersion" && m.name !== "kind");
  if (required.length > 0) schema["required"] = required.map((m) => m.name);
  return decl.name;
}

const byKinds = new Map<string, Record<string, OpenApiSchema>>();

/** The body of every PATCH operation (io.k8s.apimachinery.pkg.apis.meta.v1.Patch). */
const PATCH_BODY_MODULE = "@kubernetes-models/apimachinery/apis/meta/v1/Patch";
export const PATCH_BODY_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

/** Component schemas for these kinds, everything they reference, and the PATCH body. */
export function componentSchemas(kinds: readonly ServedKind[]): Record<string, OpenApiSchema> {
  const key = kinds.map((k) => `${k.group}/${k.version}/${k.kind}`).join(",");
  const cached = byKinds.get(key);
  if (cached !== undefined) return cached;
  const out = new Map<string, OpenApiSchema>();
  for (const k of kinds) {
    const module =
      k.group === ""
        ? `kubernetes-models/${k.version}/${k.kind}`
        : `kubernetes-models/${k.group}/${k.version}/${k.kind}`;
    let path: string;
    try {
      path = declarationOf(resolveModule(module));
    } catch {
      continue;
    }
    const name = collect(path, out);
    const schema = out.get(name);
    if (schema !== undefined) {
      schema["x-kubernetes-group-version-kind"] = [{ group: k.group, kind: k.kind, version: k.version }];
    }
  }
  collect(declarationOf(resolveModule(PATCH_BODY_MODULE)), out);
  const result = Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  byKinds.set(key, result);
  return result;
}
