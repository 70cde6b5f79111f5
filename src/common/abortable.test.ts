import { describe, expect, it } from "vitest";
import { untilAborted } from "./abortable.js";

describe("untilAborted", () => {
  it("passes the work's result through while the signal holds", async () => {
    await expect(untilAborted(Promise.resolve(3), new AbortController().signal)).resolves.toBe(3);
    await expect(untilAborted(Promise.reject(new Error("no")), undefined)).rejects.toThrow("no");
  });

  it("ends the wait at the abort and drops the work's later failure", async () => {
    const controller = new AbortController();
    let fail: (err: Error) => void = () => undefined;
    const work = new Promise<number>((_resolve, reject) => (fail = reject));
    const waiting = untilAborted(work, controller.signal);
    controller.abort(new Error("interrupted"));
    await expect(waiting).rejects.toThrow("interrupted");
    fail(new Error("late"));
    await expect(untilAborted(Promise.resolve(1), controller.signal)).rejects.toThrow("interrupted");
  });
});
