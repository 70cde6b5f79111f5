import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/errors.js";
import {
  MAX_REQUEST_BYTES,
  checkKey,
  checkLimit,
  checkPrefix,
  checkRevision,
  checkValue,
  prefixEnd,
} from "./keys.js";

describe("prefixEnd", () => {
  it("is the first key after every key with the prefix", () => {
    expect(prefixEnd("/registry/pods/")).toBe("/registry/pods0");
    expect(prefixEnd("/a")).toBe("/b");
    expect(prefixEnd("/a\uffff")).toBe("/b");
    expect(prefixEnd("")).toBeUndefined();
    expect(prefixEnd("\uffff")).toBeUndefined();
  });
});

describe("input checks", () => {
  it("accepts good input", () => {
    expect(() => checkKey("/registry/pods/default/web")).not.toThrow();
    expect(() => checkPrefix("")).not.toThrow();
    expect(() => checkPrefix("/registry/")).not.toThrow();
    expect(() => checkValue("/k", new Uint8Array(1))).not.toThrow();
    expect(() => checkRevision("r", undefined)).not.toThrow();
    expect(() => checkLimit(0)).not.toThrow();
  });

  it.each([
    ["empty key", () => checkKey("")],
    ["relative key", () => checkKey("registry/x")],
    ["NUL in key", () => checkKey("/a\0b")],
    ["key not a string", () => checkKey(42)],
    ["relative prefix", () => checkPrefix("pods/")],
    ["string value", () => checkValue("/k", "{}")],
    ["negative revision", () => checkRevision("revision", -1)],
    ["fractional revision", () => checkRevision("revision", 1.5)],
    ["revision as string", () => checkRevision("revision", "7")],
    ["negative limit", () => checkLimit(-5)],
  ])("rejects %s with BadRequest", (_name, fn) => {
    expect(fn).toThrow(expect.objectContaining({ code: ErrorCode.BadRequest }));
  });
});

describe("the request size limit (etcd --max-request-bytes)", () => {
  const key = "/registry/configmaps/default/big";
  it("takes a key and value of exactly 1.5 MiB", () => {
    const value = new Uint8Array(MAX_REQUEST_BYTES - Buffer.byteLength(key));
    expect(() => checkValue(key, value)).not.toThrow();
  });

  it("refuses one byte more with etcd's text, as a RequestEntityTooLarge", () => {
    const value = new Uint8Array(MAX_REQUEST_BYTES - Buffer.byteLength(key) + 1);
    expect(() => checkValue(key, value)).toThrow(
      expect.objectContaining({
        code: ErrorCode.Unsupported,
        message: "etcdserver: request is too large",
        details: expect.objectContaining({ reason: "RequestEntityTooLarge" }),
      }),
    );
  });
});
