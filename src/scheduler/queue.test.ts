import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../common/clock.js";
import { SchedulingQueue } from "./queue.js";

const pod = (name: string, priority = 0): IPod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: name },
  spec: { containers: [], priority },
});

describe("SchedulingQueue", () => {
  it("pops by priority, then first in", async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock });
    q.add(pod("a"));
    await clock.advance(1);
    q.add(pod("b", 10));
    await clock.advance(1);
    q.add(pod("c"));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop()).key);
    expect(order).toEqual(["default/b", "default/a", "default/c"]);
  });

  it("backs off 1 s doubling per attempt up to 10 s", async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock });
    q.add(pod("a"));
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const entry = await q.pop();
      expect(entry.attempts).toBe(attempt);
      q.addBackoff(entry);
      const start = clock.now();
      while (q.sizes.active === 0) {
        await clock.advance(100);
        q.flushBackoffCompleted();
      }
      waits.push(clock.now() - start);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it("parks an unschedulable pod until a cluster event concerning its rejecting plugin", async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock });
    q.add(pod("a"));
    const entry = await q.pop();
    entry.rejectedBy = new Set(["NodeResourcesFit"]);
    q.addUnschedulable(entry);
    expect(q.sizes).toEqual({ active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoff(["InterPodAffinity"]);
    expect(q.sizes.unschedulable).toBe(1);
    await clock.advance(5_000);
    q.moveAllToActiveOrBackoff(["NodeResourcesFit"]);
    expect(q.sizes).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it("sends a pod to backoff when a move request came during its cycle", async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock });
    q.add(pod("a"));
    const entry = await q.pop();
    q.moveAllToActiveOrBackoff(undefined);
    q.addUnschedulable(entry);
    expect(q.sizes).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
  });

  it("retries parked pods after five minutes, and when their spec changes", async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock });
    q.add(pod("a"));
    q.add(pod("b"));
    const a = await q.pop();
    const b = await q.pop();
    q.addUnschedulable(a);
    q.addUnschedulable(b);
    q.update({ ...pod("b"), spec: { containers: [], nodeSelector: { disk: "ssd" } } });
    expect(q.sizes).toEqual({ active: 0, backoff: 1, unschedulable: 1 });
    await clock.advance(5 * 60_000);
    q.flushUnschedulableLeftover();
    q.flushBackoffCompleted();
    expect(q.sizes).toEqual({ active: 2, backoff: 0, unschedulable: 0 });
  });

  it("forgets deleted pods and waits in pop until a pod comes", async () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue({ clock });
    q.add(pod("a"));
    q.delete(pod("a"));
    let popped: string | undefined;
    void q.pop().then((e) => (popped = e.key));
    await clock.advance(0);
    expect(popped).toBeUndefined();
    q.add(pod("b"));
    await clock.advance(0);
    expect(popped).toBe("default/b");
  });
});
