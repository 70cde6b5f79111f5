import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5 } from "../../common/stream-protocols.js";
import { Channel, exitCodeFromStatus, frame, runExecStream } from "./exec-stream.js";

const SUCCESS = JSON.stringify({ metadata: {}, status: "Success" });
const exitStatus = (code: number): string =>
  JSON.stringify({
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  });

/** A streaming server that speaks one protocol version and runs `session` per connection. */
async function server(
  protocol: string,
  session: (ws: WebSocket) => void | Promise<void>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({
    port: 0,
    host: "127.0.0.1",
    handleProtocols: (offered) => (offered.has(protocol) ? protocol : false),
  });
  await once(wss, "listening");
  wss.on("connection", (ws) => void session(ws));
  const { port } = wss.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/exec/token`,
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}

function sink(): { stream: PassThrough; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

describe("exitCodeFromStatus", () => {
  it("reads success, non-zero exit codes and failures", () => {
    expect(exitCodeFromStatus(SUCCESS)).toBe(0);
    expect(exitCodeFromStatus(exitStatus(42))).toBe(42);
    expect(() =>
      exitCodeFromStatus(JSON.stringify({ status: "Failure", message: "no such process" })),
    ).toThrow(/no such process/);
    expect(() => exitCodeFromStatus("{")).toThrow(/unreadable status/);
  });
});

describe("runExecStream", () => {
  it("demultiplexes stdout and stderr and returns the exit code (v4)", async () => {
    const s = await server(STREAM_PROTOCOL_V4, (ws) => {
      ws.send(frame(Channel.stdout, "")); // the server announces its channels with empty frames
      ws.send(frame(Channel.stdout, "out\n"));
      ws.send(frame(Channel.stderr, "err\n"));
      ws.send(frame(Channel.error, exitStatus(3)));
      ws.close();
    });
    closeServer = s.close;
    const out = sink();
    const err = sink();
    const r = await runExecStream(s.url, { cmd: ["x"], tty: false, stdout: out.stream, stderr: err.stream });
    expect(r).toEqual({ exitCode: 3 });
    expect(out.text()).toBe("out\n");
    expect(err.text()).toBe("err\n");
  });

  it("sends stdin, resize and, with v5, the end of stdin", async () => {
    const received: { channel: number; data: string }[] = [];
    const s = await server(STREAM_PROTOCOL_V5, (ws) => {
      ws.on("message", (data: Buffer) => {
        received.push({ channel: data[0] ?? -1, data: data.subarray(1).toString("latin1") });
        if (data[0] === Channel.close) {
          ws.send(frame(Channel.error, SUCCESS));
          ws.close();
        }
      });
    });
    closeServer = s.close;
    const stdin = new PassThrough();
    const resize = (async function* () {
      yield { width: 80, height: 24 };
    })();
    const run = runExecStream(s.url, { cmd: ["cat"], tty: true, stdin, resize });
    stdin.write("hello");
    stdin.end();
    expect(await run).toEqual({ exitCode: 0 });
    expect(received).toContainEqual({ channel: Channel.stdin, data: "hello" });
    expect(received).toContainEqual({
      channel: Channel.resize,
      data: JSON.stringify({ Width: 80, Height: 24 }),
    });
    const closeAt = received.findIndex((m) => m.channel === Channel.close);
    expect(received[closeAt]).toEqual({ channel: Channel.close, data: String.fromCharCode(Channel.stdin) });
    expect(closeAt).toBeGreaterThan(received.findIndex((m) => m.channel === Channel.stdin));
  });

  it("fails clearly when the stream ends without a status", async () => {
    const s = await server(STREAM_PROTOCOL_V4, (ws) => ws.close());
    closeServer = s.close;
    await expect(runExecStream(s.url, { cmd: ["x"], tty: false })).rejects.toThrow(/without an exit status/);
  });

  it("ends with DeadlineExceeded when aborted", async () => {
    const s = await server(STREAM_PROTOCOL_V4, () => undefined);
    closeServer = s.close;
    const controller = new AbortController();
    const run = runExecStream(s.url, { cmd: ["sleep"], tty: false, signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toSatisfy((err) => hasCode(err, ErrorCode.DeadlineExceeded));
  });

  it("reports an unreachable streaming server as RuntimeUnavailable", async () => {
    const s = await server(STREAM_PROTOCOL_V4, () => undefined);
    await s.close();
    await expect(runExecStream(s.url, { cmd: ["x"], tty: false })).rejects.toSatisfy((err) =>
      hasCode(err, ErrorCode.RuntimeUnavailable),
    );
  });
});
