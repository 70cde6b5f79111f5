import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { PassThrough } from "node:stream";
import { createInflate, inflateSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { runExecSpdy, sessionStreams } from "./exec-spdy.js";
import { STREAM_PROTOCOL_V4 } from "../../common/stream-protocols.js";
import {
  controlFrame,
  dataFrame,
  FLAG_FIN,
  FrameParser,
  FrameType,
  HeaderCompressor,
  headerBlock,
  synStreamFrame,
} from "../../common/spdy-framing.js";

let running: Server | undefined;
/** Upgraded connections of the test servers, destroyed after each test. */
const upgraded = new Set<Socket>();

/** Reads a SPDY/3 name/value block. */
function readBlock(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 4;
  for (let i = 0; i < block.readUInt32BE(0); i++) {
    const nameLen = block.readUInt32BE(at);
    const name = block.subarray(at + 4, at + 4 + nameLen).toString();
    at += 4 + nameLen;
    const valueLen = block.readUInt32BE(at);
    out[name] = block.subarray(at + 4, at + 4 + valueLen).toString();
    at += 4 + valueLen;
  }
  return out;
}

describe("SPDY framing", () => {
  it("builds and parses control and data frames, across chunk boundaries", () => {
    const bytes = Buffer.concat([
      controlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 1])),
      dataFrame(5, FLAG_FIN, Buffer.from("hello")),
    ]);
    const parser = new FrameParser();
    expect(parser.push(bytes.subarray(0, 14))).toEqual([
      { control: true, type: FrameType.ping, flags: 0, payload: Buffer.from([0, 0, 0, 1]) },
    ]);
    expect(parser.push(bytes.subarray(14))).toEqual([
      { control: false, streamId: 5, flags: FLAG_FIN, payload: Buffer.from("hello") },
    ]);
    expect(bytes.readUInt16BE(0)).toBe(0x8003); // control bit and version 3
  });

  it("compresses successive header blocks as one zlib stream", async () => {
    const compressor = new HeaderCompressor();
    const first = await synStreamFrame(compressor, 1, { streamType: "error" });
    const second = await synStreamFrame(compressor, 3, { streamType: "stdout" });
    compressor.close();
    const parser = new FrameParser();
    const frames = parser.push(Buffer.concat([first, second]));
    expect(frames.map((f) => f.control && f.type)).toEqual([FrameType.synStream, FrameType.synStream]);
    const blocks = frames.map((f) => f.payload.subarray(10));
    const inflated = inflateSync(Buffer.concat(blocks), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
    const firstBlock = headerBlock({ streamType: "error" });
    expect(readBlock(inflated.subarray(0, firstBlock.length))).toEqual({ streamtype: "error" });
    expect(readBlock(inflated.subarray(firstBlock.length))).toEqual({ streamtype: "stdout" });
    expect(frames[1]?.payload.readUInt32BE(0)).toBe(3);
  });

  it("opens the streams the exec request asked for", () => {
    expect(sessionStreams(false, false)).toEqual(["error", "stdout", "stderr"]);
    expect(sessionStreams(true, true)).toEqual(["error", "stdin", "stdout", "resize"]);
  });
});

/**
 * A one-session streaming server: answers the upgrade, reads the client's streams (their
 * headers through one inflate stream) and hands them to `session`.
 */
async function spdyServer(
  expected: number,
  session: (socket: Socket, streams: Map<string, number>, stdin: PassThrough) => void,
  protocol = STREAM_PROTOCOL_V4,
): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.statusCode = 400;
    res.end("upgrade required");
  });
  server.on("upgrade", (req, socket: Socket) => {
    upgraded.add(socket);
    expect(req.headers["upgrade"]).toBe("SPDY/3.1");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
    );
    const parser = new FrameParser();
    const inflate = createInflate();
    const streams = new Map<string, number>();
    const stdin = new PassThrough();
    let started = false;
    // Header blocks are inflated one frame at a time, in order: several SYN_STREAM frames can
    // arrive in one chunk, and each flush's output must be paired with its own frame.
    const inflated: Buffer[] = [];
    inflate.on("data", (block: Buffer) => inflated.push(block));
    let headers = Promise.resolve();
    const readHeaders = (id: number, block: Buffer) =>
      new Promise<void>((resolve) => {
        inflate.write(block);
        inflate.flush(2, () => {
          streams.set(readBlock(Buffer.concat(inflated.splice(0)))["streamtype"] ?? "?", id);
          if (!started && streams.size === expected) {
            started = true;
            session(socket, streams, stdin);
          }
          resolve();
        });
      });
    socket.on("data", (chunk: Buffer) => {
      for (const frame of parser.push(chunk)) {
        if (frame.control && frame.type === FrameType.synStream) {
          const id = frame.payload.readUInt32BE(0);
          const block = frame.payload.subarray(10);
          headers = headers.then(() => readHeaders(id, block));
        } else if (!frame.control && frame.streamId === streams.get("stdin")) {
          if (frame.payload.length) stdin.write(frame.payload);
          if (frame.flags & FLAG_FIN) stdin.end();
        }
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/exec/token`, server };
}

afterEach(async () => {
  for (const socket of upgraded) socket.destroy();
  upgraded.clear();
  running?.closeAllConnections();
  await new Promise((resolve) => running?.close(resolve) ?? resolve(undefined));
  running = undefined;
});

const SUCCESS = JSON.stringify({ metadata: {}, status: "Success" });

describe("runExecSpdy", () => {
  it("streams stdin to its end, demultiplexes output and reads the exit status", async () => {
    const { url, server } = await spdyServer(4, (socket, streams, stdin) => {
      let input = "";
      stdin.on("data", (d: Buffer) => (input += d.toString()));
      stdin.on("end", () => {
        // "cat": echo stdin once it has ended, then report success and hang up.
        socket.write(dataFrame(streams.get("stdout") ?? 0, FLAG_FIN, Buffer.from(input)));
        socket.write(dataFrame(streams.get("stderr") ?? 0, FLAG_FIN, Buffer.from("warn\n")));
        socket.write(dataFrame(streams.get("error") ?? 0, FLAG_FIN, Buffer.from(SUCCESS)));
        socket.end();
      });
    });
    running = server;
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on("data", (d: Buffer) => out.push(d));
    stderr.on("data", (d: Buffer) => err.push(d));
    const run = runExecSpdy(url, { cmd: ["cat"], tty: false, stdin, stdout, stderr });
    stdin.end("line1\nline2\n");
    expect(await run).toEqual({ exitCode: 0 });
    expect(Buffer.concat(out).toString()).toBe("line1\nline2\n");
    expect(Buffer.concat(err).toString()).toBe("warn\n");
  });

  it("answers PING and reports non-zero exit codes", async () => {
    let pinged: Buffer | undefined;
    const { url, server } = await spdyServer(4, (socket, streams) => {
      const parser = new FrameParser();
      socket.on("data", (chunk: Buffer) => {
        for (const f of parser.push(chunk)) {
          if (f.control && f.type === FrameType.ping) {
            pinged = f.payload;
            socket.write(
              dataFrame(
                streams.get("error") ?? 0,
                FLAG_FIN,
                Buffer.from(
                  JSON.stringify({
                    status: "Failure",
                    reason: "NonZeroExitCode",
                    details: { causes: [{ reason: "ExitCode", message: "5" }] },
                  }),
                ),
              ),
            );
            socket.end();
          }
        }
      });
      socket.write(controlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 2])));
    });
    running = server;
    expect(await runExecSpdy(url, { cmd: ["false"], tty: false, stdin: new PassThrough() })).toEqual({
      exitCode: 5,
    });
    expect(pinged).toEqual(Buffer.from([0, 0, 0, 2]));
  });

  it("refuses a server that picks another protocol version, and reports HTTP errors", async () => {
    const picky = await spdyServer(3, () => undefined, "v2.channel.k8s.io");
    running = picky.server;
    await expect(runExecSpdy(picky.url, { cmd: ["x"], tty: false })).rejects.toSatisfy((e) =>
      hasCode(e, ErrorCode.Unsupported),
    );
    const plain = createServer((_req, res) => {
      res.statusCode = 404;
      res.end("token not found");
    });
    plain.listen(0, "127.0.0.1");
    await once(plain, "listening");
    const { port } = plain.address() as AddressInfo;
    await expect(runExecSpdy(`http://127.0.0.1:${port}/exec/x`, { cmd: ["x"], tty: false })).rejects.toThrow(
      /HTTP 404: token not found/,
    );
    plain.close();
  });
});
