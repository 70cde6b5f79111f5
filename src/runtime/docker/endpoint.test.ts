import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/index.js";
import { parseEndpoint } from "./endpoint.js";

describe("parseEndpoint", () => {
  it("reads unix sockets and tcp addresses", () => {
    expect(parseEndpoint("unix:///run/berth-env/docker.sock")).toEqual({
      socketPath: "/run/berth-env/docker.sock",
    });
    expect(parseEndpoint("/var/run/docker.sock")).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(parseEndpoint("tcp://127.0.0.1:2375")).toEqual({
      host: "127.0.0.1",
      port: 2375,
      protocol: "http",
    });
    expect(parseEndpoint("https://[::1]:2376/")).toEqual({ host: "[::1]", port: 2376, protocol: "https" });
  });

  it("refuses anything else with a Config error", () => {
    for (const bad of [
      "",
      "unix://relative.sock",
      "docker.sock",
      "tcp://host",
      "tcp://h:0",
      "tcp://h:99999",
      "ftp://h:1",
    ]) {
      expect(() => parseEndpoint(bad)).toThrow(expect.objectContaining({ code: ErrorCode.Config }));
    }
  });
});
