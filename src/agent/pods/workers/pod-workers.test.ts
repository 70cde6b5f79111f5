import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../../common/index.js";
import { PodWorkers, type SyncResult } from "./pod-workers.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("PodWorkers", () => {
  it("never runs two syncs of one pod at once and folds wakes into one more sync", async () => {
    const clock = new ManualClock();
    let running = 0;
    let maxRunning = 0;
    const calls: string[] = [];
    const gate = deferred();
    const workers = new PodWorkers({
      clock,
      log: silentLogger(),
      resyncMs: 60_000,
      errorBackoffMs: 10_000,
      sync: async (uid) => {
        calls.push(uid);
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (calls.length === 1) await gate.promise;
        running--;
      },
    });
    workers.wake("a");
    workers.wake("a");
    workers.wake("a");
    workers.wake("b");
    gate.resolve();
    await workers.idle();
    expect(calls.filter((c) => c === "a")).toHaveLength(2);
    expect(calls.filter((c) => c === "b")).toHaveLength(1);
    expect(maxRunning).toBe(2); // a and b in parallel, never a twice
    await workers.stop();
  });

  it("interrupt() aborts the sync in progress and runs the next one at once, without the error backoff", async () => {
    const clock = new ManualClock();
    const calls: number[] = [];
    const workers = new PodWorkers({
      clock,
      log: silentLogger(),
      resyncMs: 60_000,
      errorBackoffMs: 10_000,
      sync: async (_uid, signal) => {
        calls.push(clock.now());
        // the first sync waits for something that never comes, but honours its signal
        if (calls.length === 1) await clock.sleep(Number.POSITIVE_INFINITY, signal);
      },
    });
    workers.wake("p");
    workers.wake("p"); // an ordinary wake folds in behind the running sync
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    workers.interrupt("p");
    await workers.idle();
    expect(calls).toEqual([calls[0], calls[0]]);
    await workers.stop();
  });

  it("resyncs after the period, retries errors after the backoff and honours retry hints", async () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const results: (SyncResult | Error)[] = [new Error("boom"), { retryAfterMs: 3_000 }, {}];
    const start = clock.now();
    const workers = new PodWorkers({
      clock,
      log: silentLogger(),
      resyncMs: 60_000,
      errorBackoffMs: 10_000,
      sync: async () => {
        times.push(clock.now() - start);
        const next = results.shift() ?? {};
        if (next instanceof Error) throw next;
        return next;
      },
    });
    workers.wake("p");
    await workers.idle();
    await clock.advance(10_000);
    await workers.idle();
    await clock.advance(3_000);
    await workers.idle();
    await clock.advance(60_000);
    await workers.idle();
    expect(times).toEqual([0, 10_000, 13_000, 73_000]);
    await workers.stop();
  });

  it("drops a worker whose sync says done, and forget() cancels its timer", async () => {
    const clock = new ManualClock();
    let count = 0;
    const workers = new PodWorkers({
      clock,
      log: silentLogger(),
      resyncMs: 1_000,
      errorBackoffMs: 1_000,
      sync: async (uid) => {
        count++;
        return uid === "done" ? { done: true } : {};
      },
    });
    workers.wake("done");
    workers.wake("kept");
    await workers.idle();
    expect(workers.uids()).toEqual(["kept"]);
    workers.forget("kept");
    await clock.advance(5_000);
    await workers.idle();
    expect(count).toBe(2);
    expect(workers.uids()).toEqual([]);
    await workers.stop();
    expect(
      () =>
        new PodWorkers({
          clock,
          log: silentLogger(),
          resyncMs: 0,
          errorBackoffMs: 1,
          sync: async () => undefined,
        }),
    ).toThrow(/resyncMs/);
  });

  it("records each sync as the kubelet's create, update or sync, from the wake that asked for it", async () => {
    const clock = new ManualClock(1_000);
    const synced: [string, number][] = [];
    const started: [string, number, number][] = [];
    const gate = deferred();
    let calls = 0;
    const workers = new PodWorkers({
      clock,
      log: silentLogger(),
      resyncMs: 60_000,
      errorBackoffMs: 10_000,
      metrics: {
        workerStarted: (uid, seenAtMs, nowMs) => started.push([uid, seenAtMs, nowMs]),
        synced: (operation, seconds) => synced.push([operation, seconds]),
      },
      sync: async () => {
        if (++calls === 1) {
          await clock.advance(500);
          await gate.promise;
        }
      },
    });
    workers.wake("p");
    // a change while the first sync runs: one "update" after it, timed from this wake
    await Promise.resolve();
    workers.wake("p");
    gate.resolve();
    await workers.idle();
    expect(started).toEqual([["p", 1_000, 1_000]]);
    expect(synced).toEqual([
      ["create", 0.5],
      ["update", 0.5],
    ]);
    await clock.advance(60_000);
    await workers.idle();
    expect(synced.at(-1)).toEqual(["sync", 0]);
    await workers.stop();
  });
});
