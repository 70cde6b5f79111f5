import type { ILease } from "kubernetes-models/coordination.k8s.io/v1";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../common/clock.js";
import { BerthError, ErrorCode } from "../common/errors.js";
import { silentLogger } from "../common/log.js";
import { LeaderElector, type LeaderElectionOptions } from "./leader-election.js";

const PATH = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";

/** An in-memory lease endpoint with resourceVersion compare-and-swap, as the API server keeps it. */
class FakeLeases {
  lease: ILease | undefined;
  #rv = 0;
  failing = false;
  /** Requests that never answer (until their signal aborts). */
  hanging = false;
  readonly calls: string[] = [];

  #check(method: string, signal?: AbortSignal): Promise<void> | undefined {
    this.calls.push(method);
    if (this.hanging) {
      return new Promise((_, reject) =>
        signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true }),
      );
    }
    if (this.failing) throw new BerthError(ErrorCode.Internal, "connection refused");
    return undefined;
  }

  get = async <T>(path: string, options: { signal?: AbortSignal } = {}): Promise<T> => {
    await this.#check("get", options.signal);
    if (this.lease === undefined || path !== `${PATH}/${this.lease.metadata?.name}`) {
      throw new BerthError(ErrorCode.NotFound, "not found");
    }
    return structuredClone(this.lease) as T;
  };

  create = async <T>(path: string, body: T, options: { signal?: AbortSignal } = {}): Promise<T> => {
    await this.#check("create", options.signal);
    expect(path).toBe(PATH);
    if (this.lease !== undefined) throw new BerthError(ErrorCode.AlreadyExists, "exists");
    const lease = structuredClone(body) as ILease;
    lease.metadata = { ...lease.metadata, resourceVersion: String(++this.#rv) };
    this.lease = lease;
    return structuredClone(lease) as T;
  };

  update = async <T>(path: string, body: T, options: { signal?: AbortSignal } = {}): Promise<T> => {
    await this.#check("update", options.signal);
    const lease = structuredClone(body) as ILease;
    expect(path).toBe(`${PATH}/${lease.metadata?.name}`);
    if (this.lease === undefined) throw new BerthError(ErrorCode.NotFound, "not found");
    if (lease.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) {
      throw new BerthError(ErrorCode.Conflict, "the object has been modified");
    }
    lease.metadata = { ...lease.metadata, resourceVersion: String(++this.#rv) };
    this.lease = lease;
    return structuredClone(lease) as T;
  };
}

function elector(
  leases: FakeLeases,
  clock: ManualClock,
  identity: string,
  extra: Partial<LeaderElectionOptions> = {},
): { elector: LeaderElector; events: string[] } {
  const events: string[] = [];
  const elector = new LeaderElector({
    client: leases,
    namespace: "kube-system",
    name: "kube-scheduler",
    identity,
    clock,
    random: () => 0,
    log: silentLogger(),
    onStartedLeading: () => events.push("started"),
    onStoppedLeading: () => events.push("stopped"),
    onNewLeader: (id) => events.push(`leader ${id}`),
    ...extra,
  });
  return { elector, events };
}

const MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe("LeaderElector", () => {
  it("creates a missing lease and leads with client-go's record", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 250));
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    const signal = await a.elector.elected;
    expect(signal.aborted).toBe(false);
    expect(a.elector.isLeader).toBe(true);
    expect(a.events).toEqual(["leader host_a", "started"]);
    expect(leases.lease?.spec).toEqual({
      holderIdentity: "host_a",
      leaseDurationSeconds: 15,
      acquireTime: "2026-01-01T12:00:00.250000Z",
      renewTime: "2026-01-01T12:00:00.250000Z",
      leaseTransitions: 0,
    });
    await a.elector.stop();
  });

  it("renews every retry period, keeping acquireTime and transitions", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    await a.elector.elected;
    const acquired = leases.lease?.spec?.acquireTime;
    leases.calls.length = 0;
    await clock.advance(2_000);
    expect(leases.calls).toEqual(["update"]);
    await clock.advance(2_000);
    expect(leases.calls).toEqual(["update", "update"]);
    expect(leases.lease?.spec?.acquireTime).toBe(acquired);
    expect(leases.lease?.spec?.renewTime).toMatch(MICRO);
    expect(Date.parse(leases.lease?.spec?.renewTime ?? "") - Date.parse(acquired ?? "")).toBe(4_000);
    expect(leases.lease?.spec?.leaseTransitions).toBe(0);
    await a.elector.stop();
  });

  it("waits while another holder's lease is fresh, then takes it over once it expires", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a", { releaseOnCancel: false });
    a.elector.start();
    await a.elector.elected;
    const b = elector(leases, clock, "host_b");
    b.elector.start();
    await clock.advance(0);
    expect(b.elector.isLeader).toBe(false);
    expect(b.elector.leader).toBe("host_a");
    expect(b.events).toEqual(["leader host_a"]);

    // a stops without releasing: b must wait leaseDuration from when it last saw a change.
    await a.elector.stop();
    const lastRenew = clock.now();
    let electedAt: number | undefined;
    void b.elector.elected.then(() => (electedAt = clock.now()));
    await clock.advance(14_000);
    expect(electedAt).toBeUndefined();
    await clock.advance(4_000);
    expect(electedAt).toBeDefined();
    expect((electedAt ?? 0) - lastRenew).toBeGreaterThanOrEqual(15_000);
    expect(b.events).toEqual(["leader host_a", "leader host_b", "started"]);
    expect(leases.lease?.spec?.holderIdentity).toBe("host_b");
    expect(leases.lease?.spec?.leaseTransitions).toBe(1);
    expect(Date.parse(leases.lease?.spec?.acquireTime ?? "")).toBe(electedAt);
    expect(a.events).toEqual(["leader host_a", "started", "stopped"]);
    expect(await a.elector.ended).toBe("stopped");
    await b.elector.stop();
  });

  it("releases on stop so that the next candidate acquires at its next try", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    await a.elector.elected;
    const b = elector(leases, clock, "host_b");
    b.elector.start();
    await clock.advance(0);
    await a.elector.stop();
    expect(leases.lease?.spec?.holderIdentity).toBeUndefined();
    expect(leases.lease?.spec?.leaseDurationSeconds).toBe(1);
    expect(leases.lease?.spec?.leaseTransitions).toBe(0);

    let electedAt: number | undefined;
    const start = clock.now();
    void b.elector.elected.then(() => (electedAt = clock.now()));
    await clock.advance(2_000);
    expect(electedAt).toBe(start + 2_000);
    expect(leases.lease?.spec?.holderIdentity).toBe("host_b");
    expect(leases.lease?.spec?.leaseTransitions).toBe(1);
    await b.elector.stop();
  });

  it("loses leadership when no renewal succeeds within the renew deadline", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    const signal = await a.elector.elected;
    leases.failing = true;
    const startFailing = clock.now();
    let lostAt: number | undefined;
    void a.elector.ended.then(() => (lostAt = clock.now()));
    await clock.advance(11_000);
    expect(lostAt).toBeUndefined();
    await clock.advance(2_000);
    expect(await a.elector.ended).toBe("lost");
    // the round starts after one retry period and gives up renewDeadline later
    expect((lostAt ?? 0) - startFailing).toBe(12_000);
    expect(signal.aborted).toBe(true);
    expect(a.events).toEqual(["leader host_a", "started", "stopped"]);
    await a.elector.stop();
  });

  it("bounds a request that hangs by the renew deadline", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    await a.elector.elected;
    leases.hanging = true;
    await clock.advance(2_000 + 10_000);
    expect(await a.elector.ended).toBe("lost");
  });

  it("gives up at once when another candidate took the lease over", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    await a.elector.elected;
    // an operator (or a split brain) hands the lease to someone else
    await clock.advance(0);
    const lease = structuredClone(leases.lease) as ILease;
    lease.spec = { ...lease.spec, holderIdentity: "host_c", leaseTransitions: 1 };
    await leases.update(`${PATH}/kube-scheduler`, lease);
    await clock.advance(2_000);
    expect(await a.elector.ended).toBe("lost");
    expect(a.events).toEqual(["leader host_a", "started", "leader host_c", "stopped"]);
    expect(leases.lease?.spec?.holderIdentity).toBe("host_c");
  });

  it("a conflicting write loses the race instead of overwriting", async () => {
    const clock = new ManualClock();
    const leases = new FakeLeases();
    const original = leases.update;
    let raced = false;
    leases.update = async <T>(path: string, body: T, options?: { signal?: AbortSignal }): Promise<T> => {
      if (!raced && leases.lease !== undefined) {
        raced = true;
        // another candidate writes between our read and our update
        const other = structuredClone(leases.lease);
        other.spec = { ...other.spec, holderIdentity: "host_z", renewTime: other.spec?.renewTime ?? "" };
        await original(path, other);
      }
      return original(path, body, options);
    };
    await leases.create(PATH, {
      metadata: { name: "kube-scheduler", namespace: "kube-system" },
      spec: { holderIdentity: "", leaseDurationSeconds: 1 },
    } as ILease);
    const a = elector(leases, clock, "host_a");
    a.elector.start();
    await clock.advance(0);
    expect(a.elector.isLeader).toBe(false);
    expect(leases.lease?.spec?.holderIdentity).toBe("host_z");
    await a.elector.stop();
    expect(await a.elector.ended).toBe("stopped");
    expect(a.events).toEqual([]);
  });

  it("refuses timings client-go refuses", () => {
    const leases = new FakeLeases();
    const clock = new ManualClock();
    const make = (extra: Partial<LeaderElectionOptions>) => () => elector(leases, clock, "x", extra);
    expect(make({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(/greater than renewDeadline/);
    expect(make({ renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/retryPeriod\*1.2/);
    expect(make({ identity: "" })).toThrow(/identity/);
  });
});
