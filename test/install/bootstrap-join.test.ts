/**
 * A node joins with a bootstrap token, as scripts/install.sh joins one: the real `berth apiserver`,
 * `berth token create` (the Secret in kube-system), `berth token kubeconfig` (CA discovery pinned by
 * its hash) and a `berth agent` given only --bootstrap-kubeconfig, on containerd. The agent gets
 * its client certificate through an auto-approved kube-apiserver-client-kubelet CSR, registers a
 * Ready node as system:node:<name>, and reuses its kubeconfig after a restart. The token itself can
 * do nothing but that. The agent runs no pods here, so one runtime is enough.
 */
import { X509Certificate } from "node:crypto";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadKubeconfig } from "../../src/api/index.js";
import { startApiServerProcess, type ApiServerProcess } from "../support/apiserver-process.js";
import { removeCgroupRoot } from "../support/cluster-cleanup.js";
import { BerthProcess, berthMain } from "../support/cluster-process.js";
import { KUBECTL } from "../support/cluster.js";
import { testEnv } from "../support/env.js";

const run = promisify(execFile);
const JOIN_TIMEOUT_MS = 60_000;

interface Csr {
  metadata: { name: string };
  spec: { signerName: string; username: string; groups: string[] };
  status?: { certificate?: string; conditions?: { type: string; reason: string }[] };
}

let api: ApiServerProcess;
let token = "";
let bootstrapKubeconfig = "";
const nodeName = `join-${process.pid}`;
const cgroupRoot = `/berth-${nodeName}`;
let agent: BerthProcess;

async function berth(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [berthMain(), ...args], { timeout: 30_000 });
  return stdout;
}

async function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: e.code ?? 1 };
  }
}

async function clientCsrs(): Promise<Csr[]> {
  const { stdout } = await kubectl(api.kubeconfig, "get", "csr", "-o", "json");
  return (JSON.parse(stdout) as { items: Csr[] }).items.filter(
    (c) => c.spec.signerName === "kubernetes.io/kube-apiserver-client-kubelet",
  );
}

async function waitForNodeReady(): Promise<void> {
  const deadline = Date.now() + JOIN_TIMEOUT_MS;
  for (;;) {
    if (!agent.running)
      throw new Error(`agent exited (${String(await agent.exited())}):\n${await agent.tail()}`);
    const { stdout } = await kubectl(
      api.kubeconfig,
      "get",
      "node",
      nodeName,
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
    );
    if (stdout === "True") return;
    if (Date.now() > deadline) throw new Error(`node ${nodeName} not Ready:\n${await agent.tail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  api = await startApiServerProcess();
  token = (await berth("token", "create", "--kubeconfig", api.kubeconfig, "--ttl", "1h")).trim();
  const hash = (await berth("token", "ca-cert-hash", join(api.dir, "data", "ca.crt"))).trim();
  bootstrapKubeconfig = join(api.dir, "bootstrap.kubeconfig");
  await writeFile(
    bootstrapKubeconfig,
    await berth(
      "token",
      "kubeconfig",
      "--server",
      api.url,
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      hash,
    ),
    { mode: 0o600 },
  );
  const config = join(api.dir, "agent.yaml");
  await writeFile(config, stringify({ cgroupRoot }));
  agent = new BerthProcess(
    `agent ${nodeName}`,
    [
      "agent",
      "--bootstrap-kubeconfig",
      bootstrapKubeconfig,
      "--node-name",
      nodeName,
      "--runtime",
      "containerd",
      "--runtime-endpoint",
      testEnv.containerdEndpoint(),
      "--root-dir",
      join(api.dir, "agent"),
      "--config",
      config,
    ],
    join(api.dir, "agent.log"),
  );
  await agent.start();
  await waitForNodeReady();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  const failures: string[] = [];
  await removeCgroupRoot(cgroupRoot, failures);
  await api?.stop();
  expect(failures).toEqual([]);
});

describe("joining with a bootstrap token", () => {
  it("gets the node a client certificate through an approved kubelet client CSR", async () => {
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const [csr, ...more] = await clientCsrs();
    expect(more).toEqual([]);
    expect(csr?.spec.username).toBe(`system:bootstrap:${token.slice(0, 6)}`);
    expect(csr?.spec.groups).toContain("system:bootstrappers:kubeadm:default-node-token");
    expect(csr?.status?.conditions?.map((c) => [c.type, c.reason])).toEqual([["Approved", "AutoApproved"]]);
    const written = await loadKubeconfig(join(api.dir, "agent", "kubeconfig"));
    const cert = new X509Certificate(written.certPem ?? "");
    expect(cert.subject).toBe(`O=system:nodes\nCN=system:node:${nodeName}`);
    expect(written.token).toBeUndefined();
    expect(written.server).toBe(api.url);
    const { stdout } = await kubectl(api.kubeconfig, "get", "csr", csr?.metadata.name ?? "");
    expect(stdout).toMatch(
      /kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:\w+\s+.*Approved,Issued/,
    );
  });

  it("keeps the token to its CSRs: it can read nothing else", async () => {
    const denied = await kubectl(bootstrapKubeconfig, "get", "secrets", "-n", "kube-system");
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      `User "system:bootstrap:${token.slice(0, 6)}" cannot list resource "secrets"`,
    );
    const nodes = await kubectl(bootstrapKubeconfig, "get", "nodes");
    expect(nodes.stderr).toMatch(/Forbidden|forbidden/);
    const wrong = await kubectl(
      bootstrapKubeconfig,
      "--token",
      `${token.slice(0, 7)}0000000000000000`,
      "get",
      "csr",
    );
    expect(wrong.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it("refuses a CA that does not match the pinned hash", async () => {
    const err = await berth(
      "token",
      "kubeconfig",
      "--server",
      api.url,
      "--token",
      token,
      "--discovery-token-ca-cert-hash",
      `sha256:${"0".repeat(64)}`,
    ).catch((e: unknown) => e as { stderr: string });
    expect((err as { stderr: string }).stderr).toMatch(/not one of the pinned sha256:0000/);
  });

  it("reuses its kubeconfig after a restart: no second request", async () => {
    const before = await readFile(join(api.dir, "agent", "kubeconfig"), "utf8");
    await agent.stop();
    await agent.start();
    await waitForNodeReady();
    expect(await clientCsrs()).toHaveLength(1);
    expect(await readFile(join(api.dir, "agent", "kubeconfig"), "utf8")).toBe(before);
    // The log is written asynchronously: wait for the restarted agent's line to land.
    await expect
      .poll(
        async () => (await readFile(agent.logPath, "utf8")).match(/client credentials present/g)?.length,
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    expect((await readFile(agent.logPath, "utf8")).match(/bootstrapping client credentials/g)).toHaveLength(
      1,
    );
  });
});
