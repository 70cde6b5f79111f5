import { BerthError, ErrorCode } from "../common/index.js";

/** One member of a tar stream. Paths are relative ("bin/sh"), directories end without a slash. */
export type TarEntry =
  | { readonly type: "file"; readonly path: string; readonly mode: number; readonly data: Uint8Array }
  | { readonly type: "dir"; readonly path: string; readonly mode: number }
  | { readonly type: "symlink"; readonly path: string; readonly target: string };

export interface TarOwner {
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch; a fixed value keeps the digests reproducible. */
  readonly mtime: number;
}

const BLOCK = 512;
const NAME_LENGTH = 100;
const PREFIX_LENGTH = 155;
const LINKNAME_LENGTH = 100;
/** The largest size an 11-digit octal field holds (8 GiB - 1). */
const MAX_SIZE = 0o77777777777;

const TYPE_FLAG = { file: "0", symlink: "2", dir: "5" } as const;

/** A POSIX ustar archive of the entries, in order, closed by two zero blocks. */
export function writeTar(entries: readonly TarEntry[], owner: TarOwner): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === "file" ? entry.data : new Uint8Array(0);
    parts.push(tarHeader(entry, data.length, owner));
    if (data.length > 0) {
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (padding > 0) parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The 512-byte ustar header of one entry. */
export function tarHeader(entry: TarEntry, size: number, owner: TarOwner): Buffer {
  if (size > MAX_SIZE) {
    throw new BerthError(ErrorCode.Invalid, `tar entry ${entry.path} is too large (${size} bytes)`);
  }
  const header = Buffer.alloc(BLOCK);
  const name = entry.type === "dir" ? `${entry.path}/` : entry.path;
  const [prefix, base] = splitName(name);
  header.write(base, 0, NAME_LENGTH, "utf8");
  writeOctal(header, 100, 8, entry.type === "symlink" ? 0o777 : entry.mode & 0o7777);
  writeOctal(header, 108, 8, owner.uid);
  writeOctal(header, 116, 8, owner.gid);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, owner.mtime);
  header.write(TYPE_FLAG[entry.type], 156, 1, "ascii");
  if (entry.type === "symlink") {
    if (entry.target === "" || Buffer.byteLength(entry.target) > LINKNAME_LENGTH) {
      throw new BerthError(
        ErrorCode.Invalid,
        `symlink ${entry.path} has an unusable target "${entry.target}"`,
      );
    }
    header.write(entry.target, 157, LINKNAME_LENGTH, "utf8");
  }
  header.write("ustar\u000000", 257, 8, "ascii");
  header.write(owner.uid === 0 ? "root" : "", 265, 32, "ascii");
  header.write(owner.gid === 0 ? "root" : "", 297, 32, "ascii");
  header.write(prefix, 345, PREFIX_LENGTH, "utf8");
  // The checksum is computed with its own field read as eight spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "ascii");
  return header;
}

/** ustar splits long names at a slash into prefix (155 bytes) and name (100 bytes). */
function splitName(name: string): [prefix: string, base: string] {
  if (Buffer.byteLength(name) <= NAME_LENGTH) return ["", name];
  for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= PREFIX_LENGTH && Buffer.byteLength(base) <= NAME_LENGTH && base !== "") {
      return [prefix, base];
    }
  }
  throw new BerthError(ErrorCode.Invalid, `path ${name} is too long for a ustar header`);
}

/** A zero-padded octal number followed by NUL, filling `width` bytes. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new BerthError(ErrorCode.Invalid, `tar header field must be a non-negative integer, got ${value}`);
  }
  const text = value.toString(8).padStart(width - 1, "0");
  if (text.length > width - 1) {
    throw new BerthError(
      ErrorCode.Invalid,
      `tar header value ${value} does not fit ${width - 1} octal digits`,
    );
  }
  header.write(`${text}\u0000`, offset, width, "ascii");
}
