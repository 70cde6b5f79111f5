/**
 * Every kubectl from 1.27 to 1.33 against one `berth apiserver` (with a `berth controller-manager`
 * and a hollow node, so that Deployments roll out): each version, in its own namespace and all at
 * once, applies a Deployment client-side twice (the second apply's three-way merge keeps an env var
 * another writer added, which needs the merge keys of /openapi/v2 for 1.27 and 1.28 and of
 * /openapi/v3 for the others), applies server-side, gets with -o wide, describes a Deployment and a
 * Pod, explains, diffs, creates a ConfigMap, scales, sets an image and waits for the rollout; and
 * sees an extensions/v1beta1 Deployment refused as Kubernetes refuses it.
 */
import { execFile } from "node:child_process";
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { IDeployment } from "kubernetes-models/apps/v1";
import type { KubeObject } from "../../src/api/index.js";
import type { ControlPlane } from "../support/control-plane.js";
import { useControlPlane } from "../support/control-plane-vitest.js";
import { HollowNode } from "../support/hollow-node.js";
import { kubectlVersion } from "../support/kubectl-process.js";

const run = promisify(execFile);

const MINORS = [27, 28, 29, 30, 31, 32, 33];

let cp: ControlPlane;

beforeAll(async () => {
  for (const minor of MINORS) {
    await access(kubectlVersion(minor)).catch(() => {
      throw new Error(`${kubectlVersion(minor)} is missing (the google-cloud-sdk kubectl set)`);
    });
  }
});

useControlPlane(async (started) => {
  cp = started;
  await cp.startControllerManager("cm-versions");
  const node = new HollowNode({ api: cp.api, name: "hollow-versions", startMs: 100, stopMs: 100 });
  await node.start();
  return [node];
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One kubectl version with its own discovery cache. */
class Kubectl {
  constructor(readonly minor: number) {}

  async run(args: readonly string[]): Promise<Result> {
    const cache = join(cp.dir, `kubectl-cache-1.${this.minor}`);
    const child = run(
      kubectlVersion(this.minor),
      ["--kubeconfig", cp.kubeconfig, "--cache-dir", cache, ...args],
      {
        timeout: 90_000,
      },
    );
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
      return {
        code: typeof e.code === "number" ? e.code : -1,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? e.message,
      };
    }
  }

  /** Runs a step that must succeed; a failure names the version and the step. */
  async ok(args: readonly string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0)
      throw new Error(`kubectl 1.${this.minor} ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    return r.stdout;
  }
}

function deployment(namespace: string, envA: string, name = "web", replicas = 1) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: "main",
              image: "busybox:1.36",
              ports: [{ containerPort: 80 }],
              env: [{ name: "A", value: envA }],
            },
            { name: "side", image: "busybox:1.36" },
          ],
        },
      },
    },
  };
}

async function manifest(name: string, obj: unknown): Promise<string> {
  const file = join(cp.dir, name);
  await writeFile(file, stringify(obj));
  return file;
}

type Deployment = IDeployment & KubeObject;

/** The steps one kubectl version goes through, in its own namespace. */
async function scenario(minor: number): Promise<void> {
  const k = new Kubectl(minor);
  const ns = `kubectl-1-${minor}`;
  await cp.api.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });

  // client-side apply, another writer's env var, then apply again with a change: the three-way
  // merge patch must merge env by name (a list replaced wholesale would drop B)
  const first = await manifest(`web-${minor}-1.yaml`, deployment(ns, "1"));
  expect(await k.ok(["apply", "-f", first])).toContain("deployment.apps/web created");
  await k.ok(["-n", ns, "set", "env", "deployment/web", "-c", "main", "B=2"]);
  const second = await manifest(`web-${minor}-2.yaml`, deployment(ns, "5"));
  expect(await k.ok(["apply", "-f", second])).toContain("deployment.apps/web configured");
  const stored = await cp.api.get<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
  const env = stored.spec?.template?.spec?.containers?.[0]?.env;
  expect(env).toEqual([
    { name: "A", value: "5" },
    { name: "B", value: "2" },
  ]);

  // diff against what is stored: exit 1 and the change
  const third = await manifest(`web-${minor}-3.yaml`, deployment(ns, "9"));
  const diff = await k.run(["diff", "-f", third]);
  expect(diff.code, diff.stderr).toBe(1);
  expect(diff.stdout).toMatch(/^-\s+value: "5"$/m);
  expect(diff.stdout).toMatch(/^\+\s+value: "9"$/m);

  // server-side apply creates, then changes its own object
  const ssa = await manifest(`ssa-${minor}.yaml`, deployment(ns, "1", "ssa"));
  expect(await k.ok(["apply", "--server-side", "-f", ssa])).toContain(
    "deployment.apps/ssa serverside-applied",
  );
  const ssa2 = await manifest(`ssa-${minor}-2.yaml`, deployment(ns, "1", "ssa", 2));
  await k.ok(["apply", "--server-side", "-f", ssa2]);
  const ssaStored = await cp.api.get<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/ssa`);
  expect(ssaStored.spec?.replicas).toBe(2);

  expect(await k.ok(["-n", ns, "create", "configmap", "cfg", "--from-literal=a=1"])).toContain(
    "configmap/cfg created",
  );
  expect(await k.ok(["-n", ns, "scale", "deployment", "web", "--replicas=2"])).toContain(
    "deployment.apps/web scaled",
  );
  expect(await k.ok(["-n", ns, "set", "image", "deployment/web", "main=busybox:1.37"])).toContain(
    "deployment.apps/web image updated",
  );
  expect(await k.ok(["-n", ns, "rollout", "status", "deployment/web", "--timeout=60s"])).toContain(
    `deployment "web" successfully rolled out`,
  );

  const wide = await k.ok(["-n", ns, "get", "deployments", "-o", "wide"]);
  expect(wide).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
  expect(wide).toMatch(/^web\s+2\/2\s+2\s+2\s+\S+\s+main,side\s+busybox:1.37,busybox:1.36\s+app=web$/m);

  const described = await k.ok(["-n", ns, "describe", "deployment", "web"]);
  expect(described).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available/m);
  expect(described).toMatch(/^NewReplicaSet:\s+web-\w+ \(2\/2 replicas created\)/m);
  const pods = await cp.api.list<KubeObject>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: "app=web" });
  const pod = pods.items[0]?.metadata?.name ?? "";
  const describedPod = await k.ok(["-n", ns, "describe", "pod", pod]);
  expect(describedPod).toMatch(/^Node:\s+hollow-versions/m);
  expect(describedPod).toMatch(/^Controlled By:\s+ReplicaSet\/web-/m);
  expect(describedPod).toMatch(/^\s+Image:\s+busybox:1.37$/m);

  const explained = await k.ok(["explain", "pod.spec.containers"]);
  expect(explained).toMatch(/^FIELD: containers <\[\]Container>|^RESOURCE: containers <\[\]Object>/m);
  expect(explained).toMatch(/^\s+env\s+<\[\]EnvVar>|^\s+env\s+<\[\]Object>/m);
  expect(explained).toContain("List of environment variables to set in the container.");

  // the Swagger 2.0 document in gnostic protobuf, as kubectl decodes it
  const v2 = await k.ok(["explain", "deployment.spec.strategy", "--output", "plaintext-openapiv2"]);
  expect(v2).toMatch(/^RESOURCE: strategy <Object>/m);
  expect(v2).toContain("The deployment strategy to use to replace existing pods with new ones.");

  // extensions/v1beta1 Deployments are no longer served (Kubernetes 1.16 removed them)
  const legacy = { ...deployment(ns, "1"), apiVersion: "extensions/v1beta1" };
  const refused = await k.run(["apply", "-f", await manifest(`legacy-${minor}.yaml`, legacy)]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`no matches for kind "Deployment" in version "extensions/v1beta1"`);
}

/** Every version's scenario, started together once the control plane is up (it() runs at most 5 at once). */
const runs = new Map<number, Promise<{ ms: number; error?: unknown }>>();

describe("kubectl 1.27 to 1.33 against one berth apiserver", () => {
  beforeAll(() => {
    for (const minor of MINORS) {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      runs.set(
        minor,
        scenario(minor).then(
          () => ({ ms: ms() }),
          (error: unknown) => ({ ms: ms(), error }),
        ),
      );
    }
  });

  afterAll(async () => {
    const lines = await Promise.all(
      MINORS.map(async (minor) => {
        const r = await runs.get(minor);
        return `kubectl 1.${minor}: ${r?.error === undefined ? "ok" : "FAILED"} in ${r?.ms ?? 0} ms`;
      }),
    );
    process.stdout.write(`${lines.join("\n")}\n`);
  });

  for (const minor of MINORS) {
    // the first test waits for all seven scenarios together: 75 to 120 s measured with the machine at
    // load averages of 50 to 130 (about 47 CPU-seconds of kubectl and servers)
    it(`kubectl 1.${minor}`, async () => {
      const r = await runs.get(minor);
      if (r?.error !== undefined) throw r.error;
    }, 240_000);
  }
});
