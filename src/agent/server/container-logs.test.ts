import { PassThrough } from "node:stream";
import type { ServerResponse } from "node:http";
import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../common/index.js";
import type { LogOutputOptions } from "../../runtime/index.js";
import { parseLogQuery, serveContainerLogs } from "./container-logs.js";

const NOW = 1_700_000_000_000_000_000n;

describe("parseLogQuery", () => {
  it("reads PodLogOptions", () => {
    const q = new URLSearchParams(
      "follow=true&previous=true&timestamps=true&tailLines=5&limitBytes=10&sinceSeconds=2",
    );
    expect(parseLogQuery(q, NOW)).toEqual({
      follow: true,
      previous: true,
      timestamps: true,
      tailLines: 5,
      limitBytes: 10,
      sinceTimeNanos: NOW - 2_000_000_000n,
    });
    expect(parseLogQuery(new URLSearchParams("sinceTime=2023-11-14T22:13:20Z"), NOW).sinceTimeNanos).toBe(
      1_700_000_000_000_000_000n,
    );
  });

  it.each([
    ["sinceSeconds=1&sinceTime=2023-11-14T22:13:20Z", /at most one of sinceTime or sinceSeconds/],
    ["sinceSeconds=0", /sinceSeconds/],
    ["tailLines=-1", /tailLines/],
    ["limitBytes=0", /limitBytes/],
    ["follow=maybe", /follow/],
    ["sinceTime=yesterday", /sinceTime/],
  ])("refuses %s", (query, message) => {
    expect(() => parseLogQuery(new URLSearchParams(query), NOW)).toThrow(message);
  });
});

const pod: IPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", uid: "u" },
  spec: { containers: [{ name: "c", image: "i" }] },
  status: {
    containerStatuses: [
      {
        name: "c",
        image: "i",
        imageID: "",
        ready: true,
        restartCount: 1,
        containerID: "containerd://now",
        lastState: { terminated: { exitCode: 1, containerID: "containerd://before" } },
      },
    ],
  },
};

async function serve(
  query: string,
  chunks: readonly string[] = ["one\n", "two-", "parts\n"],
): Promise<{ body: string; read: { id: string; options: LogOutputOptions }[] }> {
  const read: { id: string; options: LogOutputOptions }[] = [];
  const out = new PassThrough();
  const received: Buffer[] = [];
  out.on("data", (c: Buffer) => received.push(c));
  const res = Object.assign(out, {
    writeHead: () => res,
    flushHeaders: () => undefined,
  }) as unknown as ServerResponse;
  const clock = { nowNanos: () => NOW } as Clock;
  await serveContainerLogs(
    {
      clock,
      pods: { pods: () => [pod] },
      runtime: {
        async *readLogOutput(id: string, options: LogOutputOptions = {}) {
          read.push({ id, options });
          for (const c of chunks) yield Buffer.from(c);
        },
      },
    },
    res,
    { namespace: "ns", pod: "p", container: "c" },
    new URLSearchParams(query),
    new AbortController().signal,
  );
  return { body: Buffer.concat(received).toString(), read };
}

describe("serveContainerLogs", () => {
  it("writes the runtime's output, cut at limitBytes across chunks", async () => {
    expect((await serve("")).body).toBe("one\ntwo-parts\n");
    expect((await serve("limitBytes=6")).body).toBe("one\ntw");
    expect((await serve("limitBytes=4")).body).toBe("one\n");
    expect((await serve("", [])).body).toBe("");
  });

  it("reads the previous container with previous=true, and passes tail, follow and timestamps on", async () => {
    const { read } = await serve("previous=true&tailLines=3&follow=true&timestamps=true");
    expect(read[0]?.id).toBe("before");
    expect(read[0]?.options).toMatchObject({ tailLines: 3, follow: true, timestamps: true });
    expect((await serve("")).read[0]?.id).toBe("now");
  });

  it("passes sinceSeconds on as a time", async () => {
    const { read } = await serve("sinceSeconds=2");
    expect(read[0]?.options.sinceTimeNanos).toBe(NOW - 2_000_000_000n);
  });
});
