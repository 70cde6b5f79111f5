import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../common/clock.js";
import { silentLogger } from "../common/log.js";
import {
  line,
  ScriptedServer,
  sendJson,
  sendStatus,
  startWatch,
  type RecordedRequest,
} from "../../test/api/support/https-server.js";
import { ApiClient } from "./client.js";
import { Reflector } from "./reflector.js";

interface Obj {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const obj = (name: string, rv: string, data: Record<string, string> = {}): Obj => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
  data,
});
const list = (rv: string, items: Obj[], cont?: string): unknown => ({
  kind: "ConfigMapList",
  metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) },
  items,
});

let server: ScriptedServer;
let client: ApiClient;

beforeAll(async () => {
  server = await ScriptedServer.start();
  client = new ApiClient({ server: server.url, caPem: server.ca.certPem });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

/** Records handler calls; `until` resolves once the log satisfies a condition. */
class Recorder {
  readonly log: string[] = [];
  #wake: (() => void)[] = [];
  readonly handler = {
    onAdd: (o: Obj) => this.#push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    onUpdate: (a: Obj, b: Obj) =>
      this.#push(`update ${b.metadata?.name}@${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
    onDelete: (o: Obj) => this.#push(`delete ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
  };
  #push(entry: string): void {
    this.log.push(entry);
    for (const w of this.#wake.splice(0)) w();
  }
  async until(length: number): Promise<string[]> {
    while (this.log.length < length) await new Promise<void>((resolve) => this.#wake.push(resolve));
    return this.log;
  }
}

/** Waits (by yielding to the event loop, not by time) until cond() holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Step = (req: RecordedRequest, res: ServerResponse) => void;

/** Answers the n-th request with the n-th step; later requests hang (an idle watch). */
function script(steps: Step[]): void {
  let n = 0;
  server.handler = (req, res) => {
    const step = steps[n++];
    if (step) step(req, res);
    else startWatch(res);
  };
}

const describeRequest = (r: RecordedRequest): string => {
  const q = Object.fromEntries(r.query);
  const rv = q["resourceVersion"] ? ` rv=${q["resourceVersion"]}` : "";
  const cont = q["continue"] ? ` continue=${q["continue"]}` : "";
  return `${q["watch"] ? "watch" : "list"}${rv}${cont}`;
};

describe("Reflector", () => {
  let reflector: Reflector<Obj> | undefined;
  let recorder: Recorder;
  let clock: ManualClock;

  beforeEach(() => {
    server.requests.length = 0;
    recorder = new Recorder();
    clock = new ManualClock();
  });
  afterEach(async () => {
    await reflector?.stop();
    reflector = undefined;
  });

  function start(options: { pageSize?: number } = {}): Reflector<Obj> {
    reflector = new Reflector<Obj>({
      client,
      path: "/api/v1/configmaps",
      labelSelector: "team=a",
      handler: recorder.handler,
      clock,
      log: silentLogger(),
      backoff: { jitter: 0 },
      ...options,
    });
    reflector.start();
    return reflector;
  }

  it("lists, watches, resumes after bookmarks and stream ends, re-lists on 410 like Replace", async () => {
    script([
      // 1. list
      (_q, res) => sendJson(res, 200, list("10", [obj("a", "1"), obj("b", "2"), obj("c", "3")])),
      // 2. watch from 10: an add cut mid-line, a bookmark, then the server ends the stream
      (_q, res) => {
        const w = startWatch(res);
        const added = line("ADDED", obj("d", "11"));
        w.write(added.slice(0, 17));
        w.write(added.slice(17) + line("BOOKMARK", { metadata: { resourceVersion: "15" } }));
        w.end();
      },
      // 3. resume from the bookmark: a change, then 410 as an ERROR event (stream left open)
      (_q, res) => {
        const w = startWatch(res);
        w.write(line("MODIFIED", obj("a", "16", { k: "v" })));
        w.write(
          line("ERROR", {
            kind: "Status",
            code: 410,
            reason: "Expired",
            message: "too old resource version",
          }),
        );
      },
      // 4. re-list: b vanished, c changed, a unchanged since the watch, e is new
      (_q, res) =>
        sendJson(
          res,
          200,
          list("20", [obj("a", "16", { k: "v" }), obj("c", "17"), obj("d", "11"), obj("e", "18")]),
        ),
      // 5. watch from 20: a delete
      (_q, res) => startWatch(res).write(line("DELETED", obj("e", "21"))),
    ]);
    const r = start();
    await r.ready;
    expect(recorder.log).toEqual(["add a@1", "add b@2", "add c@3"]);
    expect(await recorder.until(9)).toEqual([
      "add a@1",
      "add b@2",
      "add c@3",
      "add d@11",
      "update a@1->16",
      "delete b@2",
      "update c@3->17",
      "add e@18",
      "delete e@21",
    ]);
    expect(server.requests.map(describeRequest)).toEqual([
      "list",
      "watch rv=10",
      "watch rv=15",
      "list",
      "watch rv=20",
    ]);
    for (const q of server.requests) expect(q.query.get("labelSelector")).toBe("team=a");
    expect(server.requests[1]?.query.get("allowWatchBookmarks")).toBe("true");
    expect(r.lastSyncResourceVersion).toBe("21");
    expect(r.list().map((o) => o.metadata?.name)).toEqual(["a", "c", "d"]);
    expect(r.get("ns/a")?.data).toEqual({ k: "v" });
    expect(clock.pending).toBe(0); // no backoff was needed
  });

  it("re-lists when the watch itself is refused with 410", async () => {
    script([
      (_q, res) => sendJson(res, 200, list("5", [obj("a", "1")])),
      (_q, res) => sendStatus(res, 410, "Expired", "too old resource version: 5 (9)"),
      (_q, res) => sendJson(res, 200, list("9", [obj("a", "8")])),
    ]);
    const r = start();
    await r.ready;
    // Expired straight after a list: no progress was made, so back off before listing again.
    await until(() => clock.pending === 1);
    expect(server.requests).toHaveLength(2);
    await clock.advance(800);
    expect(await recorder.until(2)).toEqual(["add a@1", "update a@1->8"]);
    await server.waitForRequests(4);
    expect(server.requests.map(describeRequest)).toEqual(["list", "watch rv=5", "list", "watch rv=9"]);
  });

  it("pages through a list with continue tokens", async () => {
    script([
      (_q, res) => sendJson(res, 200, list("7", [obj("a", "1")], "page2")),
      (_q, res) => sendJson(res, 200, list("7", [obj("b", "2")])),
    ]);
    const r = start({ pageSize: 1 });
    await r.ready;
    expect(r.size).toBe(2);
    await server.waitForRequests(3);
    expect(server.requests.map(describeRequest)).toEqual(["list", "list continue=page2", "watch rv=7"]);
    expect(server.requests[0]?.query.get("limit")).toBe("1");
  });

  it("backs off on the injected clock after failures, then resumes from the last resourceVersion", async () => {
    script([
      (_q, res) => sendStatus(res, 500, "InternalError", "etcd is down"),
      (_q, res) => sendJson(res, 200, list("3", [obj("a", "3")])),
      (_q, res) => startWatch(res).write(line("ADDED", obj("b", "4"))),
    ]);
    const r = start();
    // The failed list waits for 800 ms of the reflector's clock, not of the wall clock.
    await until(() => clock.pending === 1);
    expect(server.requests).toHaveLength(1);
    await clock.advance(799);
    expect(server.requests).toHaveLength(1);
    await clock.advance(1);
    await r.ready;
    expect(await recorder.until(2)).toEqual(["add a@3", "add b@4"]);

    // The open watch breaks: back off, then watch again from rv 4 (no re-list).
    script([(_q, res) => startWatch(res).write(line("MODIFIED", obj("b", "5")))]);
    server.server.closeAllConnections();
    await until(() => clock.pending === 1);
    await clock.advance(800); // the watch delivered, so the backoff was reset: 800 again, not 1600
    expect(await recorder.until(3)).toEqual(["add a@3", "add b@4", "update b@4->5"]);
    expect(server.requests.map(describeRequest)).toEqual(["list", "list", "watch rv=3", "watch rv=4"]);
  });

  it("backs off after a watch that ends without events, and resumes a failed watch without re-listing", async () => {
    script([
      (_q, res) => sendJson(res, 200, list("3", [obj("a", "3")])),
      (_q, res) => startWatch(res).end(), // quiet close
      (_q, res) => {
        const w = startWatch(res);
        w.write(line("ADDED", obj("b", "4")));
        w.write(
          line("ERROR", { kind: "Status", code: 500, reason: "InternalError", message: "storage hiccup" }),
        );
      },
      (_q, res) => startWatch(res).write(line("DELETED", obj("a", "5"))),
    ]);
    const r = start();
    await r.ready;
    await until(() => clock.pending === 1);
    expect(server.requests.map(describeRequest)).toEqual(["list", "watch rv=3"]);
    await clock.advance(800);
    await until(() => clock.pending === 1); // after the ERROR event
    expect(recorder.log).toEqual(["add a@3", "add b@4"]);
    await clock.advance(800);
    expect(await recorder.until(3)).toEqual(["add a@3", "add b@4", "delete a@5"]);
    expect(server.requests.map(describeRequest)).toEqual(["list", "watch rv=3", "watch rv=3", "watch rv=4"]);
    expect(r.size).toBe(1);
  });

  it("keeps going when a handler throws", async () => {
    script([
      (_q, res) => sendJson(res, 200, list("1", [obj("a", "1")])),
      (_q, res) => startWatch(res).write(line("ADDED", obj("b", "2"))),
    ]);
    const log: string[] = [];
    reflector = new Reflector<Obj>({
      client,
      path: "/api/v1/configmaps",
      clock,
      log: silentLogger(),
      handler: {
        onAdd: (o) => {
          log.push(o.metadata?.name ?? "");
          if (o.metadata?.name === "a") throw new Error("handler bug");
        },
      },
    });
    reflector.start();
    await until(() => log.length === 2);
    expect(log).toEqual(["a", "b"]);
    expect(reflector.size).toBe(2);
  });

  it("stops cleanly: ready rejects if stopped before the first list, start twice is refused", async () => {
    script([(_q, res) => sendStatus(res, 503, "ServiceUnavailable", "starting")]);
    const r = start();
    expect(() => r.start()).toThrow(/already started/);
    await until(() => clock.pending === 1);
    await r.stop();
    await expect(r.ready).rejects.toThrow(/stopped before its first list/);
    expect(clock.pending).toBe(0);
  });

  it("rejects bad options", () => {
    expect(() => new Reflector({ client, path: "api/v1/pods", handler: {} })).toThrow(
      expect.objectContaining({ code: "Config" }),
    );
    expect(() => new Reflector({ client, path: "/api/v1/pods", handler: {}, pageSize: 0 })).toThrow(
      /pageSize/,
    );
  });
});
