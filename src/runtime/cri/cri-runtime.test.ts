import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, hasCode, isNotFound, isRuntimeUnavailable } from "../../common/errors.js";
import type { ContainerConfig, PodSandboxConfig } from "../types.js";
import { CRI_PROTO_PATH } from "./connection.js";
import { CriRuntime } from "./cri-runtime.js";

// An in-process runtime.v1 server on a unix socket: the adapter's requests go over real gRPC
// with the real proto, so field names, numbers, defaults and deadlines are exercised without a
// container runtime.

type Handler = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>) => unknown;
type Handlers = Record<string, Handler>;

const definition = protoLoader.loadSync(CRI_PROTO_PATH, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(definition) as unknown as {
  runtime: {
    v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor };
  };
};

function serviceImpl(
  service: grpc.ServiceClientConstructor,
  handlers: Handlers,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(service.service)) {
    const handler = handlers[method];
    if (!handler) continue; // left out: the server answers UNIMPLEMENTED
    impl[method] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      try {
        cb(null, handler(call));
      } catch (err) {
        cb(err as grpc.ServiceError);
      }
    };
  }
  return impl;
}

async function startServer(socket: string, handlers: Handlers): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(
    pkg.runtime.v1.RuntimeService.service,
    serviceImpl(pkg.runtime.v1.RuntimeService, handlers),
  );
  server.addService(pkg.runtime.v1.ImageService.service, serviceImpl(pkg.runtime.v1.ImageService, handlers));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return server;
}

function stopServer(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

function grpcError(code: grpc.status, details: string): Partial<grpc.ServiceError> {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

const sandbox: PodSandboxConfig = {
  metadata: { name: "web", uid: "uid-1", namespace: "default", attempt: 0 },
  hostname: "web",
  logDirectory: "/var/log/pods/default_web_uid-1",
  portMappings: [{ protocol: "UDP", containerPort: 53, hostPort: 5353 }],
  labels: { app: "web" },
  annotations: {},
  cgroupParent: "/kubepods/poduid-1",
  namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
  sysctls: {},
};

const container: ContainerConfig = {
  metadata: { name: "app", attempt: 0 },
  image: { image: "img:1" },
  command: [],
  args: [],
  envs: [{ key: "GREETING", value: "hello world" }],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: "app/0.log",
};

let dir: string;
let socket: string;
let server: grpc.Server | undefined;
let runtime: CriRuntime | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-cri-"));
  socket = join(dir, "cri.sock");
});

afterEach(async () => {
  await runtime?.close();
  if (server) await stopServer(server);
  server = undefined;
  runtime = undefined;
  await rm(dir, { recursive: true, force: true });
});

function connect(): CriRuntime {
  runtime = new CriRuntime({
    endpoint: `unix://${socket}`,
    oomScorePolicy: { canLower: false, ownScore: 0 },
  });
  return runtime;
}

describe("CriRuntime over gRPC", () => {
  it("sends snake_case fields and reads zero enums and exact int64 times", async () => {
    let received: Record<string, unknown> | undefined;
    server = await startServer(socket, {
      RunPodSandbox: (call) => {
        received = call.request;
        return { pod_sandbox_id: "s1" };
      },
      // state omitted: the zero value SANDBOX_READY must still come back
      PodSandboxStatus: () => ({
        status: { id: "s1", created_at: "1795320106850730043", network: { ip: "10.1.0.2" } },
      }),
    });
    const rt = connect();
    expect(await rt.runPodSandbox(sandbox)).toBe("s1");
    expect(received).toMatchObject({
      config: {
        metadata: { name: "web", uid: "uid-1", namespace: "default" },
        log_directory: "/var/log/pods/default_web_uid-1",
        port_mappings: [{ protocol: "UDP", container_port: 53, host_port: 5353 }],
        linux: {
          cgroup_parent: "/kubepods/poduid-1",
          security_context: { namespace_options: { pid: "CONTAINER" } },
        },
      },
    });
    const status = await rt.podSandboxStatus("s1");
    expect(status.state).toBe("ready");
    expect(status.createdAt).toBe(1795320106850730043n);
    expect(status.ip).toBe("10.1.0.2");
  });

  it("sends env values as text, unchanged", async () => {
    let envs: unknown;
    server = await startServer(socket, {
      CreateContainer: (call) => {
        envs = (call.request["config"] as { envs: unknown }).envs;
        return { container_id: "c1" };
      },
    });
    expect(await connect().createContainer("s1", container, sandbox)).toBe("c1");
    expect(envs).toEqual([{ key: "GREETING", value: "hello world" }]);
  });

  it("gives stop and exec calls deadlines beyond the timeout they carry", async () => {
    const remaining: number[] = [];
    const record = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>): void => {
      remaining.push(new Date(call.getDeadline()).getTime() - Date.now());
    };
    server = await startServer(socket, {
      StopContainer: (call) => {
        record(call);
        return {};
      },
      ExecSync: (call) => {
        record(call);
        expect(call.request["timeout"]).toBe("200");
        return { stdout: Buffer.from("out"), exit_code: 0 };
      },
    });
    const rt = connect();
    await rt.stopContainer("c1", 300);
    const r = await rt.execSync("c1", ["true"], 200);
    expect(r).toEqual({ stdout: Buffer.from("out"), stderr: Buffer.alloc(0), exitCode: 0 });
    expect(remaining[0]).toBeGreaterThan(300_000);
    expect(remaining[1]).toBeGreaterThan(200_000);
  });

  it("maps gRPC failures and reports an absent image as undefined", async () => {
    server = await startServer(socket, {
      ContainerStatus: () => {
        throw grpcError(
          grpc.status.NOT_FOUND,
          'an error occurred when try to find container "c9": not found',
        );
      },
      ListContainers: () => ({ containers: [] }),
      ImageStatus: () => ({}),
      PullImage: () => {
        throw grpcError(
          grpc.status.UNKNOWN,
          "pulling from host r failed with status code [manifests 1]: 401 Unauthorized",
        );
      },
    });
    const rt = connect();
    await expect(rt.containerStatus("c9")).rejects.toSatisfy(isNotFound);
    expect(await rt.imageStatus("img:2")).toBeUndefined();
    await expect(rt.pullImage("r/img:1", { username: "u", password: "bad" })).rejects.toSatisfy((err) =>
      hasCode(err, ErrorCode.Unauthorized),
    );
  });

  it("sums container stats when PodSandboxStats is unimplemented", async () => {
    server = await startServer(socket, {
      PodSandboxStatus: () => ({ status: { id: "s1", created_at: "1" } }),
      ListContainerStats: (call) => {
        expect(call.request["filter"]).toMatchObject({ pod_sandbox_id: "s1" });
        return {
          stats: [
            {
              attributes: { id: "a" },
              cpu: { timestamp: "5", usage_core_nano_seconds: { value: "10" } },
              memory: { working_set_bytes: { value: "100" } },
            },
            {
              attributes: { id: "b" },
              cpu: { timestamp: "6", usage_core_nano_seconds: { value: "20" } },
              memory: { working_set_bytes: { value: "1" } },
            },
          ],
        };
      },
    });
    const stats = await connect().podSandboxStats("s1");
    expect(stats).toMatchObject({
      id: "s1",
      timestamp: 6n,
      cpuUsageCoreNanoSeconds: 30n,
      memoryWorkingSetBytes: 101,
    });
    expect(stats.containers).toHaveLength(2);
  });

  it("survives a runtime restart: unavailable while down, working once it is back", async () => {
    const version = {
      Version: () => ({ runtime_name: "containerd", runtime_version: "1.6.20", runtime_api_version: "v1" }),
    };
    server = await startServer(socket, version);
    const rt = connect();
    expect((await rt.version()).runtimeVersion).toBe("1.6.20");
    await stopServer(server);
    server = undefined;
    await expect(rt.version()).rejects.toSatisfy(isRuntimeUnavailable);
    server = await startServer(socket, version);
    expect((await rt.version()).runtimeName).toBe("containerd");
  });

  it("validates its options", () => {
    expect(() => new CriRuntime({ endpoint: "" })).toThrow(/endpoint is required/);
    expect(() => new CriRuntime({ endpoint: "unix://relative.sock" })).toThrow(/must be absolute/);
    expect(() => new CriRuntime({ endpoint: `unix://${socket}`, timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
