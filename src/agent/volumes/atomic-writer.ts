/**
 * Writes a set of files into a volume directory so that a reader never sees half of an update
 * (kubelet: pkg/volume/util AtomicWriter). The files live in a timestamped directory
 * `..YYYY_MM_DD_HH_MM_SS.<random>`; the symlink `..data` points at the current one and is replaced
 * in one rename; each top-level name a reader sees is a symlink through `..data`:
 *
 *   <dir>/config.yaml -> ..data/config.yaml
 *   <dir>/..data -> ..2026_12_03_16_59_01.a1b2c3
 *   <dir>/..2026_12_03_16_59_01.a1b2c3/config.yaml
 *
 * A write whose payload equals what is there changes nothing. Paths are relative, without `..`.
 */
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { BerthError, ErrorCode, type Clock } from "../../common/index.js";

/** kubelet: dataDirName. */
export const DATA_DIR_NAME = "..data";
/** kubelet: newDataDirName, the symlink made beside `..data` and renamed over it. */
export const NEW_DATA_DIR_NAME = "..data_tmp";
/** kubelet: maxFileNameLength and maxPathLength. */
const MAX_FILE_NAME_LENGTH = 255;
const MAX_PATH_LENGTH = 4096;
/** kubelet: the timestamped directories' mode. */
const TS_DIR_MODE = 0o755;

/** One file of a payload (kubelet: FileProjection). */
export interface FileProjection {
  readonly data: Buffer;
  readonly mode: number;
  /** Owner of the file, when the volume says so (projected service account tokens). */
  readonly fsUser?: number;
}

/** Relative path -> file. */
export type Payload = ReadonlyMap<string, FileProjection>;

function invalidPath(message: string, path: string): BerthError {
  return new BerthError(ErrorCode.Invalid, `invalid path: ${message}: ${path}`);
}

/** kubelet: validatePath. */
export function validatePath(path: string): void {
  if (path === "") throw invalidPath("must not be empty", path);
  if (path.length > MAX_PATH_LENGTH)
    throw invalidPath(`must be less than or equal to ${MAX_PATH_LENGTH} characters`, path);
  if (posix.isAbsolute(path)) throw invalidPath("must be relative path", path);
  const segments = path.split("/");
  if (segments.includes("..")) throw invalidPath("must not contain '..'", path);
  if (path.startsWith("..")) throw invalidPath("must not start with '..'", path);
  for (const segment of segments) {
    if (segment.length > MAX_FILE_NAME_LENGTH) {
      throw invalidPath(
        `path segments must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`,
        path,
      );
    }
  }
}

/** `..2006_01_02_15_04_05.` for the clock's time (UTC), the prefix of a timestamped directory. */
export function timestampPrefix(now: number): string {
  const d = new Date(now);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `..${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}_${two(d.getUTCHours())}_${two(d.getUTCMinutes())}_${two(d.getUTCSeconds())}.`;
}

/** The top-level names of a set of relative paths: what a reader sees in the volume directory. */
function topLevel(paths: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const p of paths) names.add(posix.normalize(p).split("/")[0] ?? p);
  return names;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Files under dir, relative path -> { data, mode }. */
async function readTree(dir: string, prefix = ""): Promise<Map<string, { data: Buffer; mode: number }>> {
  const out = new Map<string, { data: Buffer; mode: number }>();
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      for (const [k, v] of await readTree(dir, rel)) out.set(k, v);
    } else if (entry.isFile()) {
      const full = join(dir, rel);
      const [data, info] = await Promise.all([readFile(full), lstat(full)]);
      out.set(rel, { data, mode: info.mode & 0o7777 });
    }
  }
  return out;
}

function samePayload(payload: Payload, current: Map<string, { data: Buffer; mode: number }>): boolean {
  if (payload.size !== current.size) return false;
  for (const [path, file] of payload) {
    const have = current.get(posix.normalize(path));
    if (have === undefined || have.mode !== (file.mode & 0o7777) || !have.data.equals(file.data))
      return false;
  }
  return true;
}

export interface AtomicWriterOptions {
  readonly clock: Clock;
}

export class AtomicWriter {
  readonly #dir: string;
  readonly #clock: Clock;

  constructor(targetDir: string, options: AtomicWriterOptions) {
    this.#dir = targetDir;
    this.#clock = options.clock;
  }

  /**
   * Makes the directory show exactly the payload. `setPerms` runs on the new timestamped directory
   * before it becomes visible (ownership for fsGroup). Resolves true when anything changed.
   */
  async write(payload: Payload, setPerms?: (tsDir: string) => Promise<void>): Promise<boolean> {
    for (const path of payload.keys()) validatePath(path);
    await mkdir(this.#dir, { recursive: true });
    const dataLink = join(this.#dir, DATA_DIR_NAME);
    const oldTsName = await readlink(dataLink).catch(() => undefined);
    const oldTsDir = oldTsName === undefined ? undefined : join(this.#dir, oldTsName);
    const oldTree = oldTsDir === undefined ? undefined : await readTree(oldTsDir).catch(() => undefined);
    const wanted = topLevel(payload.keys());
    if (
      oldTree !== undefined &&
      samePayload(payload, oldTree) &&
      (await this.#visibleLinksComplete(wanted))
    ) {
      return false;
    }

    const tsDir = await mkdtemp(join(this.#dir, timestampPrefix(this.#clock.now())));
    await chmod(tsDir, TS_DIR_MODE);
    try {
      for (const [path, file] of payload) {
        const full = join(tsDir, path);
        await mkdir(join(full, ".."), { recursive: true, mode: TS_DIR_MODE });
        await writeFile(full, file.data, { mode: file.mode });
        await chmod(full, file.mode);
        if (file.fsUser !== undefined) await chown(full, file.fsUser, -1);
      }
      if (setPerms !== undefined) await setPerms(tsDir);
      const tmpLink = join(this.#dir, NEW_DATA_DIR_NAME);
      await rm(tmpLink, { force: true });
      await symlink(basename(tsDir), tmpLink);
      await rename(tmpLink, dataLink);
    } catch (err) {
      await rm(tsDir, { recursive: true, force: true });
      throw err;
    }

    for (const name of wanted) {
      const link = join(this.#dir, name);
      if (!(await exists(link))) await symlink(posix.join(DATA_DIR_NAME, name), link);
    }
    if (oldTsDir !== undefined) await rm(oldTsDir, { recursive: true, force: true });
    for (const name of topLevel(oldTree?.keys() ?? [])) {
      if (!wanted.has(name)) await rm(join(this.#dir, name), { force: true, recursive: true });
    }
    return true;
  }

  async #visibleLinksComplete(names: Set<string>): Promise<boolean> {
    for (const name of names) if (!(await exists(join(this.#dir, name)))) return false;
    return true;
  }
}
