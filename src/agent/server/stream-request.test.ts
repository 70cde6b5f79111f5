import { describe, expect, it } from "vitest";
import { exitStatus, JsonObjectSplitter, parseStreamRequest } from "./stream-request.js";

describe("remote command", () => {
  it("reads the options of /exec and /attach", () => {
    expect(
      parseStreamRequest(new URLSearchParams("command=sh&command=-c&command=id&stdout=true&stdin=1"), true),
    ).toEqual({
      command: ["sh", "-c", "id"],
      stdin: true,
      stdout: true,
      stderr: false,
      tty: false,
    });
    expect(parseStreamRequest(new URLSearchParams("stdout=true&stderr=true&tty=true"), false).stderr).toBe(
      false,
    );
    expect(() => parseStreamRequest(new URLSearchParams("stdout=true"), true)).toThrow(/at least 1 command/);
    expect(() => parseStreamRequest(new URLSearchParams("command=ls"), true)).toThrow(
      /stdin, stdout, stderr/,
    );
  });

  it("reports the exit code as kubectl reads it", () => {
    expect(exitStatus(0, ["true"])).toEqual({ metadata: {}, status: "Success" });
    expect(exitStatus(3, ["sh", "-c", "exit 3"])).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
  });

  it("splits resize objects written back to back, across chunks", () => {
    const splitter = new JsonObjectSplitter();
    expect(splitter.push('{"Width":80,"Height":24}{"Width":1')).toEqual(['{"Width":80,"Height":24}']);
    expect(splitter.push('00,"Height":40}\n')).toEqual(['{"Width":100,"Height":40}']);
    expect(splitter.push('{"a":"}{"}')).toEqual(['{"a":"}{"}']);
  });
});
