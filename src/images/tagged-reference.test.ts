import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { taggedReference } from "./tagged-reference.js";

describe("taggedReference", () => {
  it("splits repository and tag, with or without a registry host", () => {
    expect(taggedReference("127.0.0.1:5000/berth/test:1.0")).toEqual({
      name: "127.0.0.1:5000/berth/test:1.0",
      repository: "127.0.0.1:5000/berth/test",
      tag: "1.0",
    });
    expect(taggedReference("berth/pause:latest").tag).toBe("latest");
    expect(taggedReference("registry.example:443/a_b/c-d:v1_2").repository).toBe(
      "registry.example:443/a_b/c-d",
    );
  });

  it.each([
    "berth/test",
    "berth/Test:1",
    "berth/test:",
    "berth//test:1",
    "berth/test@sha256:00",
    `berth/test:1@sha256:${"0".repeat(64)}`,
    ":1",
    "",
  ])("refuses %j with InvalidImageName", (name) => {
    let caught: unknown;
    try {
      taggedReference(name);
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, ErrorCode.InvalidImageName)).toBe(true);
  });
});
