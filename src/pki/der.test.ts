import { describe, expect, it } from "vitest";
import * as der from "./der.js";
import { children, readNode, readOid, readString } from "./der-reader.js";
import { ipToBytes } from "./ip.js";

const hex = (b: Buffer): string => b.toString("hex");

describe("DER encoder", () => {
  it("encodes integers minimally with a sign byte when the high bit is set", () => {
    expect(hex(der.integer(0))).toBe("020100");
    expect(hex(der.integer(2))).toBe("020102");
    expect(hex(der.integer(128))).toBe("02020080");
    expect(hex(der.integer(Buffer.from([0, 0, 0x7f])))).toBe("02017f");
    expect(hex(der.integer(Buffer.from([0xff, 0x01])))).toBe("020300ff01");
  });

  it("encodes OIDs with base-128 arcs (RFC example 1.2.840.113549)", () => {
    expect(hex(der.oid("1.2.840.113549"))).toBe("06062a864886f70d");
    expect(hex(der.oid("2.5.4.3"))).toBe("0603550403");
    expect(readOid(readNode(der.oid("1.2.840.10045.4.3.2")))).toBe("1.2.840.10045.4.3.2");
    expect(readOid(readNode(der.oid("2.999.3")))).toBe("2.999.3");
  });

  it("uses the long length form above 127 bytes and reads it back", () => {
    const long = der.octetString(Buffer.alloc(300, 7));
    expect(hex(long.subarray(0, 4))).toBe("0482012c");
    expect(readNode(long).content.length).toBe(300);
  });

  it("drops trailing zero bits in named bit strings", () => {
    // digitalSignature(0), keyCertSign(5), cRLSign(6): 1000 0110, one unused bit
    expect(hex(der.namedBits([0, 5, 6]))).toBe("03020186");
    expect(hex(der.namedBits([0]))).toBe("03020780");
    expect(hex(der.namedBits([8]))).toBe("0303070080");
  });

  it("writes UTCTime before 2050 and GeneralizedTime from 2050", () => {
    expect(der.time(new Date("2026-01-02T03:04:05Z")).toString("latin1", 2)).toBe("260102030405Z");
    expect(der.time(new Date("2026-01-02T03:04:05Z"))[0]).toBe(der.Tag.UtcTime);
    const late = der.time(new Date("2051-12-31T23:59:59Z"));
    expect(late[0]).toBe(der.Tag.GeneralizedTime);
    expect(late.toString("latin1", 2)).toBe("20511231235959Z");
  });

  it("sorts SET OF elements and walks nested values", () => {
    const s = der.set(der.integer(5), der.integer(1));
    expect(children(readNode(s)).map((c) => c.content[0])).toEqual([1, 5]);
    expect(readString(readNode(der.utf8String("grüße")))).toBe("grüße");
  });

  it("rejects truncated input with a BerthError", () => {
    expect(() => readNode(Buffer.from([0x30, 0x05, 0x01]))).toThrow(/malformed DER/);
    expect(() => readNode(Buffer.from([0x30]))).toThrow(expect.objectContaining({ code: "BadRequest" }));
  });
});

describe("ipToBytes", () => {
  it("encodes IPv4 and IPv6 forms", () => {
    expect(hex(ipToBytes("127.0.0.1"))).toBe("7f000001");
    expect(hex(ipToBytes("::1"))).toBe("00000000000000000000000000000001");
    expect(hex(ipToBytes("fd00:10::2"))).toBe("fd000010000000000000000000000002");
    expect(hex(ipToBytes("::ffff:10.0.0.1"))).toBe("00000000000000000000ffff0a000001");
    expect(hex(ipToBytes("1:2:3:4:5:6:7:8"))).toBe("00010002000300040005000600070008");
    expect(hex(ipToBytes("::"))).toBe("00".repeat(16));
  });

  it("rejects what is not an address", () => {
    expect(() => ipToBytes("localhost")).toThrow(expect.objectContaining({ code: "Invalid" }));
    expect(() => ipToBytes("fe80::1%eth0")).toThrow(/not an IP address/);
  });
});
