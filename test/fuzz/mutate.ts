/**
 * Manifest mutations as data, so that a failing case can be printed, replayed and shrunk: each
 * Mutation names a path in the object and what to do there. generateMutations draws one to four
 * of them from a Prng; applyMutations applies them to a deep copy.
 */
import type { Prng } from "./prng.js";

export type Path = readonly (string | number)[];

export type Mutation =
  | { readonly op: "delete"; readonly path: Path }
  | { readonly op: "set"; readonly path: Path; readonly value: unknown; readonly what: string }
  | { readonly op: "duplicate-container"; readonly path: Path }
  | { readonly op: "many-env"; readonly count: number };

/** The strings that break things: long, NUL, control characters, unicode, path tricks. */
export const LONG_STRING = "x".repeat(70_000);
const ODD_STRINGS = [
  LONG_STRING,
  "a\u0000b",
  "\u0000",
  "",
  " ",
  "UPPER_case",
  "../../etc/passwd",
  "née-\u{1f600}",
  "-leading-dash",
  "a".repeat(254),
  "line\nbreak",
  "$(echo pwned)",
];
const ODD_NUMBERS = [1e308, -1, 0, 2 ** 63, -(2 ** 63), 1.5, Number.MAX_SAFE_INTEGER + 2, 99_999_999_999];
/** Image references a registry or a runtime must refuse. */
export const BAD_IMAGES = [
  "",
  "UPPER/Case:1",
  "a::b",
  "busybox@sha256:xyz",
  "image with space",
  "127.0.0.1:99999/x:1",
  `${"x".repeat(300)}:1`,
  "127.0.0.1:5000/berth/does-not-exist:1",
  "busybox:\u0000",
  ":latest",
];

function describePath(path: Path): string {
  const key = (p: string) => (p.length > 40 ? `<${p.length}-character key>` : p);
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${key(p)}`)).join("") || ".";
}

export function describeMutation(m: Mutation): string {
  switch (m.op) {
    case "delete":
      return `delete ${describePath(m.path)}`;
    case "set":
      return `set ${describePath(m.path)} to ${m.what}`;
    case "duplicate-container":
      return `duplicate the container at ${describePath(m.path)}`;
    case "many-env":
      return `${m.count} env vars on the first container`;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every path to a value inside `obj` (objects and arrays walked), the root excluded. */
function paths(obj: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(obj)) {
    obj.forEach((v, i) => {
      out.push([...prefix, i]);
      paths(v, [...prefix, i], out);
    });
  } else if (isObject(obj)) {
    for (const [k, v] of Object.entries(obj)) {
      out.push([...prefix, k]);
      paths(v, [...prefix, k], out);
    }
  }
  return out;
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return v.length > 40 ? `a ${v.length}-character string` : JSON.stringify(v);
  return JSON.stringify(v)?.slice(0, 60) ?? String(v);
}

/** A value of another type than `current`. */
function wrongType(prng: Prng, current: unknown): unknown {
  const options: unknown[] = ["a-string", 42, true, ["list"], { a: 1 }, null];
  return prng.pick(
    options.filter((o) => typeof o !== typeof current || Array.isArray(o) !== Array.isArray(current)),
  );
}

function oneMutation(prng: Prng, base: unknown): Mutation {
  const all = paths(base);
  const path = prng.pick(all);
  const current = get(base, path);
  const containers = all.filter((p) => p.length === 3 && p[0] === "spec" && p[1] === "containers");
  const roll = prng.int(100);
  if (roll < 4 && containers.length > 0) return { op: "duplicate-container", path: prng.pick(containers) };
  if (roll < 7 && containers.length > 0) return { op: "many-env", count: 5_000 };
  if (roll < 14 && containers.length > 0) {
    const image = prng.pick(BAD_IMAGES);
    return { op: "set", path: [...prng.pick(containers), "image"], value: image, what: describeValue(image) };
  }
  if (roll < 26) return { op: "delete", path };
  if (roll < 36) return { op: "set", path, value: null, what: "null" };
  if (roll < 48) {
    const n = prng.pick(ODD_NUMBERS);
    return { op: "set", path, value: n, what: String(n) };
  }
  if (roll < 66) {
    const s = prng.pick(ODD_STRINGS);
    return { op: "set", path, value: s, what: describeValue(s) };
  }
  if (roll < 80) {
    const v = wrongType(prng, current);
    return { op: "set", path, value: v, what: describeValue(v) };
  }
  // An unknown field beside an existing one.
  const parent = path.slice(0, -1);
  const field = prng.chance(0.1) ? LONG_STRING : `fuzzUnknown${prng.int(1000)}`;
  return { op: "set", path: [...parent, field], value: prng.pick(["x", 1, {}]), what: "an unknown field" };
}

/** One to four mutations of `base`. */
export function generateMutations(prng: Prng, base: unknown): Mutation[] {
  const count = 1 + prng.int(4);
  return Array.from({ length: count }, () => oneMutation(prng, base));
}

function get(obj: unknown, path: Path): unknown {
  let v: unknown = obj;
  for (const p of path) {
    if (Array.isArray(v) && typeof p === "number") v = v[p];
    else if (isObject(v) && typeof p === "string") v = v[p];
    else return undefined;
  }
  return v;
}

/** Applies the mutations to a deep copy; a mutation whose path no longer exists does nothing. */
export function applyMutations<T>(base: T, mutations: readonly Mutation[]): T {
  const copy = structuredClone(base);
  for (const m of mutations) {
    if (m.op === "many-env") {
      const c = get(copy, ["spec", "containers", 0]);
      if (isObject(c))
        c["env"] = Array.from({ length: m.count }, (_, i) => ({ name: `FUZZ_${i}`, value: `${i}` }));
      continue;
    }
    const parent = get(copy, m.path.slice(0, -1));
    const last = m.path[m.path.length - 1];
    if (m.op === "duplicate-container") {
      const list = get(copy, m.path.slice(0, -1));
      if (Array.isArray(list) && typeof last === "number" && list[last] !== undefined)
        list.push(structuredClone(list[last]));
      continue;
    }
    if (Array.isArray(parent) && typeof last === "number") {
      if (m.op === "delete") parent.splice(last, 1);
      else parent[last] = m.value;
    } else if (isObject(parent) && typeof last === "string") {
      if (m.op === "delete") delete parent[last];
      else parent[last] = m.value;
    }
  }
  return copy;
}

/**
 * Greedy shrinking: drop one mutation at a time while the case still fails. Cheap (at most
 * n(n+1)/2 replays of a handful of mutations) and enough to name the mutation that matters.
 */
export async function shrink(
  mutations: readonly Mutation[],
  fails: (m: readonly Mutation[]) => Promise<boolean>,
): Promise<Mutation[]> {
  let current = [...mutations];
  for (let i = 0; i < current.length && current.length > 1;) {
    const without = current.filter((_, j) => j !== i);
    if (await fails(without)) current = without;
    else i++;
  }
  return current;
}
