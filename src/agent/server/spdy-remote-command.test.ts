import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { connect, createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.js";
import {
  dataFrame,
  FLAG_FIN,
  FrameParser,
  FrameType,
  HeaderCompressor,
  synStreamFrame,
  type Frame,
} from "../../common/spdy-framing.js";
import {
  expectedStreams,
  negotiateProtocol,
  serveSpdyRemoteCommand,
  statusPayload,
} from "./spdy-remote-command.js";
import { exitStatus, parseStreamRequest } from "./stream-request.js";

const request = (versions?: string | string[]) =>
  ({ headers: versions === undefined ? {} : { "x-stream-protocol-version": versions } }) as IncomingMessage;

describe("remote command over SPDY", () => {
  it("negotiates the client's first protocol the agent speaks, as httpstream.Handshake does", () => {
    expect(negotiateProtocol(request("v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io"))).toBe(
      "v4.channel.k8s.io",
    );
    expect(negotiateProtocol(request(["v2.channel.k8s.io", "v4.channel.k8s.io"]))).toBe("v2.channel.k8s.io");
    expect(() => negotiateProtocol(request())).toThrow(
      "unable to upgrade: X-Stream-Protocol-Version is required",
    );
    expect(negotiateProtocol(request("channel.k8s.io"))).toBe("channel.k8s.io");
    expect(() => negotiateProtocol(request("v9.channel.k8s.io"))).toThrow(
      "unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]",
    );
  });

  it("waits for the streams the query asks for; resize with a tty from v3", () => {
    const tty = parseStreamRequest(new URLSearchParams("command=sh&stdin=1&stdout=1&stderr=1&tty=1"), true);
    expect(expectedStreams(tty, "v4.channel.k8s.io")).toEqual(["error", "stdin", "stdout", "resize"]);
    expect(expectedStreams(tty, "v2.channel.k8s.io")).toEqual(["error", "stdin", "stdout"]);
    expect(expectedStreams(tty, "channel.k8s.io")).toEqual(["error", "stdin", "stdout"]);
    const plain = parseStreamRequest(new URLSearchParams("command=ls&stdout=1&stderr=1"), true);
    expect(expectedStreams(plain, "v4.channel.k8s.io")).toEqual(["error", "stdout", "stderr"]);
  });

  it("writes the Status as JSON from v4, only a failure's message before", () => {
    const failed = exitStatus(3, ["sh", "-c", "exit 3"]);
    expect(JSON.parse(String(statusPayload(failed, "v4.channel.k8s.io")))).toMatchObject({
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
    expect(String(statusPayload(failed, "v3.channel.k8s.io"))).toBe(failed.message);
    expect(statusPayload(exitStatus(0, ["true"]), "v3.channel.k8s.io")).toBeUndefined();
    expect(JSON.parse(String(statusPayload(exitStatus(0, ["true"]), "v4.channel.k8s.io")))).toEqual({
      metadata: {},
      status: "Success",
    });
  });

  it("v1: resets the error stream and closes the agent's side of stdin once the streams are open; the client's stdin still flows", async () => {
    const server = createServer((socket) => {
      const req = {
        headers: { "x-stream-protocol-version": "channel.k8s.io" },
      } as unknown as IncomingMessage;
      serveSpdyRemoteCommand(req, socket, Buffer.alloc(0), {
        request: parseStreamRequest(new URLSearchParams("command=cat&stdin=1&stdout=1"), true),
        // cat, then exit 3: a v1 client never learns the code.
        run: async ({ stdin, stdout }) => {
          for await (const chunk of stdin ?? []) stdout?.write(chunk as Buffer);
          stdout?.end();
          return 3;
        },
        onError: () => undefined,
        clock: new ManualClock(),
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    const frames: Frame[] = [];
    const parser = new FrameParser();
    let head = "";
    let upgraded = false;
    client.on("data", (chunk: Buffer) => {
      if (!upgraded) {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        upgraded = true;
        chunk = Buffer.from(head.slice(end + 4), "latin1");
      }
      frames.push(...parser.push(chunk));
    });
    const compressor = new HeaderCompressor();
    client.write(await synStreamFrame(compressor, 1, { streamType: "error" }));
    client.write(await synStreamFrame(compressor, 3, { streamType: "stdin" }));
    client.write(await synStreamFrame(compressor, 5, { streamType: "stdout" }));
    const control = (type: number, id: number) =>
      frames.some((f) => f.control && f.type === type && f.payload.readUInt32BE(0) === id);
    const data = (id: number) => frames.filter((f) => !f.control && f.streamId === id);
    await expect.poll(() => control(FrameType.rstStream, 1)).toBe(true);
    await expect.poll(() => data(3).some((f) => (f.flags & FLAG_FIN) !== 0)).toBe(true);
    expect(head).toContain("X-Stream-Protocol-Version: channel.k8s.io");
    client.write(dataFrame(3, FLAG_FIN, Buffer.from("abc")));
    await expect.poll(() => data(5).some((f) => (f.flags & FLAG_FIN) !== 0)).toBe(true);
    expect(Buffer.concat(data(5).map((f) => f.payload)).toString()).toBe("abc");
    expect(data(1)).toEqual([]);
    client.destroy();
    compressor.close();
    server.close();
  });
});
