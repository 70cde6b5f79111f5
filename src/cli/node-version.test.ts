import { describe, expect, it } from "vitest";
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from "./node-version.js";

describe("nodeVersionProblem", () => {
  it("accepts the required major and newer ones", () => {
    expect(nodeVersionProblem(`${REQUIRED_NODE_MAJOR}.0.0`, "/n")).toBeUndefined();
    expect(nodeVersionProblem("25.1.3", "/n")).toBeUndefined();
  });

  it("names the version it needs and the one it found", () => {
    const problem = nodeVersionProblem("20.20.2", "/usr/bin/node");
    expect(problem).toContain("berth needs Node.js 24 or newer");
    expect(problem).toContain("/usr/bin/node is Node.js 20.20.2");
    expect(problem).toContain("ensure_node24");
  });

  it("refuses a version it cannot read", () => {
    expect(nodeVersionProblem("", "/n")).toContain("needs Node.js 24");
  });
});
