/**
 * The Vagrant lab on the docker provider (Vagrantfile, scripts/lab.sh): `vagrant up` of a control
 * plane and two workers as systemd containers on berth's dockerd, provisioned by
 * scripts/install.sh; then multi-node behaviour for real: podCIDRs and host-gw routes, a
 * Deployment spread over both workers reaching across them by pod IP, an agent restart that keeps
 * pods, a halted worker whose pods move, the installer run twice, and `vagrant destroy -f` leaving
 * nothing on the host. Steps share one lab and run in order. Fails, never skips, when vagrant,
 * debootstrap, skopeo or Docker is missing. It destroys a lab already running from this checkout.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cluster-process.js";
import { eventually } from "../support/eventually.js";

const DOCKER_HOST = process.env.DOCKER_ENDPOINT ?? "unix:///run/berth-env/docker.sock";
const KUBECONFIG = join(REPO_ROOT, ".vagrant", "berth", "admin.kubeconfig");
const NODES = ["cp", "w1", "w2"] as const;
const WORKERS = ["w1", "w2"];
const NETWORK = "berth-lab-net";
const SUBNET = "192.168.77.";
const MANIFEST = join(REPO_ROOT, "examples", "lab-web.yaml");
const ENV = {
  ...process.env,
  DOCKER_HOST,
  BERTH_LAB_WORKERS: "2",
  VAGRANT_DEFAULT_PROVIDER: "docker",
  VAGRANT_CHECKPOINT_DISABLE: "1",
};

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sh(file: string, args: readonly string[], timeoutMs = 240_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: REPO_ROOT, env: ENV, timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== "number") {
          reject(new Error(`${file} ${args.join(" ")}: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
  });
}

async function ok(file: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await sh(file, args, timeoutMs);
  if (r.code !== 0)
    throw new Error(
      `${file} ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
    );
  return r.stdout;
}

const kubectl = (...args: string[]) =>
  ok("kubectl", ["--kubeconfig", KUBECONFIG, "--request-timeout=20s", ...args]);
const inNode = (node: string, ...cmd: string[]) => ok("docker", ["exec", `berth-lab-${node}`, ...cmd]);

const until = <T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> =>
  eventually(what, fn, timeoutMs, 1000);

interface NodeView {
  readonly ready: string;
  readonly podCIDR: string;
  readonly ip: string;
}

async function nodes(): Promise<Map<string, NodeView>> {
  const list = JSON.parse(await kubectl("get", "nodes", "-o", "json")) as {
    items: {
      metadata: { name: string };
      spec?: { podCIDR?: string };
      status?: {
        conditions?: { type: string; status: string }[];
        addresses?: { type: string; address: string }[];
      };
    }[];
  };
  return new Map(
    list.items.map((n) => [
      n.metadata.name,
      {
        ready: n.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "",
        podCIDR: n.spec?.podCIDR ?? "",
        ip: n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "",
      },
    ]),
  );
}

interface PodView {
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  readonly ip: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly containerID: string;
  readonly deleting: boolean;
}

async function webPods(): Promise<PodView[]> {
  const list = JSON.parse(await kubectl("get", "pods", "-l", "app=web", "-o", "json")) as {
    items: {
      metadata: { name: string; uid: string; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status?: {
        podIP?: string;
        phase?: string;
        containerStatuses?: { ready: boolean; restartCount: number; containerID?: string }[];
      };
    }[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    uid: p.metadata.uid,
    node: p.spec.nodeName ?? "",
    ip: p.status?.podIP ?? "",
    phase: p.status?.phase ?? "",
    ready: p.status?.containerStatuses?.[0]?.ready ?? false,
    restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
    containerID: p.status?.containerStatuses?.[0]?.containerID ?? "",
    deleting: p.metadata.deletionTimestamp !== undefined,
  }));
}

const running = (pods: PodView[]) => pods.filter((p) => p.phase === "Running" && p.ready && !p.deleting);

/** What the host holds of the lab: its containers, volumes, network, cgroups and iptables rules. */
async function hostTraces(ids: readonly string[], volumes: readonly string[]): Promise<string[]> {
  const traces: string[] = [];
  const containers = (await ok("docker", ["ps", "-a", "-q", "--filter", "label=berth-lab=node"])).trim();
  if (containers !== "") traces.push(`containers: ${containers.replace(/\n/g, " ")}`);
  const networks = (await ok("docker", ["network", "ls", "-q", "--filter", `name=${NETWORK}`])).trim();
  if (networks !== "") traces.push(`network ${NETWORK}`);
  const allVolumes = new Set((await ok("docker", ["volume", "ls", "-q"])).split("\n"));
  for (const v of volumes) if (allVolumes.has(v)) traces.push(`volume ${v}`);
  for (const controller of await readdir("/sys/fs/cgroup")) {
    for (const id of ids) {
      if (existsSync(`/sys/fs/cgroup/${controller}/docker/${id}`))
        traces.push(`cgroup ${controller}/docker/${id}`);
    }
  }
  for (const rule of (await ok("iptables-save", [])).split("\n")) {
    if (rule.includes(SUBNET) || rule.includes(NETWORK) || rule.includes("10.244."))
      traces.push(`iptables: ${rule}`);
  }
  return traces;
}

const timings: Record<string, number> = {};
async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round((Date.now() - start) / 100) / 10;
  }
}

describe("vagrant lab on the docker provider (1 control plane + 2 workers)", () => {
  let containerIds: string[] = [];
  let volumes: string[] = [];

  beforeAll(async () => {
    for (const tool of ["vagrant", "debootstrap", "skopeo", "docker", "kubectl", "iptables-save"]) {
      const r = await sh("sh", ["-c", `command -v ${tool}`]);
      if (r.code !== 0)
        throw new Error(`${tool} is missing: scripts/runtime-env.sh up installs the lab's packages`);
    }
    if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js")))
      throw new Error("dist/ is missing: npm run build");
    // The node image is built (and cached) outside the measured bring-up.
    await timed("image", () => ok("bash", ["scripts/lab.sh", "image"], 1_800_000));
    await ok("vagrant", ["destroy", "-f"], 300_000);
    await timed("vagrant up", () => ok("vagrant", ["up", "--provider=docker"], 600_000));
    containerIds = (await ok("docker", ["ps", "-q", "--no-trunc", "--filter", "label=berth-lab=node"]))
      .trim()
      .split("\n");
    const mounts = JSON.parse(await ok("docker", ["inspect", ...containerIds])) as {
      Mounts: { Type: string; Name?: string }[];
    }[];
    volumes = mounts.flatMap((c) => c.Mounts.filter((m) => m.Type === "volume").map((m) => m.Name ?? ""));
  }, 2_400_000);

  afterAll(async () => {
    // Whatever happened above, the lab goes (the last test checks that it leaves nothing).
    await sh("vagrant", ["destroy", "-f"], 300_000);
    console.log(`lab timings (s): ${JSON.stringify(timings)}`);
  }, 300_000);

  it("brings both workers Ready, each with its own podCIDR and host-gw routes to the other", async () => {
    const view = await timed("workers Ready", () =>
      until("both workers Ready", 120_000, async () => {
        const n = await nodes();
        return WORKERS.every((w) => n.get(w)?.ready === "True" && n.get(w)?.podCIDR !== "") ? n : undefined;
      }),
    );
    const w1 = view.get("w1")!;
    const w2 = view.get("w2")!;
    expect(w1.podCIDR).not.toBe(w2.podCIDR);
    for (const cidr of [w1.podCIDR, w2.podCIDR]) expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(w1.ip).toBe(`${SUBNET}11`);
    expect(w2.ip).toBe(`${SUBNET}12`);
    await until("host-gw routes on both workers", 60_000, async () => {
      const r1 = await inNode("w1", "ip", "route", "show", "proto", "98");
      const r2 = await inNode("w2", "ip", "route", "show", "proto", "98");
      return r1.includes(`${w2.podCIDR} via ${w2.ip}`) && r2.includes(`${w1.podCIDR} via ${w1.ip}`)
        ? true
        : undefined;
    });
  });

  it("spreads the Deployment over both workers, and a pod fetches a page from the other worker's pod by pod IP", async () => {
    await kubectl("apply", "-f", MANIFEST);
    const pods = await timed("web pods Running", () =>
      until("two web pods running on two workers", 180_000, async () => {
        const r = running(await webPods());
        return r.length === 2 && new Set(r.map((p) => p.node)).size === 2 ? r : undefined;
      }),
    );
    for (const [from, to] of [
      [pods[0]!, pods[1]!],
      [pods[1]!, pods[0]!],
    ] as const) {
      const page = await kubectl("exec", from.name, "--", "wget", "-qO-", `http://${to.ip}:8080/`);
      expect(page.trim()).toBe(to.name);
    }
  });

  it("keeps a worker's pods running, without restarts, across `systemctl restart berth-agent`", async () => {
    const before = running(await webPods()).filter((p) => p.node === "w1");
    expect(before).toHaveLength(1);
    const since = (
      await inNode("w1", "systemctl", "show", "-p", "ActiveEnterTimestampMonotonic", "berth-agent")
    ).trim();
    await inNode("w1", "systemctl", "restart", "berth-agent");
    expect(
      (await inNode("w1", "systemctl", "show", "-p", "ActiveEnterTimestampMonotonic", "berth-agent")).trim(),
    ).not.toBe(since);
    // The restarted agent has adopted the pod once it reports it again; give it a status round.
    await until("the restarted agent reports w1 Ready", 60_000, async () =>
      (await nodes()).get("w1")?.ready === "True" ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 12_000));
    const after = running(await webPods()).filter((p) => p.node === "w1");
    expect(after.map((p) => [p.uid, p.containerID, p.restarts])).toEqual(
      before.map((p) => [p.uid, p.containerID, 0]),
    );
  });

  it("changes nothing when the installer runs a second time", async () => {
    // The command line the Vagrantfile ran, kept on the node.
    const node = await inNode("w1", "bash", "-c", "bash /etc/berth-lab/install.sh 2>&1");
    const cp = await inNode(
      "cp",
      "bash",
      "-c",
      `bash /vagrant/scripts/install.sh control-plane --advertise-address ${SUBNET}10 --cluster-cidr 10.244.0.0/16 --source /vagrant 2>&1`,
    );
    for (const out of [node, cp]) {
      const steps = out
        .split("\n")
        .filter((l) => l.startsWith("berth-install: ") && !l.includes("join a node"));
      expect(steps.length).toBeGreaterThan(5);
      expect(steps.filter((l) => !l.endsWith(": unchanged"))).toEqual([]);
    }
  });

  it("marks a halted worker NotReady and moves its pods; `vagrant up` brings it back", async () => {
    const onW2 = running(await webPods()).filter((p) => p.node === "w2");
    expect(onW2).toHaveLength(1);
    await timed("vagrant halt w2", () => ok("vagrant", ["halt", "w2"], 180_000));
    await timed("w2 NotReady", () =>
      until("w2 NotReady", 120_000, async () =>
        (await nodes()).get("w2")?.ready !== "True" ? true : undefined,
      ),
    );
    await timed("pods moved", () =>
      until("both web pods running on w1", 180_000, async () => {
        const r = running(await webPods());
        return r.length === 2 && r.every((p) => p.node === "w1") && !r.some((p) => p.uid === onW2[0]!.uid)
          ? true
          : undefined;
      }),
    );
    await timed("vagrant up w2", () => ok("vagrant", ["up", "w2"], 300_000));
    await timed("w2 Ready again", () =>
      until("w2 Ready again", 120_000, async () =>
        (await nodes()).get("w2")?.ready === "True" ? true : undefined,
      ),
    );
  });

  it("leaves nothing on the host after `vagrant destroy -f`", async () => {
    expect(containerIds).toHaveLength(NODES.length);
    await timed("vagrant destroy", () => ok("vagrant", ["destroy", "-f"], 300_000));
    expect(await hostTraces(containerIds, volumes)).toEqual([]);
  });
});
