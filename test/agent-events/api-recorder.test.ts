/** ApiEventRecorder against the real API server (SQLite in a temp dir) with a ManualClock. */
import type { IEvent } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiClient, resourcePath } from "../../src/api/index.js";
import { ApiEventRecorder, type InvolvedObject } from "../../src/agent/events/index.js";
import { ManualClock, silentLogger } from "../../src/common/index.js";
import { startServer, type TestServer } from "../support/apiserver.js";

let api: TestServer;
let client: ApiClient;

beforeAll(async () => {
  api = await startServer();
  client = api.client;
});
afterAll(async () => {
  await api?.stop();
});

async function eventsAbout(name: string, namespace = "default"): Promise<IEvent[]> {
  const list = await client.list<IEvent>(resourcePath({ resource: "events", namespace }), {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items;
}

function recorder(
  clock: ManualClock,
  extra: Partial<ConstructorParameters<typeof ApiEventRecorder>[0]> = {},
) {
  return new ApiEventRecorder({ client, host: "node-1", clock, logger: silentLogger(), ...extra });
}

const pod = (name: string): InvolvedObject => ({
  kind: "Pod",
  name,
  namespace: "default",
  uid: `uid-${name}`,
  fieldPath: "spec.containers{main}",
});

describe("ApiEventRecorder", () => {
  it("creates an Event with source, reporting fields, timestamps and a name from the time", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const r = recorder(clock);
    r.event(pod("web"), "Normal", "Pulled", 'Container image "busybox" already present on machine');
    await r.flush();
    const [e, ...rest] = await eventsAbout("web");
    expect(rest).toEqual([]);
    expect(e?.metadata?.name).toBe(`web.${clock.nowNanos().toString(16)}`);
    expect(e).toMatchObject({
      type: "Normal",
      reason: "Pulled",
      count: 1,
      source: { component: "kubelet", host: "node-1" },
      reportingComponent: "kubelet",
      reportingInstance: "node-1",
      firstTimestamp: "2026-01-01T12:00:00Z",
      lastTimestamp: "2026-01-01T12:00:00Z",
      involvedObject: {
        kind: "Pod",
        name: "web",
        namespace: "default",
        uid: "uid-web",
        apiVersion: "v1",
        fieldPath: "spec.containers{main}",
      },
    });
  });

  it("aggregates repeats into one Event with a count, and keeps different messages apart", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const r = recorder(clock);
    r.event(pod("loop"), "Warning", "BackOff", "Back-off restarting failed container main in pod loop");
    await clock.advance(30_000);
    r.event(pod("loop"), "Warning", "BackOff", "Back-off restarting failed container main in pod loop");
    await clock.advance(30_000);
    r.event(pod("loop"), "Warning", "BackOff", "Back-off restarting failed container main in pod loop");
    r.event(pod("loop"), "Warning", "Failed", "Error: ImagePullBackOff");
    await r.flush();
    const events = await eventsAbout("loop");
    expect(events.map((e) => [e.reason, e.count]).sort()).toEqual([
      ["BackOff", 3],
      ["Failed", 1],
    ]);
    const backoff = events.find((e) => e.reason === "BackOff");
    expect(backoff?.firstTimestamp).toBe("2026-01-01T12:00:00Z");
    expect(backoff?.lastTimestamp).toBe("2026-01-01T12:01:00Z");
  });

  it("combines similar events past ten distinct messages into one Event whose count grows", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const r = recorder(clock);
    for (let i = 0; i < 12; i++) {
      r.event(pod("flaky"), "Warning", "Unhealthy", `Liveness probe failed: run ${i}`);
      await clock.advance(1_000);
    }
    await r.flush();
    const events = await eventsAbout("flaky");
    const combined = events.filter((e) => e.message?.startsWith("(combined from similar events): "));
    expect(
      events
        .filter((e) => !combined.includes(e))
        .map((e) => e.message)
        .sort(),
    ).toEqual(Array.from({ length: 9 }, (_, i) => `Liveness probe failed: run ${i}`).sort());
    expect(combined.map((e) => [e.message, e.count, e.firstTimestamp, e.lastTimestamp])).toEqual([
      [
        "(combined from similar events): Liveness probe failed: run 11",
        3,
        "2026-01-01T12:00:09Z",
        "2026-01-01T12:00:11Z",
      ],
    ]);
  });

  it("with combineSimilar false writes every distinct message as its own Event", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const r = recorder(clock, { combineSimilar: false });
    for (let i = 0; i < 12; i++) r.event(pod("apart"), "Warning", "FailedScheduling", `try ${i}`);
    await r.flush();
    expect((await eventsAbout("apart")).map((e) => e.message).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `try ${i}`).sort(),
    );
  });

  it("recreates an aggregated Event someone deleted, keeping its count", async () => {
    const clock = new ManualClock();
    const r = recorder(clock);
    r.event(pod("gone"), "Normal", "Started", "Started container main");
    await r.flush();
    const [first] = await eventsAbout("gone");
    await client.delete(
      resourcePath({ resource: "events", namespace: "default", name: first?.metadata?.name ?? "" }),
    );
    await clock.advance(1000);
    r.event(pod("gone"), "Normal", "Started", "Started container main");
    await r.flush();
    const again = await eventsAbout("gone");
    expect(again.map((e) => e.count)).toEqual([2]);
  });

  it("rate-limits per object: a burst, then one per refill period", async () => {
    const clock = new ManualClock();
    const r = recorder(clock, { spamBurst: 3, spamQps: 1 / 300 });
    for (let i = 0; i < 6; i++) r.event(pod("spam"), "Normal", "Tick", `tick ${i}`);
    r.event(pod("other"), "Normal", "Tick", "tick");
    await r.flush();
    expect((await eventsAbout("spam")).map((e) => e.message).sort()).toEqual(["tick 0", "tick 1", "tick 2"]);
    expect(await eventsAbout("other")).toHaveLength(1);
    await clock.advance(300_000);
    r.event(pod("spam"), "Normal", "Tick", "tick 9");
    r.event(pod("spam"), "Normal", "Tick", "tick 10");
    await r.flush();
    expect(await eventsAbout("spam")).toHaveLength(4);
  });

  it("paces writes to the record QPS after a burst instead of dropping them", async () => {
    const clock = new ManualClock();
    const r = recorder(clock, { recordQps: 1, recordBurst: 2 });
    for (const n of ["a", "b", "c"])
      r.event(pod(`paced-${n}`), "Normal", "Created", "Created container main");
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    expect((await eventsAbout("paced-a")).length + (await eventsAbout("paced-b")).length).toBe(2);
    expect(await eventsAbout("paced-c")).toHaveLength(0);
    await clock.advance(1000);
    await r.flush();
    expect(await eventsAbout("paced-c")).toHaveLength(1);
  });

  it("puts events about a Node in the default namespace", async () => {
    const r = recorder(new ManualClock());
    r.event({ kind: "Node", name: "node-1", uid: "node-1" }, "Normal", "Starting", "Starting berth agent.");
    await r.flush();
    const [e] = await eventsAbout("node-1");
    expect(e?.metadata?.namespace).toBe("default");
    expect(e?.involvedObject).toEqual({ kind: "Node", name: "node-1", uid: "node-1", apiVersion: "v1" });
  });

  it("retries a write that failed while the API server was away, without a second spam token", async () => {
    const first = await startServer();
    const port = new URL(first.url).port;
    const c = await ApiClient.fromKubeconfig(first.kubeconfig);
    await first.halt();
    const clock = new ManualClock();
    const r = new ApiEventRecorder({
      client: c,
      host: "node-1",
      clock,
      logger: silentLogger(),
      spamBurst: 1,
    });
    r.event(pod("later"), "Normal", "Pulled", "pulled");
    await r.flush();
    const second = await startServer({ dir: first.dir, listen: `127.0.0.1:${port}` });
    try {
      await clock.advance(10_000);
      await vi.waitFor(async () => {
        const list = await c.list<IEvent>(resourcePath({ resource: "events", namespace: "default" }), {
          fieldSelector: "involvedObject.name=later",
        });
        expect(list.items.map((e) => e.count)).toEqual([1]);
      });
      await r.close();
    } finally {
      await c.close();
      await second.stop();
    }
  });

  it("never throws nor blocks: malformed events are dropped, an unreachable server only logs", async () => {
    const r = recorder(new ManualClock());
    expect(() => r.event({ kind: "Pod", name: "", uid: "x" }, "Normal", "X", "m")).not.toThrow();
    expect(() => r.event(pod("p"), "Bogus" as "Normal", "X", "m")).not.toThrow();
    await r.flush();
    const dead = new ApiClient({ server: "http://127.0.0.1:1", requestTimeoutMs: 2000 });
    const offline = new ApiEventRecorder({
      client: dead,
      host: "n",
      clock: new ManualClock(),
      logger: silentLogger(),
      queueSize: 2,
    });
    for (let i = 0; i < 5; i++) offline.event(pod("p"), "Normal", "X", `m${i}`);
    await offline.close();
    offline.event(pod("p"), "Normal", "X", "after close");
    await offline.flush();
    await dead.close();
  });
});
