/** IP addresses as the octets a subjectAltName iPAddress carries (4 bytes for v4, 16 for v6). */
import { isIPv4, isIPv6 } from "node:net";
import { BerthError, ErrorCode } from "../common/errors.js";

function v4Bytes(text: string): number[] {
  return text.split(".").map(Number);
}

export function ipToBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(v4Bytes(text));
  if (!isIPv6(text) || text.includes("%")) {
    throw new BerthError(ErrorCode.Invalid, `not an IP address: ${JSON.stringify(text)}`);
  }
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(":");
  if (body.slice(lastColon + 1).includes(".")) {
    tail = v4Bytes(body.slice(lastColon + 1));
    body = body.slice(0, lastColon + 1) + "0:0";
  }
  const [head = "", rest] = body.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const missing = 8 - left.length - right.length;
  const groups = rest === undefined ? left : [...left, ...Array<string>(missing).fill("0"), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length === 4) Buffer.from(tail).copy(out, 12);
  return out;
}
