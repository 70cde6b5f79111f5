/**
 * One fuzz case against the API server: a mutated manifest of a served kind sent as a create
 * (JSON, YAML, protobuf, truncated), an update or one of the four patch types, an oversized body,
 * or a list or watch with odd query parameters. A case is a pure function of its Prng.
 */
import { stringify } from "yaml";
import type { FuzzRequest } from "./client.js";
import { baseManifest, collectionPath, type Manifest, type ServedKind } from "./manifests.js";
import { applyMutations, generateMutations, LONG_STRING, type Mutation } from "./mutate.js";
import type { Prng } from "./prng.js";

export const FUZZ_NAMESPACE = "fuzz";
/** Objects created before the fuzz; only refused requests may reach them unchanged. */
export const FIXED_NAMESPACE = "fixed";
export const FIXED_NAME = "fixed";

const MIB = 1024 * 1024;
const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export type Shape =
  | "create-json"
  | "create-yaml"
  | "create-protobuf"
  | "create-truncated"
  | "update"
  | "merge-patch"
  | "strategic-merge-patch"
  | "json-patch"
  | "apply-patch"
  | "oversized"
  | "list"
  | "watch";

const SHAPES: readonly [Shape, number][] = [
  ["create-json", 30],
  ["create-yaml", 8],
  ["create-protobuf", 5],
  ["create-truncated", 6],
  ["update", 8],
  ["merge-patch", 6],
  ["strategic-merge-patch", 6],
  ["json-patch", 6],
  ["apply-patch", 6],
  ["oversized", 2],
  ["list", 10],
  ["watch", 7],
];

export interface FuzzCase {
  readonly n: number;
  readonly shape: Shape;
  readonly kind: ServedKind;
  readonly mutations: readonly Mutation[];
  /** The fixed object this case writes to, if any. */
  readonly target?: string;
  build(mutations: readonly Mutation[]): FuzzRequest;
}

function weighted(prng: Prng): Shape {
  const total = SHAPES.reduce((s, [, w]) => s + w, 0);
  let roll = prng.int(total);
  for (const [shape, w] of SHAPES) {
    if (roll < w) return shape;
    roll -= w;
  }
  return "create-json";
}

const ODD_QUERY: Record<string, readonly string[]> = {
  labelSelector: [
    "a in (",
    "!!",
    "=",
    "app=fuzz,tier notin (a,b)",
    "x".repeat(70_000),
    "a=\u0000",
    "app",
    "!app",
    "a==b==c",
  ],
  fieldSelector: [
    "metadata.name=",
    "metadata.name=x,",
    "spec.nodeName!=,status.phase=Running",
    "unknown.field=x",
    "metadata.name==a==b",
    "metadata.namespace=fuzz",
    "x".repeat(5_000),
  ],
  resourceVersion: ["-1", "abc", "99999999999999999999", "0", "1", "", "1.5", "9007199254740993"],
  resourceVersionMatch: ["Exact", "NotOlderThan", "Bogus", ""],
  timeoutSeconds: ["-5", "1e9", "x", "99999999999", "0", "1"],
  limit: ["-1", "0", "1", "1e3", "abc", "99999999999999999999", "500"],
  continue: [
    "garbage",
    "%%%",
    Buffer.from('{"v":"meta.k8s.io/v1","rv":-1,"start":"\u0000"}').toString("base64"),
    "e30=",
    "",
  ],
  allowWatchBookmarks: ["true", "yes", ""],
  includeObject: ["None", "Object", "Metadata", "Bogus"],
  fieldValidation: ["Strict", "Warn", "Ignore", "Lax"],
  dryRun: ["All", "None", ""],
};

function oddQuery(prng: Prng, watch: boolean): string {
  const params = new URLSearchParams();
  const keys = Object.keys(ODD_QUERY);
  const count = 1 + prng.int(4);
  for (let i = 0; i < count; i++) {
    const key = prng.pick(keys);
    params.append(key, prng.pick(ODD_QUERY[key] ?? [""]));
  }
  if (watch) params.set("watch", prng.pick(["true", "1", "false"]));
  return params.toString();
}

/** The JSON-patch operations that turn `base` into what the mutations describe (loosely). */
function jsonPatchOf(mutations: readonly Mutation[], prng: Prng): unknown[] {
  return mutations.map((m) => {
    if (m.op === "many-env")
      return { op: "add", path: "/spec/containers/0/env/-", value: { name: "E", value: "1" } };
    const path = `/${m.path.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
    if (m.op === "delete") return { op: prng.pick(["remove", "move", "test"]), path, from: "/metadata" };
    if (m.op === "duplicate-container") return { op: "copy", from: path, path: "/spec/containers/-" };
    return { op: prng.pick(["add", "replace", "bogus"]), path, value: m.value };
  });
}

export interface CaseContext {
  readonly kinds: readonly ServedKind[];
  readonly image: string;
  /** Kinds that have a fixed object (their collection path and name). */
  readonly fixed: ReadonlyMap<ServedKind, Manifest>;
}

/**
 * Case n. The first cases create one mutated object of each kind that takes creates, in discovery
 * order, so every served kind is fuzzed whatever the seed; the rest pick shape and kind at random.
 */
export function makeCase(n: number, prng: Prng, ctx: CaseContext): FuzzCase {
  const writable = ctx.kinds.filter((k) => k.verbs.includes("create"));
  const each = writable[n];
  const shape = each !== undefined ? "create-json" : weighted(prng);
  const kind = each ?? prng.pick(shape === "list" || shape === "watch" ? ctx.kinds : writable);
  const name = `f${n}`;
  const collection = collectionPath(kind, FUZZ_NAMESPACE);
  const fixed = ctx.fixed.get(kind);
  const base: Manifest =
    fixed !== undefined &&
    ["update", "merge-patch", "strategic-merge-patch", "json-patch", "apply-patch"].includes(shape)
      ? fixed
      : baseManifest(kind, name, ctx.image);
  const mutations = generateMutations(prng, base);
  const truncateAt = prng.int(1000);
  const protobufBody = Buffer.concat([
    prng.chance(0.8) ? PROTOBUF_MAGIC : Buffer.alloc(0),
    prng.bytes(prng.int(2_000)),
  ]);
  const oversizedType = prng.pick([
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
  ]);
  const query = oddQuery(prng, shape === "watch");
  const patchPrng = prng;
  const objectPath =
    fixed !== undefined ? `${collectionPath(kind, FIXED_NAMESPACE)}/${FIXED_NAME}` : `${collection}/${name}`;
  const writesFixed =
    fixed !== undefined &&
    ["update", "merge-patch", "strategic-merge-patch", "json-patch", "apply-patch"].includes(shape);
  return {
    n,
    shape,
    kind,
    mutations,
    ...(writesFixed ? { target: objectPath } : {}),
    build(ms) {
      const obj = applyMutations(base, ms);
      const json = () => Buffer.from(JSON.stringify(obj));
      switch (shape) {
        case "create-json":
          return { method: "POST", path: collection, contentType: "application/json", body: json() };
        case "create-yaml":
          return {
            method: "POST",
            path: collection,
            contentType: "application/yaml",
            body: Buffer.from(stringify(obj)),
          };
        case "create-protobuf":
          return {
            method: "POST",
            path: collection,
            contentType: "application/vnd.kubernetes.protobuf",
            body: protobufBody,
          };
        case "create-truncated": {
          const body = json();
          return {
            method: "POST",
            path: collection,
            contentType: "application/json",
            body: body.subarray(0, Math.floor((body.length * truncateAt) / 1000)),
          };
        }
        case "update":
          return { method: "PUT", path: objectPath, contentType: "application/json", body: json() };
        case "merge-patch":
          return {
            method: "PATCH",
            path: objectPath,
            contentType: "application/merge-patch+json",
            body: json(),
          };
        case "strategic-merge-patch":
          return {
            method: "PATCH",
            path: objectPath,
            contentType: "application/strategic-merge-patch+json",
            body: json(),
          };
        case "json-patch":
          return {
            method: "PATCH",
            path: objectPath,
            contentType: "application/json-patch+json",
            body: Buffer.from(JSON.stringify(jsonPatchOf(ms, patchPrng))),
          };
        case "apply-patch":
          return {
            method: "PATCH",
            path: `${objectPath}?fieldManager=fuzz&force=true`,
            contentType: "application/apply-patch+yaml",
            body: Buffer.from(stringify(obj)),
          };
        case "oversized": {
          const patch = oversizedType.includes("patch");
          return {
            method: patch ? "PATCH" : "POST",
            path: patch ? objectPath : collection,
            contentType: oversizedType,
            body: Buffer.alloc(3 * MIB + 512 * 1024, 0x7b),
          };
        }
        case "list":
          return { method: "GET", path: `${collection}?${query}` };
        case "watch":
          return { method: "GET", path: `${collection}?${query}&timeoutSeconds=1`, headersOnly: true };
      }
    },
  };
}

export { LONG_STRING };
