import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { addWarning, WARNING_ITEM_RUNES, WARNINGS_TOTAL_RUNES } from "./warnings.js";

function response(): ServerResponse {
  return new ServerResponse(new IncomingMessage(new Socket()));
}

function warnings(res: ServerResponse): string[] {
  const h = res.getHeader("Warning");
  return Array.isArray(h) ? h : h === undefined ? [] : [String(h)];
}

describe("warning headers", () => {
  it("sends each text once, whole, while they are short", () => {
    const res = response();
    addWarning(res, 'unknown field "spec.a"');
    addWarning(res, 'unknown field "spec.a"');
    addWarning(res, 'unknown field "spec.b"');
    expect(warnings(res)).toEqual([
      '299 - "unknown field \\"spec.a\\""',
      '299 - "unknown field \\"spec.b\\""',
    ]);
  });

  it("cuts every warning to 256 runes once the total passes 4 Ki runes", () => {
    const res = response();
    addWarning(res, "short");
    addWarning(res, `unknown field "${"x".repeat(70_000)}"`);
    const sent = warnings(res);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe('299 - "short"');
    expect(sent[1]).toBe(`299 - ${JSON.stringify(`unknown field "${"x".repeat(WARNING_ITEM_RUNES - 15)}`)}`);
  });

  it("stops adding once the cut warnings reach the total", () => {
    const res = response();
    for (let i = 0; i < 100; i++) addWarning(res, `${i} ${"é".repeat(1_000)}`);
    const sent = warnings(res);
    expect(sent.length).toBe(Math.ceil(WARNINGS_TOTAL_RUNES / WARNING_ITEM_RUNES));
    expect(sent.join("").length).toBeLessThan(2 * WARNINGS_TOTAL_RUNES);
  });
});
