import { describe, expect, it } from "vitest";
import { expandVariables, lookupIn } from "./expansion.js";

const vars = lookupIn(
  new Map([
    ["VAR_A", "A"],
    ["VAR_B", "B"],
    ["EMPTY", ""],
  ]),
  new Map([
    ["VAR_A", "shadowed"],
    ["SECOND", "2"],
  ]),
);

describe("expandVariables (kubelet expansion rules)", () => {
  it.each([
    ["plain text", "plain text"],
    ["$(VAR_A)", "A"],
    ["___$(VAR_B)___", "___B___"],
    ["$(VAR_A)$(VAR_B)", "AB"],
    ["$(VAR_A)-$(SECOND)", "A-2"],
    ["$(EMPTY)x", "x"],
    ["$(UNKNOWN)", "$(UNKNOWN)"],
    ["pre $(UNKNOWN) $(VAR_A)", "pre $(UNKNOWN) A"],
    ["$$(VAR_A)", "$(VAR_A)"],
    ["$$$(VAR_A)", "$A"],
    ["$$$$(VAR_A)", "$$(VAR_A)"],
    ["$$", "$"],
    ["$", "$"],
    ["tail $", "tail $"],
    ["$VAR_A", "$VAR_A"],
    ["$(VAR_A", "$(VAR_A"],
    ["$(", "$("],
    ["$()", "$()"],
    ["$(VAR_A)(", "A("],
    ["a$b$(VAR_B)", "a$bB"],
    ["$(VAR_A)$", "A$"],
    ["(VAR_A)", "(VAR_A)"],
  ])("%j -> %j", (input, expected) => {
    expect(expandVariables(input, vars)).toBe(expected);
  });

  it("does not expand a value that itself contains a reference", () => {
    const lookup = lookupIn(
      new Map([
        ["X", "$(Y)"],
        ["Y", "y"],
      ]),
    );
    expect(expandVariables("$(X)", lookup)).toBe("$(Y)");
  });
});
