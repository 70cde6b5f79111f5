import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireEnv, testEnv } from "../support/env.js";
import { run } from "./run.js";

// containerd's CRI endpoint as the environment configures it: both runtime conditions ready (CNI
// config found), a sandbox gets an address in berth's CNI subnet using the local pause image, and
// pulls go to the loopback registries over plain http (the registry mirrors), with credentials.
// This talks raw CRI on purpose: it checks the environment, not berth's CRI client.

type Call = (request: unknown, callback: (err: grpc.ServiceError | null, response: unknown) => void) => void;
type Service = Record<string, Call> & grpc.Client;

let runtime: Service;
let images: Service;

function call<T>(service: Service, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = service[method];
    if (fn === undefined) throw new Error(`no CRI method ${method}`);
    fn.call(service, request, (err, response) => (err === null ? resolve(response as T) : reject(err)));
  });
}

beforeAll(() => {
  const definition = protoLoader.loadSync(
    fileURLToPath(new URL("../../proto/runtime/v1/api.proto", import.meta.url)),
    { keepCase: true, defaults: true, longs: String, enums: String },
  );
  const api = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: { v1: Record<string, new (target: string, creds: grpc.ChannelCredentials) => Service> };
  };
  const { RuntimeService, ImageService } = api.runtime.v1;
  if (RuntimeService === undefined || ImageService === undefined) throw new Error("CRI services missing");
  runtime = new RuntimeService(testEnv.containerdEndpoint(), grpc.credentials.createInsecure());
  images = new ImageService(testEnv.containerdEndpoint(), grpc.credentials.createInsecure());
});

const pulledNames: string[] = [];

afterAll(async () => {
  // Untag by name with ctr: CRI RemoveImage would drop every name of the image, the
  // environment's own PAUSE_IMAGE and TEST_IMAGE included.
  for (const name of pulledNames) {
    await run("ctr", ["--address", requireEnv("CONTAINERD_SOCKET"), "-n", "k8s.io", "images", "rm", name]);
  }
  runtime?.close();
  images?.close();
});

/** True when the IPv4 address lies inside the CIDR. */
function inSubnet(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split(".").reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  const [base = "", bits = "32"] = cidr.split("/");
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}

describe("containerd CRI in the runtime environment", () => {
  it("answers Version and reports RuntimeReady and NetworkReady", async () => {
    const version = await call<{ runtime_name: string }>(runtime, "Version", { version: "v1" });
    expect(version.runtime_name).toBe("containerd");
    const status = await call<{
      status: { conditions: { type: string; status: boolean; message: string }[] };
    }>(runtime, "Status", {});
    const ready = Object.fromEntries(status.status.conditions.map((c) => [c.type, c.status]));
    expect(ready, JSON.stringify(status.status.conditions)).toEqual({
      RuntimeReady: true,
      NetworkReady: true,
    });
  });

  it("runs a sandbox from the local pause image with an address in the berth CNI subnet", async () => {
    const config = {
      metadata: { name: `env-${process.pid}`, uid: randomUUID(), namespace: "berth-env-test", attempt: 0 },
      hostname: "berth-env-test",
      linux: {},
    };
    const { pod_sandbox_id: id } = await call<{ pod_sandbox_id: string }>(runtime, "RunPodSandbox", {
      config,
    });
    try {
      const { status } = await call<{ status: { state: string; network: { ip: string } } }>(
        runtime,
        "PodSandboxStatus",
        { pod_sandbox_id: id },
      );
      expect(status.state).toBe("SANDBOX_READY");
      expect(inSubnet(status.network.ip, requireEnv("BERTH_CNI_SUBNET")), status.network.ip).toBe(true);
      const info = await run("ctr", [
        "--address",
        requireEnv("CONTAINERD_SOCKET"),
        "-n",
        "k8s.io",
        "containers",
        "info",
        id,
      ]);
      expect(JSON.parse(info.stdout).Image).toBe(testEnv.pauseImage());
    } finally {
      await call(runtime, "StopPodSandbox", { pod_sandbox_id: id });
      await call(runtime, "RemovePodSandbox", { pod_sandbox_id: id });
    }
  });

  it("pulls from REGISTRY and, with the test account, from AUTH_REGISTRY", async () => {
    const { image_ref: plain } = await call<{ image_ref: string }>(images, "PullImage", {
      image: { image: testEnv.testImage() },
    });
    expect(plain).toMatch(/^sha256:[0-9a-f]{64}$/);
    const name = `${testEnv.authRegistry()}/berth/test:1.0`;
    const { image_ref: authed } = await call<{ image_ref: string }>(images, "PullImage", {
      image: { image: name },
      auth: { username: testEnv.authRegistryUser(), password: testEnv.authRegistryPassword() },
    });
    expect(authed).toBe(plain);
    // CRI records the tag and the repo digest (repo@sha256:...) of the manifest it pulled.
    const listed = await run("ctr", [
      "--address",
      requireEnv("CONTAINERD_SOCKET"),
      "-n",
      "k8s.io",
      "images",
      "ls",
    ]);
    const repoDigests = listed.stdout
      .split("\n")
      .map((line) => line.split(/\s+/)[0] ?? "")
      .filter((ref) => ref.startsWith(`${testEnv.authRegistry()}/berth/test@sha256:`));
    expect(repoDigests).toHaveLength(1);
    pulledNames.push(name, ...repoDigests);
  });

  it("fails a pull from AUTH_REGISTRY without or with wrong credentials with the registry's 401", async () => {
    const image = { image: `${testEnv.authRegistry()}/berth/pause:1.0` };
    for (const auth of [undefined, { username: testEnv.authRegistryUser(), password: "not-the-password" }]) {
      const err = await call(images, "PullImage", { image, auth }).then(
        () => undefined,
        (e: unknown) => e as grpc.ServiceError,
      );
      expect(err?.details).toMatch(/401 Unauthorized/);
    }
  });
});
