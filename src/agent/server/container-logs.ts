/**
 * /containerLogs/{namespace}/{pod}/{container} (kubelet: server.go getContainerLogs and
 * kuberuntime/logs): the container's log as the runtime gives it (CRI log files on containerd,
 * the Docker log API on Docker, both as parsed CRI lines), with PodLogOptions' query parameters
 * follow, previous, tailLines, timestamps, sinceSeconds, sinceTime and limitBytes.
 */
import type { ServerResponse } from "node:http";
import { once } from "node:events";
import { BerthError, ErrorCode, type Clock } from "../../common/index.js";
import type { ContainerRuntime, LogOptions } from "../../runtime/index.js";
import { containerIdOf, findPod, type PodSource } from "./pod-lookup.js";

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
  readonly runtime: Pick<ContainerRuntime, "readLogs">;
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
  const read: LogOptions = {
    follow: options.follow,
    signal,
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.sinceTimeNanos !== undefined ? { sinceTimeNanos: options.sinceTimeNanos } : {}),
  };
  let left = options.limitBytes ?? Number.POSITIVE_INFINITY;
  const lines = deps.runtime.readLogs(id, read)[Symbol.asyncIterator]();
  // The first line (or the end) decides the status: a runtime error before any output is a Status.
  let next = await lines.next();
  res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  try {
    while (!next.done && left > 0 && !signal.aborted) {
      const line = next.value;
      const prefix = options.timestamps ? `${line.time} ` : "";
      let chunk = Buffer.concat([
        Buffer.from(prefix),
        line.content,
        line.full ? Buffer.from("\n") : Buffer.alloc(0),
      ]);
      if (chunk.length > left) chunk = chunk.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) await once(res, "drain", { signal });
      if (left <= 0) break;
      next = await lines.next();
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    await lines.return?.();
    res.end();
  }
}
