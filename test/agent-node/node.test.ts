/**
 * The node controller for real: berth's API server, the node's own client certificate (the
 * NodeRestriction authorizer applies), the real capacity source of this machine, containerd for
 * runtime version and status, the API event recorder; checked with kubectl get nodes -o wide and
 * describe node.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, networkInterfaces, release, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeController } from "../../src/agent/node/index.js";
import { ApiEventRecorder } from "../../src/agent/events/index.js";
import { ApiClient } from "../../src/api/index.js";
import { nodeKubeconfig } from "../../src/apiserver/index.js";
import { systemClock } from "../../src/common/clock.js";
import { silentLogger } from "../../src/common/log.js";
import { KUBERNETES_GIT_VERSION } from "../../src/common/version.js";
import type { ContainerRuntime } from "../../src/runtime/index.js";
import { createCriRuntime } from "../../src/runtime/cri/index.js";
import { startServer, type TestServer } from "../support/apiserver.js";
import { testEnv } from "../support/env.js";

const run = promisify(execFile);
const KUBECTL = "/usr/bin/kubectl";
const NODE = "berth-node-it";

let dir: string;
let api: TestServer;
let client: ApiClient;
let runtime: ContainerRuntime;
let recorder: ApiEventRecorder;
let controller: NodeController;
const shutdown = new AbortController();

async function kubectl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(KUBECTL, ["--cache-dir", join(dir, "kubectl-cache"), ...args], {
      env: { ...process.env, KUBECONFIG: api.kubeconfig },
      timeout: 60_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? ""}${e.message}`, { cause: err });
  }
}

beforeAll(async () => {
  runtime = createCriRuntime({ endpoint: testEnv.containerdEndpoint() });
  dir = await mkdtemp(join(tmpdir(), "berth-agent-node-"));
  api = await startServer({ dir: join(dir, "apiserver") });
  const kubeconfig = join(dir, "node.kubeconfig");
  await writeFile(kubeconfig, await nodeKubeconfig(api.dir, NODE, api.url));
  client = await ApiClient.fromKubeconfig(kubeconfig);
  recorder = new ApiEventRecorder({ client, host: NODE, clock: systemClock, logger: silentLogger() });
  controller = new NodeController({
    client,
    nodeName: NODE,
    runtime,
    clock: systemClock,
    logger: silentLogger(),
    recorder,
    config: { rootDir: dir },
  });
  controller.start(shutdown.signal);
  await controller.ready;
  await recorder.flush();
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await recorder?.close();
  await client?.close();
  await runtime?.close();
  shutdown.abort();
  await api?.halt();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function columns(table: string): Record<string, string>[] {
  const [header = "", ...rows] = table.trimEnd().split("\n");
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index }));
  return rows.map((row) =>
    Object.fromEntries(
      starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at ?? row.length).trim()]),
    ),
  );
}

describe("node registration seen through kubectl", () => {
  it("get nodes -o wide shows the node Ready with version, address, os image, kernel and runtime", async () => {
    const [row, ...others] = columns(await kubectl("get", "nodes", "-o", "wide"));
    expect(others).toEqual([]);
    const version = await runtime.version();
    const osRelease = await readFile("/etc/os-release", "utf8");
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1];
    const ownAddresses = Object.values(networkInterfaces())
      .flat()
      .map((a) => a?.address);
    expect(row).toMatchObject({
      NAME: NODE,
      STATUS: "Ready",
      ROLES: "<none>",
      VERSION: KUBERNETES_GIT_VERSION,
      "EXTERNAL-IP": "<none>",
      "OS-IMAGE": pretty,
      "KERNEL-VERSION": release(),
      "CONTAINER-RUNTIME": `containerd://${version.runtimeVersion}`,
    });
    expect(version.runtimeVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(ownAddresses).toContain(row?.["INTERNAL-IP"]);
  });

  it("describe node shows conditions, capacity, allocatable, system info, the lease and the events", async () => {
    const out = await kubectl("describe", "node", NODE);
    for (const [type, status, reason, message] of [
      ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
      ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
    ]) {
      expect(out).toMatch(new RegExp(`^  ${type}\\s+${status}\\s+.*${reason}\\s+${message}$`, "m"));
    }
    const capacity = /^Capacity:\n((?: {2}\S.*\n)+)/m.exec(out)?.[1] ?? "";
    expect(capacity).toMatch(new RegExp(`^  cpu:\\s+${cpus().length}$`, "m"));
    expect(capacity).toMatch(/^ {2}memory:\s+\d+Ki$/m);
    expect(capacity).toMatch(/^ {2}ephemeral-storage:\s+\d+Ki$/m);
    expect(capacity).toMatch(/^ {2}pods:\s+110$/m);
    const allocatable = /^Allocatable:\n((?: {2}\S.*\n)+)/m.exec(out)?.[1] ?? "";
    expect(allocatable).toMatch(/^ {2}pods:\s+110$/m);
    const capMem = Number(/memory:\s+(\d+)Ki/.exec(capacity)?.[1]);
    const allocMem = Number(/memory:\s+(\d+)Ki/.exec(allocatable)?.[1]);
    expect(capMem - allocMem).toBe(100 * 1024);
    expect(out).toMatch(/^Lease:\n {2}HolderIdentity: {2}berth-node-it\n/m);
    expect(out).toMatch(/^ {2}RenewTime:\s+\w{3}, \d{2} \w{3} \d{4}/m);
    expect(out).toMatch(/^ {2}Container Runtime Version:\s+containerd:\/\/\d/m);
    expect(out).toMatch(/^ {2}Boot ID:\s+[0-9a-f-]{36}$/m);
    expect(out).toMatch(/Normal\s+Starting\s+.*kubelet\s+Starting berth agent\./);
    expect(out).toMatch(
      /Normal\s+NodeHasSufficientMemory\s+.*Node berth-node-it status is now: NodeHasSufficientMemory/,
    );
  });
});
