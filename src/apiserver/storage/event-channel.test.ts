import { describe, expect, it } from "vitest";
import { EventChannel } from "./event-channel.js";

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe("EventChannel", () => {
  it("delivers pushed values in order, buffered or awaited", async () => {
    const ch = new EventChannel<number>();
    ch.push(1);
    ch.push(2);
    const third = ch.next();
    expect(await ch.next()).toEqual({ value: 2, done: false });
    ch.push(3);
    ch.close();
    // next() called before push 2 was read gets value 1 first
    expect(await third).toEqual({ value: 1, done: false });
    expect(await ch.next()).toEqual({ value: 3, done: false });
    expect(await ch.next()).toEqual({ value: undefined, done: true });
  });

  it("resolves a waiting consumer on push and on close", async () => {
    const ch = new EventChannel<string>();
    const pending = drain(ch);
    ch.push("a");
    ch.push("b");
    ch.close();
    ch.push("ignored after close");
    expect(await pending).toEqual(["a", "b"]);
  });

  it("fails after the buffered values", async () => {
    const ch = new EventChannel<number>();
    ch.push(1);
    ch.fail(new Error("boom"));
    expect(await ch.next()).toEqual({ value: 1, done: false });
    await expect(ch.next()).rejects.toThrow("boom");
  });

  it("ends when its signal aborts, and starts ended on an aborted signal", async () => {
    const controller = new AbortController();
    const ch = new EventChannel<number>(controller.signal);
    const pending = drain(ch);
    ch.push(7);
    controller.abort();
    expect(await pending).toEqual([7]);
    expect(ch.closed).toBe(true);
    const dead = new EventChannel<number>(AbortSignal.abort());
    dead.push(1);
    expect(await drain(dead)).toEqual([]);
  });

  it("keeps order across buffer compaction", async () => {
    const ch = new EventChannel<number>();
    for (let i = 0; i < 5000; i++) ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < 3000; i++) got.push((await ch.next()).value as number);
    for (let i = 5000; i < 6000; i++) ch.push(i);
    expect(ch.size).toBe(3000);
    ch.close();
    got.push(...(await drain(ch)));
    expect(got).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  });
});
