import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { expectedStreams, negotiateProtocol, statusPayload } from "./spdy-remote-command.js";
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
});
