import { describe, expect, it } from "vitest";
import { goArch } from "./machine.js";
import { microTime, rfc3339 } from "./micro-time.js";
import { defaultRouteInterface, prettyName } from "./system-capacity.js";

describe("machine facts parsing", () => {
  it("reads PRETTY_NAME from os-release, quoted or not", () => {
    expect(prettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      "Debian GNU/Linux 12 (bookworm)",
    );
    expect(prettyName("PRETTY_NAME=Alpine")).toBe("Alpine");
    expect(prettyName("ID=scratch")).toBe("Linux");
  });

  it("finds the default route's interface in /proc/net/route", () => {
    const table = [
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
      "cni0\t0058A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
    ].join("\n");
    expect(defaultRouteInterface(table)).toBe("eth0");
    expect(defaultRouteInterface(table.split("\n").slice(0, 2).join("\n"))).toBeUndefined();
  });

  it("names architectures as GOARCH does", () => {
    expect(goArch("x64")).toBe("amd64");
    expect(goArch("arm64")).toBe("arm64");
    expect(goArch("ia32")).toBe("386");
  });

  it("formats MicroTime with exactly six fractional digits and Time with none", () => {
    expect(microTime(1_767_225_600_123_456_789n)).toBe("2026-01-01T00:00:00.123456Z");
    expect(microTime(1_767_225_600_000_000_000n)).toBe("2026-01-01T00:00:00.000000Z");
    expect(rfc3339(Date.UTC(2026, 0, 1, 0, 0, 0, 999))).toBe("2026-01-01T00:00:00Z");
  });
});
