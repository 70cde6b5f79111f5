import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import {
  formatLabelSelector,
  labelSelectorFromObject,
  matchLabels,
  parseLabelSelector,
} from "./label-selector.js";

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError && err.code === ErrorCode.BadRequest) return err.message;
    throw err;
  }
  throw new Error("expected BadRequest");
}

describe("parseLabelSelector", () => {
  it("parses every operator", () => {
    expect(parseLabelSelector("a=1,b==2,c!=3,d in (x, y),e notin (z),f,!g,h>4,i<5")).toEqual([
      { key: "a", operator: "=", values: ["1"] },
      { key: "b", operator: "=", values: ["2"] },
      { key: "c", operator: "!=", values: ["3"] },
      { key: "d", operator: "in", values: ["x", "y"] },
      { key: "e", operator: "notin", values: ["z"] },
      { key: "f", operator: "exists", values: [] },
      { key: "g", operator: "!", values: [] },
      { key: "h", operator: "gt", values: ["4"] },
      { key: "i", operator: "lt", values: ["5"] },
    ]);
  });

  it("treats empty text as everything and allows an empty value", () => {
    expect(parseLabelSelector("")).toEqual([]);
    expect(parseLabelSelector("  ")).toEqual([]);
    expect(parseLabelSelector("a=")).toEqual([{ key: "a", operator: "=", values: [""] }]);
  });

  it.each([
    ["a=1 b=2", "found 'b', expected: ',' or 'end of string'"],
    ["=a", "found '=', expected: !, identifier, or 'end of string'"],
    ["a=1,", "found '', expected: identifier after ','"],
    ["a=1,=b", "found '=', expected: identifier after ','"],
    ["!=a", "found '!=', expected: !, identifier, or 'end of string'"],
    ["!(", "unable to parse requirement: found '(', expected: identifier"],
    ["a in x", "unable to parse requirement: found 'x' expected: '('"],
    ["a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ["a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ["a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"],
    ["a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["a==(", "unable to parse requirement: found '(', expected: identifier"],
    [
      "a>x",
      `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ])("rejects %j with %j", (text, message) => {
    expect(badRequestMessage(() => parseLabelSelector(text))).toBe(message);
  });

  it("accepts empty members in value sets, as upstream", () => {
    expect(parseLabelSelector("a in ()")).toEqual([{ key: "a", operator: "in", values: [""] }]);
    expect(parseLabelSelector("a in (x,)")).toEqual([{ key: "a", operator: "in", values: ["", "x"] }]);
    expect(parseLabelSelector("a notin (,x)")).toEqual([{ key: "a", operator: "notin", values: ["", "x"] }]);
  });

  it("validates keys and values as label rules", () => {
    expect(badRequestMessage(() => parseLabelSelector("-a=1"))).toMatch(
      /^unable to parse requirement: key: Invalid value: "-a": name part must consist of/,
    );
    expect(badRequestMessage(() => parseLabelSelector("a=-1-"))).toMatch(
      /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-1-": a valid label must be/,
    );
  });

  it("round-trips through formatLabelSelector", () => {
    const text = "a=1,b!=2,c in (x,y),d notin (z),e,!f";
    expect(formatLabelSelector(parseLabelSelector(text))).toBe(text);
  });
});

describe("matchLabels", () => {
  const labels = { app: "web", tier: "front", n: "7" };
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (db, web)", true],
    ["app notin (web)", false],
    ["missing notin (web)", true],
    ["tier", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["app=web,tier=back", false],
    ["n>5", true],
    ["n<5", false],
    ["app>1", false],
  ])("%j -> %s", (text, expected) => {
    expect(matchLabels(parseLabelSelector(text), labels)).toBe(expected);
  });

  it("treats missing labels as an empty set", () => {
    expect(matchLabels(parseLabelSelector("!a"), undefined)).toBe(true);
    expect(matchLabels(parseLabelSelector("a"), undefined)).toBe(false);
  });
});

describe("labelSelectorFromObject", () => {
  it("converts matchLabels and matchExpressions", () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["front", "edge"] },
        { key: "canary", operator: "DoesNotExist" },
        { key: "zone", operator: "Exists" },
        { key: "env", operator: "NotIn", values: ["dev"] },
      ],
    });
    expect(formatLabelSelector(sel)).toBe("app=web,!canary,env notin (dev),tier in (edge,front),zone");
    expect(matchLabels(sel, { app: "web", tier: "edge", zone: "a" })).toBe(true);
    expect(matchLabels(sel, { app: "web", tier: "edge", zone: "a", env: "dev" })).toBe(false);
  });

  it("selects nothing for a nil selector and everything for an empty one", () => {
    expect(matchLabels(labelSelectorFromObject(undefined), { a: "b" })).toBe(false);
    expect(matchLabels(labelSelectorFromObject({}), { a: "b" })).toBe(true);
  });

  it("rejects bad operators and value sets", () => {
    expect(
      badRequestMessage(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Gt" }] })),
    ).toBe('"Gt" is not a valid label selector operator');
    expect(
      badRequestMessage(() =>
        labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
      ),
    ).toMatch(/values set must be empty for exists and does not exist$/);
    expect(
      badRequestMessage(() =>
        labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
      ),
    ).toBe("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
  });
});
