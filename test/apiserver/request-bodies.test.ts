/**
 * Bodies the server refuses, sent many at a time while CPU-busy neighbours load the machine: every
 * request gets its Status (413, 415, 404, 400, 422), none gets a reset connection, and the
 * connections the refusals shared keep serving.
 */
import { Readable } from "node:stream";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBusyNeighbours, type BusyNeighbours } from "../support/busy-neighbour.js";
import { startApiServerProcess, type ApiServerProcess } from "../support/apiserver-process.js";

const MIB = 1024 * 1024;
const PODS = "/api/v1/namespaces/default/pods";
const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";

interface Sent {
  readonly name: string;
  readonly method: "POST" | "PUT" | "PATCH";
  readonly path: string;
  readonly contentType: string;
  /** Bytes, or a generator for a chunked body of unknown length. */
  readonly body: Buffer | (() => AsyncIterable<Buffer>);
  readonly code: number;
  readonly reason: string;
}

function chunked(total: number, chunk = 256 * 1024): () => AsyncIterable<Buffer> {
  return async function* () {
    for (let sent = 0; sent < total; sent += chunk) yield Buffer.alloc(Math.min(chunk, total - sent), 0x61);
  };
}

/** A request still unanswered after this has hung (a stalled upload is no undici timeout). */
const REQUEST_DEADLINE_MS = 60_000;
const big = "x".repeat(70_000);
const cases: Sent[] = [
  {
    name: "4 MiB JSON with Content-Length",
    method: "POST",
    path: PODS,
    contentType: "application/json",
    body: Buffer.alloc(4 * MIB, 0x61),
    code: 413,
    reason: "RequestEntityTooLarge",
  },
  {
    name: "4 MiB JSON, chunked",
    method: "POST",
    path: PODS,
    contentType: "application/json",
    body: chunked(4 * MIB),
    code: 413,
    reason: "RequestEntityTooLarge",
  },
  {
    name: "4 MiB YAML, chunked",
    method: "POST",
    path: CONFIGMAPS,
    contentType: "application/yaml",
    body: chunked(4 * MIB),
    code: 413,
    reason: "RequestEntityTooLarge",
  },
  {
    name: "4 MiB protobuf with Content-Length",
    method: "POST",
    path: CONFIGMAPS,
    contentType: "application/vnd.kubernetes.protobuf",
    body: Buffer.alloc(4 * MIB, 0x61),
    code: 413,
    reason: "RequestEntityTooLarge",
  },
  {
    name: "4 MiB merge patch, chunked",
    method: "PATCH",
    path: `${PODS}/absent`,
    contentType: "application/merge-patch+json",
    body: chunked(4 * MIB),
    code: 413,
    reason: "RequestEntityTooLarge",
  },
  {
    name: "70 KB in an unsupported media type",
    method: "POST",
    path: PODS,
    contentType: "text/plain",
    body: Buffer.from(JSON.stringify({ metadata: { name: "t" }, x: big })),
    code: 415,
    reason: "UnsupportedMediaType",
  },
  {
    name: "70 KB patch of an unknown patch type",
    method: "PATCH",
    path: `${PODS}/absent`,
    contentType: "application/bogus-patch+json",
    body: Buffer.from(JSON.stringify({ x: big })),
    code: 415,
    reason: "UnsupportedMediaType",
  },
  {
    name: "70 KB to an unknown resource",
    method: "POST",
    path: "/api/v1/namespaces/default/nonsense",
    contentType: "application/json",
    body: Buffer.from(JSON.stringify({ x: big })),
    code: 404,
    reason: "NotFound",
  },
  {
    name: "70 KB of truncated JSON",
    method: "POST",
    path: PODS,
    contentType: "application/json",
    body: Buffer.from(JSON.stringify({ metadata: { name: "t" }, spec: { x: big } }).slice(0, 69_000)),
    code: 400,
    reason: "BadRequest",
  },
  {
    name: "70 KB container name",
    method: "POST",
    path: PODS,
    contentType: "application/json",
    body: Buffer.from(
      JSON.stringify({ metadata: { name: "t" }, spec: { containers: [{ name: big, image: "busybox" }] } }),
    ),
    code: 422,
    reason: "Invalid",
  },
];

describe("refused request bodies under load", () => {
  let s: ApiServerProcess;
  let busy: BusyNeighbours;
  beforeAll(async () => {
    s = await startApiServerProcess();
    busy = startBusyNeighbours(3);
  });
  afterAll(async () => {
    await busy.stop();
    await s.stop();
  });

  it("answers every refused body with its Status and never resets a connection", async () => {
    // Few connections: the refusals share them with the requests queued behind.
    const dispatcher = new Agent({
      connect: { ca: s.caPem },
      connections: 6,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const rounds = 6;
    try {
      const sent = Array.from({ length: rounds }, () => cases).flat();
      const replies = await Promise.all(
        sent.map(async (c) => {
          try {
            const res = await request(`${s.url}${c.path}`, {
              method: c.method,
              headers: { authorization: `Bearer ${s.token}`, "content-type": c.contentType },
              body: Buffer.isBuffer(c.body) ? c.body : Readable.from(c.body()),
              dispatcher,
              signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
            });
            const status = (await res.body.json()) as { kind?: string; reason?: string; message?: string };
            const message = status.reason === "RequestEntityTooLarge" ? ` ${status.message}` : "";
            return `${c.name}: ${res.statusCode} ${status.kind} ${status.reason}${message}`;
          } catch (err) {
            return `${c.name}: ${String(err)}`;
          }
        }),
      );
      // apimachinery: NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", MaxRequestBodyBytes))
      const tooLarge = " Request entity too large: limit is 3145728";
      expect(replies).toEqual(
        sent.map((c) => `${c.name}: ${c.code} Status ${c.reason}${c.code === 413 ? tooLarge : ""}`),
      );
      const ready = await request(`${s.url}/readyz`, { dispatcher });
      expect(await ready.body.text()).toBe("ok");
    } finally {
      await dispatcher.close();
    }
  });
});
