import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { parseImageReference } from "./reference.js";

describe("parseImageReference", () => {
  it("splits repository and tag, with or without a registry host", () => {
    expect(parseImageReference("127.0.0.1:5000/berth/test:1.0")).toEqual({
      name: "127.0.0.1:5000/berth/test:1.0",
      repository: "127.0.0.1:5000/berth/test",
      tag: "1.0",
    });
    expect(parseImageReference("berth/pause:latest").tag).toBe("latest");
    expect(parseImageReference("registry.example:443/a_b/c-d:v1_2").repository).toBe(
      "registry.example:443/a_b/c-d",
    );
  });

  it.each(["berth/test", "Berth/test:1", "berth/test:", "berth//test:1", "berth/test@sha256:00", ":1", ""])(
    "refuses %j with InvalidImageName",
    (name) => {
      let caught: unknown;
      try {
        parseImageReference(name);
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, ErrorCode.InvalidImageName)).toBe(true);
    },
  );
});
