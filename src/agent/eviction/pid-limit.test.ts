import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { taskCountFromLoadavg, taskLimit } from "./pid-limit.js";

describe("taskCountFromLoadavg", () => {
  it("takes the total after the slash of the fourth field", () => {
    expect(taskCountFromLoadavg("0.52 0.58 0.59 2/474 17511\n")).toBe(474);
    expect(taskCountFromLoadavg("84.37 24.06 8.44 120/131072 3715089")).toBe(131_072);
    // sysinfo(2) truncates above 65535 tasks; /proc/loadavg does not.
    expect(taskCountFromLoadavg("  1.36 3.49 4.53 1/70000 3715089  ")).toBe(70_000);
  });

  it("refuses text that is not /proc/loadavg with a clear error", () => {
    for (const text of ["", "1.0 2.0 3.0 4/5", "1.0 2.0 3.0 474 17511", "1.0 2.0 3.0 2/x 1", "a b c 2/ 1"]) {
      let caught: unknown;
      try {
        taskCountFromLoadavg(text);
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, ErrorCode.Invalid), text).toBe(true);
      expect(String(caught)).toMatch(/\/proc\/loadavg/);
    }
  });
});

describe("taskLimit", () => {
  it("is the smaller of the limits that parse", () => {
    expect(taskLimit("4194304\n", "192739\n")).toBe(192_739);
    expect(taskLimit("32768\n", "192739\n")).toBe(32_768);
    expect(taskLimit(undefined, "100\n")).toBe(100);
    expect(taskLimit("garbage", "100\n")).toBe(100);
    expect(taskLimit("\n", undefined)).toBeUndefined();
    expect(taskLimit(undefined, undefined)).toBeUndefined();
  });
});
