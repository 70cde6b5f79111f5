/**
 * /containerLogs/{namespace}/{pod}/{container} (kubelet: server.go getContainerLogs and
 * kuberuntime/logs): the container's log as the runtime writes it out (readLogOutput: CRI log files
 * on containerd, the Docker log API on Docker), in chunks of many lines, with PodLogOptions' query
 * parameters follow, previous, tailLines, timestamps, sinceSeconds, sinceTime and limitBytes.
 */
import type { ServerResponse } from "node:http";
import { once } from "node:events";
import { BerthError, ErrorCode, type Clock } from "../../common/index.js";
import type { ContainerRuntime, LogOutputOptions } from "../../runtime/index.js";
import { containerIdOf, findPod, type PodSource } from "./pod-lookup.js";

/** The most log bytes gathered into one write. */
const FLUSH_BYTES = 64 * 1024;

export interface PodLogQuery {
  readonly follow: boolean;
  readonly previous: boolean;
  readonly timestamps: boolean;
  readonly tailLines?: number;
  readonly limitBytes?: number;
  readonly sinceTimeNanos?: bigint;
}

function bool(query: URLSearchParams, key: string): boolean {
  const v = query.get(key);
  if (v === null || v === "" || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  throw new BerthError(ErrorCode.BadRequest, `${key}: invalid boolean value ${JSON.stringify(v)}`);
}

function int(query: URLSearchParams, key: string, min: number): number | undefined {
  const v = query.get(key);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new BerthError(
      ErrorCode.BadRequest,
      `${key}: must be an integer of at least ${min}, not ${JSON.stringify(v)}`,
    );
  }
  return n;
}

/** Parses and checks PodLogOptions as the API server's validation would. */
export function parseLogQuery(query: URLSearchParams, nowNanos: bigint): PodLogQuery {
  const sinceSeconds = int(query, "sinceSeconds", 1);
  const sinceTime = query.get("sinceTime");
  if (sinceSeconds !== undefined && sinceTime !== null && sinceTime !== "") {
    throw new BerthError(ErrorCode.BadRequest, "at most one of sinceTime or sinceSeconds may be specified");
  }
  let sinceTimeNanos: bigint | undefined;
  if (sinceSeconds !== undefined) sinceTimeNanos = nowNanos - BigInt(sinceSeconds) * 1_000_000_000n;
  else if (sinceTime !== null && sinceTime !== "") {
    const ms = Date.parse(sinceTime);
    if (Number.isNaN(ms))
      throw new BerthError(
        ErrorCode.BadRequest,
        `sinceTime: ${JSON.stringify(sinceTime)} is not an RFC 3339 time`,
      );
    sinceTimeNanos = BigInt(ms) * 1_000_000n;
  }
  const tailLines = int(query, "tailLines", 0);
  const limitBytes = int(query, "limitBytes", 1);
  return {
    follow: bool(query, "follow"),
    previous: bool(query, "previous"),
    timestamps: bool(query, "timestamps"),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceTimeNanos !== undefined ? { sinceTimeNanos } : {}),
  };
}

export interface ContainerLogsDeps {
  readonly runtime: Pick<ContainerRuntime, "readLogOutput">;
  readonly pods: PodSource;
  readonly clock: Clock;
}

/** Streams the log to `res`; ends when the log (or, following, the container) ends or the client leaves. */
export async function serveContainerLogs(
  deps: ContainerLogsDeps,
  res: ServerResponse,
  target: { namespace: string; pod: string; container: string },
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<void> {
  const options = parseLogQuery(query, deps.clock.nowNanos());
  const pod = findPod(deps.pods, target.namespace, target.pod);
  const id = containerIdOf(pod, target.container, options.previous);
  const read: LogOutputOptions = {
    follow: options.follow,
    timestamps: options.timestamps,
    signal,
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.sinceTimeNanos !== undefined ? { sinceTimeNanos: options.sinceTimeNanos } : {}),
  };
  // kubelet: limitBytes counts the bytes written, timestamps and newlines included.
  let left = options.limitBytes ?? Number.POSITIVE_INFINITY;
  const chunks = deps.runtime.readLogOutput(id, read)[Symbol.asyncIterator]();
  // The first chunk (or the end) decides the status: a runtime error before any output is a Status.
  let next = await chunks.next();
  res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  // Chunks that arrive in one macrotask (a runtime that yields line by line) are written
  // together, at most FLUSH_BYTES at a time, not one TLS record per line; a large chunk goes as is.
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    if (!res.write(chunk)) await once(res, "drain", { signal });
  };
  let idle: Promise<void> = Promise.resolve();
  try {
    while (!next.done && left > 0 && !signal.aborted) {
      let chunk = next.value;
      if (chunk.length > left) chunk = chunk.subarray(0, left);
      left -= chunk.length;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= FLUSH_BYTES) await flush();
      else if (!scheduled) {
        scheduled = true;
        idle = new Promise<void>((resolve) =>
          setImmediate(() => {
            scheduled = false;
            void flush().then(resolve, resolve);
          }),
        );
      }
      if (left <= 0) break;
      next = await chunks.next();
    }
    await idle;
    await flush();
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    await chunks.return?.();
    res.end();
  }
}
