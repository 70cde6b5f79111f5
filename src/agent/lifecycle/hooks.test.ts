import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { MemoryEventRecorder } from "../events/index.js";
import { HookRunner } from "./hooks.js";

const pod: IPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", uid: "u1" },
  spec: { containers: [] },
};

function setup(
  exec: (cmd: readonly string[]) => Promise<{ exitCode: number; stdout?: string; stderr?: string }>,
) {
  const clock = new ManualClock();
  const recorder = new MemoryEventRecorder();
  const runner = new HookRunner({
    runtime: {
      execSync: async (_id, cmd) => {
        const r = await exec(cmd);
        return {
          exitCode: r.exitCode,
          stdout: Buffer.from(r.stdout ?? ""),
          stderr: Buffer.from(r.stderr ?? ""),
        };
      },
    },
    recorder,
    clock,
    logger: silentLogger(),
  });
  const target = (container: IContainer, podIP = "127.0.0.1") => ({
    pod,
    container,
    init: false,
    containerId: "c1",
    podIP,
  });
  return { clock, recorder, runner, target };
}

describe("HookRunner", () => {
  it("postStart exec: success, and a failure worded as the kubelet's with the event", async () => {
    const t = setup(async (cmd) =>
      cmd.includes("exit 1") ? { exitCode: 1, stdout: "out", stderr: "err" } : { exitCode: 0 },
    );
    const ok: IContainer = {
      name: "c",
      lifecycle: { postStart: { exec: { command: ["sh", "-c", "true"] } } },
    };
    expect(await t.runner.postStart(t.target(ok))).toBeUndefined();
    const bad: IContainer = {
      name: "c",
      lifecycle: { postStart: { exec: { command: ["sh", "-c", "exit 1"] } } },
    };
    const message =
      'Exec lifecycle hook ([sh -c exit 1]) for Container "c" in Pod "p_ns(u1)" failed - error: command \'sh -c exit 1\' exited with 1: outerr, message: "outerr"';
    expect(await t.runner.postStart(t.target(bad))).toBe(message);
    expect(t.recorder.events).toEqual([
      {
        object: expect.objectContaining({ fieldPath: "spec.containers{c}" }),
        type: "Warning",
        reason: "FailedPostStartHook",
        message,
      },
    ]);
  });

  it("httpGet hooks: any HTTP answer succeeds with kube-lifecycle's User-Agent; a refused connection fails", async () => {
    const seen: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      seen.push(req);
      res.statusCode = 500;
      res.end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const t = setup(async () => ({ exitCode: 0 }));
    const c: IContainer = {
      name: "c",
      ports: [{ name: "web", containerPort: port }],
      lifecycle: { postStart: { httpGet: { path: "/start", port: "web" } } },
    };
    expect(await t.runner.postStart(t.target(c))).toBeUndefined();
    expect(seen[0]?.url).toBe("/start");
    expect(seen[0]?.headers["user-agent"]).toBe("kube-lifecycle/1.32");
    server.close();
    await once(server, "close");
    const failed = await t.runner.postStart(t.target(c));
    expect(failed).toBe(
      `HTTP lifecycle hook (/start) for Container "c" in Pod "p_ns(u1)" failed - error: Get "http://127.0.0.1:${port}/start": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
  });

  it("preStop sleep uses up part of the grace; SIGTERM gets the rest, at least 2 s", async () => {
    const t = setup(async () => ({ exitCode: 0 }));
    const sleeper = (seconds: number): IContainer => ({
      name: "c",
      lifecycle: { preStop: { sleep: { seconds } } },
    });
    const short = t.runner.preStop(t.target(sleeper(3)), 10);
    await t.clock.advance(3_000);
    expect(await short).toBe(7);
    const long = t.runner.preStop(t.target(sleeper(30)), 10);
    await t.clock.advance(10_000);
    expect(await long).toBe(2);
    expect(t.clock.pending).toBe(0);
    expect(await t.runner.preStop(t.target({ name: "c" }), 10)).toBe(10);
  });

  it("postStart sleep holds the start for its seconds on the clock, then succeeds", async () => {
    const t = setup(async () => ({ exitCode: 0 }));
    const c: IContainer = { name: "c", lifecycle: { postStart: { sleep: { seconds: 5 } } } };
    let done = false;
    const hook = t.runner.postStart(t.target(c)).then((r) => {
      done = true;
      return r;
    });
    await t.clock.advance(4_999);
    expect(done).toBe(false);
    await t.clock.advance(1);
    expect(await hook).toBeUndefined();
    expect(t.recorder.events).toEqual([]);
  });

  it("a failing preStop records FailedPreStopHook and still leaves the grace", async () => {
    const t = setup(async () => ({ exitCode: 2 }));
    const c: IContainer = { name: "c", lifecycle: { preStop: { exec: { command: ["stop"] } } } };
    expect(await t.runner.preStop(t.target(c), 5)).toBe(5);
    expect(t.recorder.events[0]).toMatchObject({ reason: "FailedPreStopHook", type: "Warning" });
    expect(t.recorder.events[0]?.message).toMatch(
      /^Exec lifecycle hook \(\[stop\]\) for Container "c" in Pod "p_ns\(u1\)" failed - error: command 'stop' exited with 2: , message: ""$/,
    );
  });
});
