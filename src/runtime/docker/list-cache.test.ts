import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { EVENTS_RETRY_INITIAL_MS, LIST_MAX_AGE_MS, ListCache, type ListedSummary } from "./list-cache.js";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A ListCache over streams the test writes to, and a list the test sets the answer of. */
function setup() {
  const clock = new ManualClock();
  const streams: PassThrough[] = [];
  const subscribed: number[] = [];
  let opening: Promise<void> = Promise.resolve();
  const cache = new ListCache({
    log: silentLogger(),
    clock,
    subscribe: async (since) => {
      subscribed.push(since);
      await opening;
      const stream = new PassThrough();
      streams.push(stream);
      return stream;
    },
  });
  let answer: ListedSummary[] = [{ id: "c1", state: "running", podUid: "u1" }];
  let calls = 0;
  const list = async () => {
    calls++;
    await flush();
    return answer;
  };
  return {
    clock,
    cache,
    streams,
    subscribed,
    get: () => cache.get("k", list),
    /** A first list, which opens the event stream (not kept: the stream was not open yet). */
    openStream: async () => {
      await cache.get("k", list);
      await flush();
    },
    calls: () => calls,
    set: (next: ListedSummary[]) => (answer = next),
    hold: (until: Promise<void>) => (opening = until),
    event: (action: string, id = "c1") =>
      streams.at(-1)?.write(JSON.stringify({ Type: "container", Action: action, Actor: { ID: id } }) + "\n"),
  };
}

describe("ListCache", () => {
  it("keeps an answer only once the event stream is open, from a second back", async () => {
    const t = setup();
    let open!: () => void;
    t.hold(new Promise<void>((resolve) => (open = resolve)));
    await t.get();
    await t.get();
    expect(t.calls()).toBe(2);
    expect(t.subscribed).toEqual([Math.floor(t.clock.now() / 1000) - 1]);
    open();
    await flush();
    expect(t.cache.open).toBe(true);
    await t.get();
    await t.get();
    expect(t.calls()).toBe(3);
    t.cache.close();
  });

  it("drops kept answers on every event, and after forget()", async () => {
    const t = setup();
    await t.openStream();
    await t.get();
    expect(t.calls()).toBe(2);
    t.event("start");
    await flush();
    await t.get();
    await t.get();
    expect(t.calls()).toBe(3);
    t.cache.forget();
    await t.get();
    expect(t.calls()).toBe(4);
    t.cache.close();
  });

  it("does not keep an answer whose list began before a drop", async () => {
    const t = setup();
    await t.openStream();
    const inFlight = t.get();
    t.cache.forget();
    await inFlight;
    await t.get();
    expect(t.calls()).toBe(3);
    t.cache.close();
  });

  it("does not keep an answer showing running a container Docker said died, until one shows it exited", async () => {
    const t = setup();
    await t.openStream();
    t.event("die");
    await flush();
    // Docker's list still shows it running: returned, not kept.
    expect(await t.get()).toEqual([{ id: "c1", state: "running", podUid: "u1" }]);
    await t.get();
    expect(t.calls()).toBe(3);
    t.set([{ id: "c1", state: "exited", podUid: "u1" }]);
    expect(await t.get()).toEqual([{ id: "c1", state: "exited", podUid: "u1" }]);
    await t.get();
    expect(t.calls()).toBe(4);
    // Settled: the container running again (a new start) is kept as any answer is.
    t.set([{ id: "c1", state: "running", podUid: "u1" }]);
    t.cache.forget();
    await t.get();
    await t.get();
    expect(t.calls()).toBe(5);
    t.cache.close();
  });

  it("serves no answer older than LIST_MAX_AGE_MS", async () => {
    const t = setup();
    await t.openStream();
    await t.get();
    await t.clock.advance(LIST_MAX_AGE_MS - 1);
    await t.get();
    expect(t.calls()).toBe(2);
    await t.clock.advance(1);
    await t.get();
    expect(t.calls()).toBe(3);
    t.cache.close();
  });

  it("lists through Docker while the stream is closed, and opens it again after a backoff", async () => {
    const t = setup();
    await t.openStream();
    t.streams[0]?.end();
    await flush();
    expect(t.cache.open).toBe(false);
    await t.get();
    await t.get();
    expect(t.calls()).toBe(3);
    expect(t.subscribed).toHaveLength(1);
    await t.clock.advance(EVENTS_RETRY_INITIAL_MS * 1.1);
    await flush();
    expect(t.subscribed).toHaveLength(2);
    expect(t.cache.open).toBe(true);
    await t.get();
    await t.get();
    expect(t.calls()).toBe(4);
    t.cache.close();
  });

  it("closes the stream for good on close()", async () => {
    const t = setup();
    await t.openStream();
    t.cache.close();
    await flush();
    expect(t.streams[0]?.destroyed).toBe(true);
    expect(t.cache.open).toBe(false);
    await t.clock.advance(EVENTS_RETRY_INITIAL_MS * 100);
    await t.get();
    await t.get();
    expect(t.calls()).toBe(3);
    expect(t.subscribed).toHaveLength(1);
  });
});
