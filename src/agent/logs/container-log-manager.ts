/**
 * Rotation of CRI container log files (kubelet: pkg/kubelet/logs container_log_manager.go). Every
 * LOG_MONITOR_PERIOD_MS it looks at each running container's log file; one larger than
 * containerLogMaxSize is renamed to `<path>.<YYYYMMDD-HHMMSS>` and the runtime is asked to reopen
 * the path (CRI ReopenContainerLog). Older rotated files are gzip-compressed and the oldest
 * removed so that at most containerLogMaxFiles files remain, the live one included. `kubectl logs`
 * reads the live file, as with the kubelet. Docker rotates its own json-file logs instead.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { errorMessage, type Clock, type Logger } from "../../common/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";

/** kubelet: logMonitorPeriod. */
export const LOG_MONITOR_PERIOD_MS = 10_000;
/** kubelet: the timestamp suffix of a rotated file ("20060102-150405"). */
export function rotationSuffix(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const TMP_SUFFIX = ".tmp";
const GZ_SUFFIX = ".gz";

export interface ContainerLogManagerOptions {
  readonly runtime: Pick<ContainerRuntime, "listContainerStates" | "containerStatus" | "reopenContainerLog">;
  readonly maxSizeBytes: number;
  readonly maxFiles: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class ContainerLogManager {
  readonly #o: ContainerLogManagerOptions;
  readonly #log: Logger;
  /**
   * Each running container's log path, which is fixed at its creation: a status call per container
   * per period is the kubelet's way, 22 calls a second with 110 pods, and only the first is needed.
   */
  readonly #logPaths = new Map<string, string>();

  constructor(options: ContainerLogManagerOptions) {
    if (options.maxFiles < 2) throw new RangeError("containerLogMaxFiles must be at least 2");
    this.#o = options;
    this.#log = options.logger.child({ component: "container-log-manager" });
  }

  /** Checks every period until the signal aborts. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.rotateAll();
      await this.#o.clock.sleep(LOG_MONITOR_PERIOD_MS, signal).catch(() => undefined);
    }
  }

  async rotateAll(): Promise<void> {
    let containers;
    try {
      containers = await this.#o.runtime.listContainerStates({ state: "running" });
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, "cannot list containers for log rotation");
      return;
    }
    const running = new Set(containers.map((c) => c.id));
    for (const id of this.#logPaths.keys()) if (!running.has(id)) this.#logPaths.delete(id);
    for (const c of containers) {
      try {
        let path = this.#logPaths.get(c.id);
        if (path === undefined) {
          path = (await this.#o.runtime.containerStatus(c.id)).logPath;
          this.#logPaths.set(c.id, path);
        }
        if (path === "") continue;
        const size = (await stat(path).catch(() => undefined))?.size ?? 0;
        if (size > this.#o.maxSizeBytes) await this.rotate(c.id, path);
      } catch (err) {
        this.#log.warn({ container: c.id, err: errorMessage(err) }, "container log rotation failed");
      }
    }
  }

  /** The rotated files of `path`, oldest first (names sort by their timestamp). */
  async #rotated(path: string): Promise<string[]> {
    const dir = dirname(path);
    const prefix = `${basename(path)}.`;
    const names = (await readdir(dir)).filter((n) => n.startsWith(prefix)).sort();
    for (const n of names.filter((n) => n.endsWith(TMP_SUFFIX)))
      await unlink(join(dir, n)).catch(() => undefined);
    return names.filter((n) => !n.endsWith(TMP_SUFFIX)).map((n) => join(dir, n));
  }

  async rotate(id: string, path: string): Promise<void> {
    let rotated = await this.#rotated(path);
    // Keep maxFiles - 2 old ones: the live file and the one about to be rotated make up the rest.
    const excess = rotated.length - (this.#o.maxFiles - 2);
    for (const old of rotated.slice(0, Math.max(0, excess))) await unlink(old).catch(() => undefined);
    rotated = rotated.slice(Math.max(0, excess));
    for (const old of rotated.filter((f) => !f.endsWith(GZ_SUFFIX))) await compress(old);
    const target = `${path}.${rotationSuffix(this.#o.clock.now())}`;
    await rename(path, target);
    try {
      await this.#o.runtime.reopenContainerLog(id);
    } catch (err) {
      // The runtime still writes to the renamed file: give it its name back.
      await rename(target, path).catch(() => undefined);
      throw err;
    }
    this.#log.info({ container: id, rotated: target }, "container log rotated");
  }
}

async function compress(path: string): Promise<void> {
  const tmp = `${path}${GZ_SUFFIX}${TMP_SUFFIX}`;
  // zlib is loaded on the first rotation only, to keep it out of the resident agent until then.
  const { createGzip } = await import("node:zlib");
  await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp));
  await rename(tmp, `${path}${GZ_SUFFIX}`);
  await unlink(path);
}
