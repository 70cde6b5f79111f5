/**
 * The adapter over a tiny in-process stand-in for the Docker Engine API on a unix socket: the
 * real dockerode stack, the adapter's requests and its handling of Docker's status codes, with
 * no daemon. The live behaviour is covered by the runtime contract suite (test/runtime).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../common/index.js";
import type { ContainerFilter, PodSandboxFilter } from "../types.js";
import { encodeLabels } from "./docker-labels.js";
import { createDockerRuntime } from "./index.js";

type Handler = (req: IncomingMessage, url: URL, body: string) => { status: number; json?: unknown };

let dir: string;
let server: Server;
let socket: string;
let handler: Handler = () => ({ status: 500, json: { message: "no handler" } });
const seen: { method: string; path: string; query: URLSearchParams; body: string }[] = [];
/** Open event streams (GET /events), which the stand-in holds open as Docker does. */
const eventStreams: ServerResponse[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-docker-unit-"));
  socket = join(dir, "docker.sock");
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://docker");
      seen.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, body });
      if (url.pathname === "/events") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.flushHeaders();
        eventStreams.push(res);
        return;
      }
      const { status, json } = handler(req, url, body);
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(json === undefined ? "" : JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

afterEach(() => {
  seen.length = 0;
  for (const res of eventStreams.splice(0)) res.end();
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const oomScorePolicy = { canLower: true, ownScore: 0 };
const runtime = () =>
  createDockerRuntime({ endpoint: `unix://${socket}`, podInfraImage: "pause:1", oomScorePolicy });

const sandboxConfig = {
  metadata: { name: "web", namespace: "default", uid: "u1", attempt: 0 },
  logDirectory: "/var/log/pods/default_web_u1",
  portMappings: [],
  labels: { app: "web" },
  annotations: { note: "x" },
  namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
  sysctls: {},
} as const;

describe("DockerRuntime over the Engine API", () => {
  it("refuses a bad endpoint or a missing pause image with Config", () => {
    expect(() =>
      createDockerRuntime({ endpoint: "docker.sock", podInfraImage: "p", oomScorePolicy }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.Config }));
    expect(() =>
      createDockerRuntime({ endpoint: `unix://${socket}`, podInfraImage: "", oomScorePolicy }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.Config }));
  });

  it("reports RuntimeUnavailable when the socket is not there", async () => {
    const rt = createDockerRuntime({
      endpoint: `unix://${dir}/absent.sock`,
      podInfraImage: "p",
      oomScorePolicy,
    });
    await expect(rt.version()).rejects.toMatchObject({ code: ErrorCode.RuntimeUnavailable });
    await expect(rt.listPodSandboxes()).rejects.toMatchObject({ code: ErrorCode.RuntimeUnavailable });
    await rt.close();
  });

  it("reads the version", async () => {
    handler = () => ({ status: 200, json: { Version: "20.10.24", ApiVersion: "1.41" } });
    const rt = runtime();
    expect(await rt.version()).toEqual({
      runtimeName: "docker",
      runtimeVersion: "20.10.24",
      runtimeApiVersion: "1.41",
    });
    await rt.close();
  });

  it("treats stopping a stopped container (304) and removing a removed one (404) as done", async () => {
    handler = (req) =>
      req.method === "POST" ? { status: 304 } : { status: 404, json: { message: "No such container: c" } };
    const rt = runtime();
    await rt.stopContainer("c", 2.5);
    await rt.removeContainer("c");
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /containers/c/stop",
      "DELETE /containers/c",
    ]);
    expect(seen[0]?.query.get("t")).toBe("3");
    expect(seen[1]?.query.get("force")).toBe("true");
    await rt.close();
  });

  it("asks again for a container killed with 137 and no OOMKilled while its exit is fresh: Docker's OOM event may come later", async () => {
    const finished = 1767225602000000000n; // 2026-01-01T00:00:02Z
    let clock = finished;
    const rt = createDockerRuntime({
      endpoint: `unix://${socket}`,
      podInfraImage: "pause:1",
      oomScorePolicy,
      oomSettleMs: 3000,
      oomPollMs: 1,
      // Each reading of the clock is a second later: at 0, 1 and 2 s the 3 s window is open.
      now: () => (clock += 1_000_000_000n),
    });
    const inspects: boolean[] = [false, false, true];
    handler = () => ({
      status: 200,
      json: {
        Id: "c",
        Name: "/k8s_app",
        Created: "2026-01-01T00:00:00Z",
        Image: "sha256:1",
        State: {
          Status: "exited",
          OOMKilled: inspects.shift() ?? false,
          ExitCode: 137,
          Error: "",
          StartedAt: "2026-01-01T00:00:01Z",
          FinishedAt: "2026-01-01T00:00:02Z",
        },
        Config: { Image: "app", Labels: encodeLabels({}, {}, { type: "container" }) },
      },
    });
    const inspected = (): number => seen.filter((r) => r.path === "/containers/c/json").length;
    clock = finished - 1_000_000_000n;
    expect(await rt.containerStatus("c")).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    expect(inspected()).toBe(3);

    seen.length = 0;
    clock = finished - 1_000_000_000n;
    expect(await rt.containerStatus("c")).toMatchObject({ reason: "Error", exitCode: 137 });
    expect(inspected()).toBe(4);

    // An exit older than the window is read once.
    seen.length = 0;
    clock = finished + 60_000_000_000n;
    expect(await rt.containerStatus("c")).toMatchObject({ reason: "Error", exitCode: 137 });
    expect(inspected()).toBe(1);
    await rt.close();
  });

  it("reads the relist's reduced lists as the full lists read them, filters included", async () => {
    const summary = (id: string, state: string, labels: Record<string, string>, internal: object) => ({
      Id: id,
      Names: [`/k8s_app_web_default_u1_0`],
      Image: "app",
      ImageID: "sha256:1",
      Created: 1767225600,
      State: state,
      Labels: encodeLabels(labels, { "io.kubernetes.pod.uid": "an-annotation" }, internal),
    });
    const containers = [
      summary(
        "c-run",
        "running",
        { "io.kubernetes.pod.uid": "u1", app: "web" },
        { type: "container", sandboxId: "s1" },
      ),
      summary("c-exit", "exited", { "io.kubernetes.pod.uid": "u2" }, { type: "container", sandboxId: "s2" }),
      summary("c-none", "created", { app: "web" }, { type: "container", sandboxId: "s1" }),
    ];
    // The stand-in ignores Docker's filters: the adapter's own filtering is what is compared.
    handler = () => ({ status: 200, json: containers });
    const rt = runtime();
    const containerFilters: ContainerFilter[] = [
      {},
      { state: "running" },
      { podSandboxId: "s1" },
      { labelSelector: { app: "web" } },
      { labelSelector: { "io.berth.docker/type": "container" } },
      { id: "c-e" },
    ];
    for (const filter of containerFilters) {
      const full = (await rt.listContainers(filter)).map((c) => ({
        id: c.id,
        state: c.state,
        podUid: c.labels["io.kubernetes.pod.uid"] ?? "",
      }));
      expect(await rt.listContainerStates(filter)).toEqual(full);
    }
    expect(await rt.listContainerStates({ podSandboxId: "s1" })).toEqual([
      { id: "c-run", state: "running", podUid: "u1" },
      { id: "c-none", state: "created", podUid: "" },
    ]);
    expect(await rt.listContainerStates({ labelSelector: { "io.berth.docker/type": "container" } })).toEqual(
      [],
    );

    handler = () => ({
      status: 200,
      json: [
        summary("s1", "running", { "io.kubernetes.pod.uid": "u1" }, { type: "podsandbox" }),
        summary("s2", "exited", { "io.kubernetes.pod.uid": "u2" }, { type: "podsandbox" }),
      ],
    });
    const sandboxFilters: PodSandboxFilter[] = [
      {},
      { state: "notready" },
      { labelSelector: { "io.kubernetes.pod.uid": "u1" } },
    ];
    for (const filter of sandboxFilters) {
      const full = (await rt.listPodSandboxes(filter)).map((s) => ({
        id: s.id,
        state: s.state,
        podUid: s.labels["io.kubernetes.pod.uid"] ?? "",
      }));
      expect(await rt.listPodSandboxStates(filter)).toEqual(full);
    }
    expect(await rt.listPodSandboxStates({ state: "notready" })).toEqual([
      { id: "s2", state: "notready", podUid: "u2" },
    ]);
    await rt.close();
  });

  it("keeps the relist's lists while Docker's event stream is open, until an event or its own change", async () => {
    const listed = [
      {
        Id: "c1",
        Names: ["/k8s_app_web_default_u1_0"],
        Image: "app",
        ImageID: "sha256:1",
        Created: 1,
        State: "running",
        Labels: { "io.kubernetes.pod.uid": "u1" },
      },
    ];
    handler = (req) => (req.method === "GET" ? { status: 200, json: listed } : { status: 204 });
    const rt = runtime();
    const lists = () => seen.filter((r) => r.path === "/containers/json").length;
    const before = Math.floor(Date.now() / 1000);
    expect(await rt.listContainerStates()).toEqual([{ id: "c1", state: "running", podUid: "u1" }]);
    const events = seen.find((r) => r.path === "/events");
    expect(events?.query.get("since")).toMatch(/^\d+$/);
    expect(Number(events?.query.get("since"))).toBeGreaterThanOrEqual(before - 1);
    expect(JSON.parse(events?.query.get("filters") ?? "{}")).toEqual({
      type: ["container"],
      event: ["create", "start", "restart", "die", "destroy", "pause", "unpause"],
      label: ["io.berth.docker/type"],
    });
    // Once the stream is open, a list is answered from the last one.
    await vi.waitFor(async () => {
      const n = lists();
      await rt.listContainerStates();
      await rt.listContainerStates();
      expect(lists()).toBe(n + 1);
    });
    let n = lists();
    await rt.listContainerStates({ state: "running" });
    await rt.listContainerStates({ state: "exited" });
    expect(lists()).toBe(n);

    // The adapter's own change: the next list asks Docker.
    await rt.stopContainer("c1", 0);
    listed[0] = { ...listed[0]!, State: "exited" };
    expect(await rt.listContainerStates()).toEqual([{ id: "c1", state: "exited", podUid: "u1" }]);
    expect(lists()).toBe(n + 1);

    // A change made by someone else: Docker's event drops the kept answer.
    n = lists();
    listed[0] = { ...listed[0]!, State: "running" };
    eventStreams[0]?.write(
      JSON.stringify({ Type: "container", Action: "start", Actor: { ID: "c1" } }) + "\n",
    );
    await vi.waitFor(async () => {
      expect(await rt.listContainerStates()).toEqual([{ id: "c1", state: "running", podUid: "u1" }]);
    });
    expect(lists()).toBe(n + 1);

    // Closing the adapter closes the stream.
    await rt.close();
    await vi.waitFor(() => expect(eventStreams[0]?.closed).toBe(true));
  });

  it("maps 404 on status to NotFound and refuses containers that are not its own", async () => {
    const rt = runtime();
    handler = () => ({ status: 404, json: { message: "No such container: zz" } });
    await expect(rt.containerStatus("zz")).rejects.toMatchObject({ code: ErrorCode.NotFound });
    handler = () => ({
      status: 200,
      json: {
        Id: "other",
        Name: "/nginx",
        Created: "2026-01-01T00:00:00Z",
        Image: "sha256:1",
        State: { Status: "running", OOMKilled: false, ExitCode: 0, Error: "", StartedAt: "", FinishedAt: "" },
        Config: { Image: "nginx", Labels: {} },
      },
    });
    await expect(rt.podSandboxStatus("other")).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await rt.close();
  });

  it("creates a sandbox with one create and one start, and maps a name conflict to AlreadyExists", async () => {
    const rt = runtime();
    handler = (_req, url) =>
      url.pathname === "/containers/create" ? { status: 201, json: { Id: "sb1" } } : { status: 204 };
    expect(await rt.runPodSandbox(sandboxConfig)).toBe("sb1");
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /containers/create",
      "POST /containers/sb1/start",
    ]);
    expect(seen[0]?.query.get("name")).toBe("k8s_POD_web_default_u1_0");
    expect(JSON.parse(seen[0]?.body ?? "{}")).toMatchObject({
      Image: "pause:1",
      HostConfig: { IpcMode: "shareable" },
    });

    seen.length = 0;
    handler = () => ({
      status: 409,
      json: { message: 'Conflict. The container name "/k8s_POD_web_default_u1_0" is already in use' },
    });
    await expect(rt.runPodSandbox(sandboxConfig)).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
    await rt.close();
  });

  it("pulls the pause image when create says it is missing, then creates again", async () => {
    const rt = runtime();
    let creates = 0;
    handler = (_req, url) => {
      if (url.pathname === "/containers/create") {
        creates += 1;
        return creates === 1
          ? { status: 404, json: { message: "No such image: pause:1" } }
          : { status: 201, json: { Id: "sb2" } };
      }
      if (url.pathname === "/images/create")
        return { status: 200, json: { status: "Downloaded newer image for pause:1" } };
      if (url.pathname === "/images/pause:1/json")
        return { status: 200, json: { Id: "sha256:p", Size: 1, Config: {} } };
      return { status: 204 };
    };
    expect(await rt.runPodSandbox(sandboxConfig)).toBe("sb2");
    const images = seen.find((r) => r.path === "/images/create");
    expect(images?.query.get("fromImage")).toBe("pause");
    expect(images?.query.get("tag")).toBe("1");
    await rt.close();
  });

  it("lists sandboxes by label filter and decodes names, labels and annotations", async () => {
    const rt = runtime();
    handler = () => ({
      status: 200,
      json: [
        {
          Id: "sb1",
          Names: ["/k8s_POD_web_default_u1_3"],
          Image: "pause:1",
          ImageID: "sha256:p",
          Created: 1767225600,
          State: "running",
          Labels: encodeLabels(
            { app: "web" },
            { note: "x" },
            { type: "podsandbox", created: "1767225600000000001" },
          ),
        },
      ],
    });
    const list = await rt.listPodSandboxes({ labelSelector: { app: "web" }, state: "ready" });
    expect(list).toEqual([
      {
        id: "sb1",
        metadata: { name: "web", namespace: "default", uid: "u1", attempt: 3 },
        state: "ready",
        createdAt: 1767225600000000001n,
        labels: { app: "web" },
        annotations: { note: "x" },
      },
    ]);
    const filters = JSON.parse(seen[0]?.query.get("filters") ?? "{}") as { label: string[] };
    expect(filters.label.sort()).toEqual(["app=web", "io.berth.docker/type=podsandbox"]);
    expect(await rt.listPodSandboxes({ state: "notready" })).toEqual([]);
    // Docker matches the id filter anywhere in the id; only prefixes count.
    expect(await rt.listPodSandboxes({ id: "b1" })).toEqual([]);
    expect((await rt.listPodSandboxes({ id: "sb" })).map((s) => s.id)).toEqual(["sb1"]);
    await rt.close();
  });

  it("stops a sandbox by killing its running containers, then the pause container", async () => {
    const rt = runtime();
    const full = "a".repeat(64);
    handler = (req, url) => {
      if (url.pathname === "/containers/json") {
        return {
          status: 200,
          json: [
            {
              Id: "c1",
              Names: ["/k8s_a_web_default_u1_0"],
              Image: "i",
              ImageID: "s",
              Created: 1,
              State: "running",
              Labels: {},
            },
            {
              Id: "c2",
              Names: ["/k8s_b_web_default_u1_0"],
              Image: "i",
              ImageID: "s",
              Created: 1,
              State: "exited",
              Labels: {},
            },
          ],
        };
      }
      return req.method === "POST"
        ? { status: 204 }
        : { status: 404, json: { message: "No such container" } };
    };
    await rt.stopPodSandbox(full);
    expect(seen.map((r) => `${r.method} ${r.path} ${r.query.get("t") ?? ""}`.trim())).toEqual([
      "GET /containers/json",
      "POST /containers/c1/stop 0",
      `POST /containers/${full}/stop 0`,
    ]);
    const filters = JSON.parse(seen[0]?.query.get("filters") ?? "{}") as { label: string[] };
    expect(filters.label).toContain(`io.berth.docker/sandbox-id=${full}`);

    // A short id is resolved (and checked to be a sandbox) first; an unknown one is NotFound.
    seen.length = 0;
    await expect(rt.stopPodSandbox("abc")).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /containers/abc/json"]);
    // Removing an unknown sandbox is done already.
    await rt.removePodSandbox("abc");
    await rt.close();
  });
});
