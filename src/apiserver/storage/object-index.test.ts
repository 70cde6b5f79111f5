import { describe, expect, it } from "vitest";
import { ObjectIndex } from "./object-index.js";
import type { StoredObject } from "./storage.js";

const obj = (key: string, rev = 1): StoredObject => ({
  key,
  value: new Uint8Array(),
  modRevision: rev,
  createRevision: rev,
});
const keys = (r: { items: StoredObject[] }): string[] => r.items.map((i) => i.key);

describe("ObjectIndex", () => {
  it("scans a prefix in key order with startAfter and limit", () => {
    const index = new ObjectIndex();
    for (const k of ["/p/c", "/p/a", "/q/a", "/p/b", "/p0", "/p/"]) index.set(obj(k));
    expect(keys(index.scan("/p/", undefined, 0))).toEqual(["/p/", "/p/a", "/p/b", "/p/c"]);
    expect(index.scan("/p/", undefined, 2)).toMatchObject({ more: true });
    expect(keys(index.scan("/p/", "/p/a", 2))).toEqual(["/p/b", "/p/c"]);
    expect(index.scan("/p/", "/p/a", 2).more).toBe(false);
    expect(keys(index.scan("", "/p0", 0))).toEqual(["/q/a"]);
    expect(keys(index.scan("/p/", "/a", 1))).toEqual(["/p/"]);
  });

  it("replaces, deletes and reloads", () => {
    const index = new ObjectIndex();
    index.set(obj("/a", 1));
    index.set(obj("/a", 2));
    index.set(obj("/b", 3));
    expect(index.size).toBe(2);
    expect(index.get("/a")?.modRevision).toBe(2);
    index.delete("/a");
    index.delete("/missing");
    expect(keys(index.scan("", undefined, 0))).toEqual(["/b"]);
    index.load([obj("/y"), obj("/x")]);
    expect(keys(index.scan("", undefined, 0))).toEqual(["/x", "/y"]);
    expect(index.get("/b")).toBeUndefined();
  });
});
