import { once } from "node:events";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createH2Server, type Http2Server } from "node:http2";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { PROBE_USER_AGENT } from "./constants.js";
import { runExecProbe, type ExecRuntime } from "./exec-runner.js";
import { decodeHealthCheckResponse, encodeHealthCheckRequest, runGrpcProbe } from "./grpc-runner.js";
import { resolveContainerPort } from "./handler.js";
import { probeHeaders, probeUrl, runHttpProbe } from "./http-runner.js";
import { runTcpProbe } from "./tcp-runner.js";

function portOf(server: { address(): AddressInfo | string | null }): number {
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = portOf(s);
  s.close();
  await once(s, "close");
  return port;
}

describe("httpGet", () => {
  let server: Server;
  let port: number;
  const seen: IncomingMessage[] = [];
  beforeAll(async () => {
    server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push(req);
      const url = new URL(req.url ?? "/", "http://x");
      const hop = Number(url.searchParams.get("hop") ?? "0");
      switch (url.pathname) {
        case "/ok":
          res.end("fine");
          return;
        case "/fail":
          res.statusCode = 500;
          res.end("broken");
          return;
        case "/local":
          res.writeHead(302, { location: "/ok" }).end();
          return;
        case "/away":
          res.writeHead(301, { location: `http://localhost:${port}/ok` }).end("moved away");
          return;
        case "/loop":
          res.writeHead(302, { location: `/loop?hop=${hop + 1}` }).end();
          return;
        case "/big":
          res.end("x".repeat(64 * 1024));
          return;
        case "/slow":
          setTimeout(() => res.end("late"), 3_000).unref();
          return;
        case "/hang":
          return;
        default:
          res.statusCode = 404;
          res.end();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = portOf(server);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const get = (path: string, headers: { name: string; value: string }[] = [], timeoutMs = 1_000) =>
    runHttpProbe({
      url: probeUrl("http", "127.0.0.1", port, path),
      headers,
      timeoutMs,
      userAgent: PROBE_USER_AGENT,
    });

  it("succeeds on 2xx with kube-probe's User-Agent and Accept */*", async () => {
    expect(await get("/ok")).toEqual({ result: "success", output: "fine" });
    const req = seen.at(-1);
    expect(req?.headers["user-agent"]).toBe("kube-probe/1.32");
    expect(req?.headers["accept"]).toBe("*/*");
  });

  it("keeps the probe's own headers and Host", async () => {
    await get("/ok", [
      { name: "User-Agent", value: "mine" },
      { name: "X-Custom", value: "a" },
      { name: "Host", value: "example.test" },
    ]);
    const req = seen.at(-1);
    expect(req?.headers["user-agent"]).toBe("mine");
    expect(req?.headers["x-custom"]).toBe("a");
    expect(req?.headers["host"]).toBe("example.test");
  });

  it("drops Accept when the probe sets it empty", () => {
    expect(probeHeaders([{ name: "Accept", value: "" }], "ua")).toEqual([["User-Agent", "ua"]]);
  });

  it("sends repeated headers in order", () => {
    expect(
      probeHeaders(
        [
          { name: "X-A", value: "1" },
          { name: "X-A", value: "2" },
        ],
        "ua",
      ),
    ).toEqual([
      ["X-A", "1"],
      ["X-A", "2"],
      ["User-Agent", "ua"],
      ["Accept", "*/*"],
    ]);
  });

  it("refuses a header that would end its line, as Go's client does", async () => {
    expect(await get("/ok", [{ name: "X-Evil", value: "a\r\nX-Injected: 1" }])).toEqual({
      result: "failure",
      output: expect.stringMatching(/: net\/http: invalid header field value for "X-Evil"$/),
    });
    expect(await get("/ok", [{ name: "Bad Name", value: "a" }])).toEqual({
      result: "failure",
      output: expect.stringMatching(/: net\/http: invalid header field name "Bad Name"$/),
    });
  });

  it("fails on other codes with the kubelet's message", async () => {
    expect(await get("/fail")).toEqual({
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
  });

  it("follows a redirect to the same host", async () => {
    expect(await get("/local")).toEqual({ result: "success", output: "fine" });
  });

  it("stops at a redirect to another host: a success with a warning", async () => {
    expect(await get("/away")).toEqual({
      result: "warning",
      output: "Probe terminated redirects, Response body: moved away",
    });
  });

  it("gives up after 10 redirects", async () => {
    const out = await get("/loop");
    expect(out.result).toBe("failure");
    expect(out.output).toMatch(/^Get "http:\/\/127\.0\.0\.1:\d+\/loop\?hop=10": stopped after 10 redirects$/);
  });

  it("reads at most 10 KiB of the body", async () => {
    const out = await get("/big");
    expect(out.result).toBe("success");
    expect(out.output).toHaveLength(10 * 1024);
  });

  it("fails when the timeout passes", async () => {
    const out = await get("/slow", [], 200);
    expect(out.result).toBe("failure");
    expect(out.output).toMatch(
      /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)$/,
    );
  });

  it("closes its connection at once when its signal aborts", async () => {
    const stop = new AbortController();
    const probe = runHttpProbe({
      url: probeUrl("http", "127.0.0.1", port, "/hang"),
      headers: [],
      timeoutMs: 60_000,
      userAgent: PROBE_USER_AGENT,
      signal: stop.signal,
    });
    await vi.waitFor(() => expect(seen.at(-1)?.url).toBe("/hang"));
    const closed = once(seen.at(-1)!.socket, "close");
    stop.abort();
    expect(await probe).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${port}/hang": context canceled`,
    });
    await closed;
  });

  it("fails when nothing listens, worded as Go's client", async () => {
    const closed = await closedPort();
    const out = await runHttpProbe({
      url: probeUrl("http", "127.0.0.1", closed, "/healthz"),
      headers: [],
      timeoutMs: 1_000,
      userAgent: PROBE_USER_AGENT,
    });
    expect(out).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${closed}/healthz": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  it("builds URLs as formatURL does", () => {
    expect(probeUrl("http", "10.0.0.1", 80, "healthz").href).toBe("http://10.0.0.1/healthz");
    expect(probeUrl("https", "fd00::1", 8443, "/a?b=c").href).toBe("https://[fd00::1]:8443/a?b=c");
    expect(probeUrl("http", "10.0.0.1", 8080, "").href).toBe("http://10.0.0.1:8080/");
  });
});

describe("tcpSocket", () => {
  it("succeeds when a connection opens and fails when refused", async () => {
    const s = createTcpServer((c) => c.destroy());
    s.listen(0, "127.0.0.1");
    await once(s, "listening");
    expect(await runTcpProbe("127.0.0.1", portOf(s), 1_000)).toEqual({ result: "success", output: "" });
    s.close();
    const closed = await closedPort();
    expect(await runTcpProbe("127.0.0.1", closed, 1_000)).toEqual({
      result: "failure",
      output: `dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  it("does not dial once its signal has aborted", async () => {
    const s = createTcpServer((c) => c.destroy());
    const accepted: unknown[] = [];
    s.on("connection", (c) => accepted.push(c));
    s.listen(0, "127.0.0.1");
    await once(s, "listening");
    const stop = new AbortController();
    stop.abort();
    expect(await runTcpProbe("127.0.0.1", portOf(s), 1_000, stop.signal)).toEqual({
      result: "failure",
      output: `dial tcp 127.0.0.1:${portOf(s)}: operation was canceled`,
    });
    // A probe that does dial is accepted: the server would have seen the first one.
    await runTcpProbe("127.0.0.1", portOf(s), 1_000);
    expect(accepted).toHaveLength(1);
    s.close();
  });
});

describe("grpc", () => {
  let server: Http2Server;
  let port: number;
  const statuses: Record<string, number> = { "": 1, web: 1, db: 2 };
  beforeAll(async () => {
    server = createH2Server();
    server.on("stream", (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (headers[":path"] !== "/grpc.health.v1.Health/Check") {
          stream.respond(
            {
              ":status": 200,
              "content-type": "application/grpc",
              "grpc-status": "12",
              "grpc-message": "unknown service",
            },
            { endStream: true },
          );
          return;
        }
        const body = Buffer.concat(chunks);
        const len = body.readUInt32BE(1);
        const msg = body.subarray(5, 5 + len);
        const service = msg.length > 2 ? msg.subarray(2).toString() : "";
        const status = statuses[service];
        if (status === undefined) {
          stream.respond(
            {
              ":status": 200,
              "content-type": "application/grpc",
              "grpc-status": "5",
              "grpc-message": "unknown service",
            },
            { endStream: true },
          );
          return;
        }
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = portOf(server);
  });
  afterAll(() => server.close());

  it("encodes and decodes the health messages", () => {
    expect(encodeHealthCheckRequest("")).toEqual(Buffer.from([0, 0, 0, 0, 0]));
    expect(encodeHealthCheckRequest("ab")).toEqual(Buffer.from([0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]));
    expect(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]))).toBe(1);
    expect(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 0]))).toBe(0);
    // A field it does not know, then the status.
    expect(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 5, 0x12, 1, 0x78, 0x08, 2]))).toBe(2);
    expect(() => decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 3, 0x08]))).toThrow(
      "gRPC message cut short",
    );
    expect(() => decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 1, 0x08]))).toThrow(
      "malformed HealthCheckResponse: a field cut short",
    );
  });

  it("SERVING is a success, for the default service and a named one", async () => {
    expect(await runGrpcProbe("127.0.0.1", port, "", 1_000, PROBE_USER_AGENT)).toEqual({
      result: "success",
      output: "service healthy",
    });
    expect((await runGrpcProbe("127.0.0.1", port, "web", 1_000, PROBE_USER_AGENT)).result).toBe("success");
  });

  it("NOT_SERVING and an unknown service are failures", async () => {
    expect(await runGrpcProbe("127.0.0.1", port, "db", 1_000, PROBE_USER_AGENT)).toEqual({
      result: "failure",
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
    expect(await runGrpcProbe("127.0.0.1", port, "nope", 1_000, PROBE_USER_AGENT)).toEqual({
      result: "failure",
      output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service",
    });
  });

  it("closes its connection at once when its signal aborts", async () => {
    // A server that accepts and never speaks HTTP/2: the probe waits for its settings.
    const sockets: Socket[] = [];
    const silent = createTcpServer((c) => {
      sockets.push(c);
      c.resume();
    });
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const stop = new AbortController();
    const probe = runGrpcProbe("127.0.0.1", portOf(silent), "", 60_000, PROBE_USER_AGENT, stop.signal);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    const closed = once(sockets[0]!, "close");
    stop.abort();
    expect(await probe).toEqual({
      result: "failure",
      output: "error: health rpc probe failed: context canceled",
    });
    await closed;
    silent.close();
  });

  it("a refused connection is a failure", async () => {
    const closed = await closedPort();
    const out = await runGrpcProbe("127.0.0.1", closed, "", 1_000, PROBE_USER_AGENT);
    expect(out).toEqual({
      result: "failure",
      output: `error: failed to connect service at "127.0.0.1:${closed}": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });
});

describe("exec", () => {
  const runtime = (
    answer: () => Promise<{ exitCode: number; stdout?: string; stderr?: string }>,
  ): ExecRuntime => ({
    execSync: async () => {
      const r = await answer();
      return {
        exitCode: r.exitCode,
        stdout: Buffer.from(r.stdout ?? ""),
        stderr: Buffer.from(r.stderr ?? ""),
      };
    },
  });

  it("exit 0 succeeds, another exit fails with the output", async () => {
    expect(
      await runExecProbe(
        runtime(async () => ({ exitCode: 0, stdout: "ok" })),
        "c1",
        ["true"],
        1,
      ),
    ).toEqual({ result: "success", output: "ok" });
    expect(
      await runExecProbe(
        runtime(async () => ({ exitCode: 1, stdout: "a", stderr: "b" })),
        "c1",
        ["false"],
        1,
      ),
    ).toEqual({ result: "failure", output: "ab" });
  });

  it("a runtime timeout is a failure", async () => {
    const timedOut = runtime(async () => {
      throw new BerthError(ErrorCode.DeadlineExceeded, "too slow");
    });
    expect(await runExecProbe(timedOut, "c1", ["sh", "-c", "sleep 10"], 1)).toEqual({
      result: "failure",
      output: 'command "sh -c sleep 10" timed out',
    });
  });

  it("another runtime error rejects (the probe errored)", async () => {
    const gone = runtime(async () => {
      throw new BerthError(ErrorCode.NotFound, "no such container");
    });
    await expect(runExecProbe(gone, "c1", ["true"], 1)).rejects.toThrow("no such container");
  });
});

describe("ports", () => {
  const container = { name: "web", ports: [{ name: "http", containerPort: 8080 }] };
  it("resolve by number, name or numeric string", () => {
    expect(resolveContainerPort(81, container)).toBe(81);
    expect(resolveContainerPort("http", container)).toBe(8080);
    expect(resolveContainerPort("9090", container)).toBe(9090);
  });
  it("refuse unknown names and out of range numbers", () => {
    expect(() => resolveContainerPort("grpc", container)).toThrow(
      "couldn't find port: grpc in container web",
    );
    expect(() => resolveContainerPort(70000, container)).toThrow("invalid port number: 70000");
  });
});
