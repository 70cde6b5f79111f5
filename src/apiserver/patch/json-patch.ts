/**
 * JSON patch (RFC 6902) with JSON pointers (RFC 6901), as kube-apiserver applies
 * `application/json-patch+json` (evanphx/json-patch).
 *
 * Error codes follow kube-apiserver's patch handler: a patch document that cannot be decoded
 * (not an array, unknown op, missing path/value/from) is 400 BadRequest; a patch that decodes but
 * cannot be applied (missing path, index out of range, failed `test`) is 422, which berth raises as
 * ErrorCode.Invalid (upstream answers a generic 422 with reason Invalid and no causes).
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import { clone, deepEqual, isObject, type JsonValue } from "./json-value.js";

export type JsonPatchOperation =
  | { readonly op: "add" | "replace" | "test"; readonly path: string; readonly value: JsonValue }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "move" | "copy"; readonly from: string; readonly path: string };

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

function badRequest(message: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, message);
}

function unprocessable(message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message);
}

/** Splits a JSON pointer into unescaped reference tokens ("~1" -> "/", "~0" -> "~"). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw badRequest(`JSON pointer must be empty or start with a "/": ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => {
      if (/~[^01]|~$/.test(token))
        throw badRequest(`invalid JSON pointer escape in ${JSON.stringify(pointer)}`);
      return token.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

/** Escapes one reference token for a JSON pointer. */
export function escapeJsonPointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Validates the shape of a decoded patch document (the DecodePatch step). */
export function decodeJsonPatch(ops: unknown): JsonPatchOperation[] {
  if (!Array.isArray(ops)) {
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw badRequest(`invalid JSON patch operation at index ${i}: not an object`);
    const op = raw["op"];
    if (typeof op !== "string" || !OPS.has(op)) throw badRequest(`Unexpected kind: ${String(op)}`);
    const path = raw["path"];
    if (typeof path !== "string") throw badRequest(`${op} operation missing path at index ${i}`);
    parseJsonPointer(path);
    if (op === "move" || op === "copy") {
      const from = raw["from"];
      if (typeof from !== "string") throw badRequest(`${op} operation missing from at index ${i}`);
      parseJsonPointer(from);
      return { op, from, path };
    }
    if (op === "remove") return { op, path };
    if (!Object.hasOwn(raw, "value")) throw badRequest(`${op} operation missing value at index ${i}`);
    return { op, path, value: raw["value"] as JsonValue };
  }) as JsonPatchOperation[];
}

type Container = JsonValue[] | { [key: string]: JsonValue };

/** evanphx/json-patch's wording for a path whose parent is missing, per operation. */
function missingPath(op: string, path: string): BerthError {
  const where =
    op === "add" || op === "remove"
      ? `doc is missing path: "${path}"`
      : op === "move" || op === "copy"
        ? `doc is missing from path: ${path}`
        : op === "test"
          ? `is missing path: ${path}`
          : `doc is missing path: ${path}`;
  return unprocessable(`${op} operation does not apply: ${where}: missing value`);
}

/** Resolves the parent container of a pointer and the last token. */
function resolveParent(doc: JsonValue, tokens: string[], op: string, path: string): [Container, string] {
  let node: JsonValue = doc;
  for (const token of tokens.slice(0, -1)) {
    let next: JsonValue | undefined;
    if (Array.isArray(node)) next = /^(0|[1-9][0-9]*)$/.test(token) ? node[Number(token)] : undefined;
    else if (isObject(node)) next = Object.hasOwn(node, token) ? node[token] : undefined;
    if (next === undefined || next === null || typeof next !== "object") {
      throw missingPath(op, path);
    }
    node = next;
  }
  if (node === null || typeof node !== "object") throw missingPath(op, path);
  return [node, tokens[tokens.length - 1] ?? ""];
}

function arrayIndex(arr: JsonValue[], token: string, op: string, path: string, allowEnd: boolean): number {
  if (allowEnd && token === "-") return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw unprocessable(
      `${op} operation does not apply: invalid array index ${JSON.stringify(token)} in "${path}"`,
    );
  }
  const index = Number(token);
  if (index > arr.length || (!allowEnd && index === arr.length)) {
    throw unprocessable(`${op} operation does not apply: index out of bounds ${index} in "${path}"`);
  }
  return index;
}

function getAt(doc: JsonValue, path: string, op: string): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) return doc;
  const [parent, last] = resolveParent(doc, tokens, op, path);
  const value = Array.isArray(parent)
    ? parent[arrayIndex(parent, last, op, path, false)]
    : Object.hasOwn(parent, last)
      ? parent[last]
      : undefined;
  if (value === undefined)
    throw unprocessable(`${op} operation does not apply: doc is missing key: ${path}: missing value`);
  return value;
}

function addAt(doc: JsonValue, path: string, value: JsonValue, op: string): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) return value;
  const [parent, last] = resolveParent(doc, tokens, op, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, op, path, true), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: JsonValue, path: string, op: string): JsonValue {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0)
    throw unprocessable(`${op} operation does not apply: cannot remove the whole document`);
  const [parent, last] = resolveParent(doc, tokens, op, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, op, path, false), 1);
  else {
    if (!Object.hasOwn(parent, last)) throw missingPath(op, path);
    delete parent[last];
  }
  return doc;
}

/** Applies the operations in order to a copy of `target`; the input is never modified. */
export function applyJsonPatch(target: unknown, ops: unknown): JsonValue {
  const operations = decodeJsonPatch(ops);
  let doc = clone(target as JsonValue);
  for (const operation of operations) {
    switch (operation.op) {
      case "add":
        doc = addAt(doc, operation.path, clone(operation.value), "add");
        break;
      case "remove":
        doc = removeAt(doc, operation.path, "remove");
        break;
      case "replace":
        getAt(doc, operation.path, "replace");
        if (parseJsonPointer(operation.path).length === 0) doc = clone(operation.value);
        else {
          doc = removeAt(doc, operation.path, "replace");
          doc = addAt(doc, operation.path, clone(operation.value), "replace");
        }
        break;
      case "move": {
        if (operation.path.startsWith(`${operation.from}/`)) {
          throw unprocessable(
            `move operation does not apply: "${operation.path}" is a child of "${operation.from}"`,
          );
        }
        const value = getAt(doc, operation.from, "move");
        doc = removeAt(doc, operation.from, "move");
        doc = addAt(doc, operation.path, value, "move");
        break;
      }
      case "copy":
        doc = addAt(doc, operation.path, clone(getAt(doc, operation.from, "copy")), "copy");
        break;
      case "test": {
        const tokens = parseJsonPointer(operation.path);
        let actual: JsonValue | undefined = doc;
        if (tokens.length > 0) {
          const [parent, last] = resolveParent(doc, tokens, "test", operation.path);
          actual = Array.isArray(parent)
            ? /^(0|[1-9][0-9]*)$/.test(last)
              ? parent[Number(last)]
              : undefined
            : Object.hasOwn(parent, last)
              ? parent[last]
              : undefined;
        }
        // A missing member equals an expected null, as upstream.
        if (actual === undefined ? operation.value !== null : !deepEqual(actual, operation.value)) {
          throw unprocessable(`testing value ${operation.path} failed: test failed`);
        }
        break;
      }
    }
  }
  return doc;
}
