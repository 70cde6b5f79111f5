import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { grpcTarget } from "./connection.js";

describe("grpcTarget", () => {
  it("accepts unix sockets and host:port", () => {
    expect(grpcTarget("unix:///run/containerd/containerd.sock")).toBe(
      "unix:///run/containerd/containerd.sock",
    );
    expect(grpcTarget("/run/containerd/containerd.sock")).toBe("unix:///run/containerd/containerd.sock");
    expect(grpcTarget("127.0.0.1:10010")).toBe("127.0.0.1:10010");
  });

  it.each(["unix://run/containerd.sock", "containerd", "http://host:1"])(
    "refuses %s with Config",
    (endpoint) => {
      let caught: unknown;
      try {
        grpcTarget(endpoint);
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, ErrorCode.Config)).toBe(true);
    },
  );
});
