/**
 * Pod security as the kube-apiserver enforces it, through the real kubectl against a fresh server
 * started with an admission configuration file: node.k8s.io/v1 RuntimeClass and its admission on
 * pod create, PodSecurity's enforce, warn and audit modes on pods and Deployments, the warnings on
 * labelling a namespace, and the configured exemptions.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, nodeCredentials, run, startServer, type TestServer } from "./support.js";

const KUBECTL = "/usr/bin/kubectl";
const IMAGE = "busybox:1.36";

const ADMISSION_CONFIG = {
  apiVersion: "apiserver.config.k8s.io/v1",
  kind: "AdmissionConfiguration",
  plugins: [
    {
      name: "PodSecurity",
      configuration: {
        apiVersion: "pod-security.admission.config.k8s.io/v1",
        kind: "PodSecurityConfiguration",
        defaults: { enforce: "privileged", audit: "privileged", warn: "privileged" },
        exemptions: {
          usernames: ["system:node:exempt-node"],
          namespaces: ["exempt-ns"],
          runtimeClasses: ["trusted"],
        },
      },
    },
  ],
};

interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

function pod(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...metadata },
    spec: { containers: [{ name: "c", image: IMAGE, command: ["sleep", "3600"] }], ...spec },
  };
}

const PRIVILEGED = { containers: [{ name: "c", image: IMAGE, securityContext: { privileged: true } }] };
const RESTRICTED_CONTAINER = {
  name: "c",
  image: IMAGE,
  securityContext: {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    runAsUser: 1000,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
};

describe("pod security admission through kubectl", () => {
  let s: TestServer;
  let api: Api;
  let kubectl: (...args: string[]) => Promise<Output>;
  /** kubectl expected to fail: its stderr. */
  let kubectlFails: (...args: string[]) => Promise<string>;
  let manifest: (name: string, text: string) => Promise<string>;

  let configDir: string;

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), "berth-admission-"));
    const config = join(configDir, "admission.yaml");
    await writeFile(config, JSON.stringify(ADMISSION_CONFIG));
    s = await startServer({ admissionControlConfigFile: config });
    api = new Api(s);
    const env = { ...process.env, KUBECONFIG: s.kubeconfig };
    const cacheDir = join(s.dir, "kubectl-cache");
    kubectl = async (...args) => {
      try {
        return await run(KUBECTL, ["--cache-dir", cacheDir, ...args], { env, timeout: 30_000 });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? e.message}`, { cause: err });
      }
    };
    kubectlFails = async (...args) => {
      const result = await run(KUBECTL, ["--cache-dir", cacheDir, ...args], { env, timeout: 30_000 }).then(
        (out) => ({ ok: true as const, out }),
        (err: unknown) => ({ ok: false as const, stderr: (err as { stderr?: string }).stderr ?? "" }),
      );
      if (result.ok) throw new Error(`kubectl ${args.join(" ")} succeeded: ${result.out.stdout}`);
      return result.stderr;
    };
    manifest = async (name, text) => {
      const path = join(s.dir, name);
      await writeFile(path, text);
      return path;
    };
  });
  afterAll(async () => {
    await api?.close();
    await s?.stop();
    if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
  });

  const apply = async (name: string, obj: unknown, ...flags: string[]) =>
    kubectl("apply", "-f", await manifest(`${name}.json`, JSON.stringify(obj)), ...flags);
  const applyFails = async (name: string, obj: unknown, ...flags: string[]) =>
    kubectlFails("apply", "-f", await manifest(`${name}.json`, JSON.stringify(obj)), ...flags);
  const namespace = async (name: string, labels: Record<string, string>) => {
    await apply(`ns-${name}`, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
  };

  describe("RuntimeClass", () => {
    it("is applied, listed with its handler, described, and keeps its handler", async () => {
      const path = await manifest(
        "gvisor.yaml",
        [
          "apiVersion: node.k8s.io/v1",
          "kind: RuntimeClass",
          "metadata: {name: gvisor}",
          "handler: runsc",
          "overhead:",
          "  podFixed: {cpu: 250m, memory: 120Mi}",
          "scheduling:",
          "  nodeSelector: {sandbox: gvisor}",
          "  tolerations:",
          "  - {key: sandbox, operator: Exists, effect: NoSchedule}",
          "",
        ].join("\n"),
      );
      expect((await kubectl("apply", "-f", path)).stdout).toBe("runtimeclass.node.k8s.io/gvisor created\n");
      const table = (await kubectl("get", "runtimeclasses")).stdout.split("\n");
      expect(table[0]).toMatch(/^NAME\s+HANDLER\s+AGE$/);
      expect(table[1]).toMatch(/^gvisor\s+runsc\s+\d+s$/);
      const described = (await kubectl("describe", "runtimeclass", "gvisor")).stdout;
      expect(described).toMatch(/Handler:\s+runsc/);
      const immutable = await kubectlFails(
        "patch",
        "runtimeclass",
        "gvisor",
        "--type=merge",
        "-p",
        '{"handler":"kata"}',
      );
      expect(immutable).toContain(
        'The RuntimeClass "gvisor" is invalid: handler: Invalid value: "kata": field is immutable',
      );
      const bad = await manifest(
        "bad-handler.yaml",
        "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: bad}\nhandler: Not_A_Label\n",
      );
      expect(await kubectlFails("apply", "-f", bad)).toContain(
        'The RuntimeClass "bad" is invalid: handler: Invalid value: "Not_A_Label": a lowercase RFC 1123 label',
      );
    });

    it("gives a pod its class's overhead and scheduling, and refuses an unknown class", async () => {
      await apply(
        "sandboxed",
        pod("sandboxed", {
          runtimeClassName: "gvisor",
          nodeSelector: { disk: "ssd" },
          tolerations: [{ key: "dedicated", operator: "Exists" }],
        }),
      );
      const { stdout } = await kubectl("get", "pod", "sandboxed", "-o", "json");
      const spec = (JSON.parse(stdout) as { spec: Record<string, unknown> }).spec;
      expect(spec["overhead"]).toEqual({ cpu: "250m", memory: "120Mi" });
      expect(spec["nodeSelector"]).toEqual({ disk: "ssd", sandbox: "gvisor" });
      expect(spec["tolerations"]).toEqual(
        expect.arrayContaining([
          { key: "dedicated", operator: "Exists" },
          { key: "sandbox", operator: "Exists", effect: "NoSchedule" },
        ]),
      );
      expect(await applyFails("unknown-class", pod("unknown-class", { runtimeClassName: "kata" }))).toContain(
        'pods "unknown-class" is forbidden: pod rejected: RuntimeClass "kata" not found',
      );
      expect(
        await applyFails(
          "conflicting",
          pod("conflicting", { runtimeClassName: "gvisor", nodeSelector: { sandbox: "none" } }),
        ),
      ).toContain(
        'pods "conflicting" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; pod.spec.nodeSelector[sandbox] = none',
      );
    });
  });

  describe.concurrent("PodSecurity", () => {
    it("refuses a privileged pod in a restricted namespace with upstream's message and admits a compliant one", async () => {
      await namespace("secure", { "pod-security.kubernetes.io/enforce": "restricted" });
      const refusal = await applyFails("priv", pod("priv", PRIVILEGED), "-n", "secure");
      expect(refusal).toContain(
        'pods "priv" is forbidden: violates PodSecurity "restricted:latest": ' +
          'privileged (container "c" must not set securityContext.privileged=true), ' +
          'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
          'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
          'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
          'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      );
      const ok = await apply(
        "compliant",
        pod("compliant", { containers: [RESTRICTED_CONTAINER] }),
        "-n",
        "secure",
      );
      expect(ok.stdout).toBe("pod/compliant created\n");
      expect(ok.stderr).toBe("");
    });

    it("prints kubectl's Warning line in a warn namespace and creates the pod", async () => {
      await namespace("watched", { "pod-security.kubernetes.io/warn": "baseline" });
      const out = await apply("host-net", pod("host-net", { hostNetwork: true }), "-n", "watched");
      expect(out.stderr).toContain(
        'Warning: would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
      );
      expect(out.stdout).toBe("pod/host-net created\n");
    });

    it("warns about a Deployment whose template violates the enforce level but creates it", async () => {
      await namespace("workloads", { "pod-security.kubernetes.io/enforce": "baseline" });
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "agent" },
        spec: {
          selector: { matchLabels: { app: "agent" } },
          template: { metadata: { labels: { app: "agent" } }, spec: { hostPID: true, ...PRIVILEGED } },
        },
      };
      const out = await apply("agent", deployment, "-n", "workloads");
      expect(out.stderr).toContain(
        'Warning: would violate PodSecurity "baseline:latest": host namespaces (hostPID=true), ' +
          'privileged (container "c" must not set securityContext.privileged=true)',
      );
      expect(out.stdout).toBe("deployment.apps/agent created\n");
    });

    it("warns about existing pods when a namespace is labelled with a stricter enforce level", async () => {
      await namespace("legacy", {});
      await apply("old-a", pod("old-a", PRIVILEGED), "-n", "legacy");
      await apply("old-b", pod("old-b", PRIVILEGED), "-n", "legacy");
      const out = await kubectl(
        "label",
        "namespace",
        "legacy",
        "pod-security.kubernetes.io/enforce=baseline",
      );
      expect(out.stderr).toContain(
        'Warning: existing pods in namespace "legacy" violate the new PodSecurity enforce level "baseline:latest"',
      );
      expect(out.stderr).toContain("Warning: old-a (and 1 other pod): privileged");
      expect(out.stdout).toBe("namespace/legacy labeled\n");
      expect(
        await kubectlFails(
          "label",
          "namespace",
          "legacy",
          "--overwrite",
          "pod-security.kubernetes.io/enforce=strict",
        ),
      ).toContain(
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      );
    });

    it("exempts the configured usernames, namespaces and runtime classes", async () => {
      await namespace("exempt-ns", { "pod-security.kubernetes.io/enforce": "restricted" });
      await namespace("guarded", { "pod-security.kubernetes.io/enforce": "restricted" });
      expect((await apply("exempt-ns-pod", pod("free", PRIVILEGED), "-n", "exempt-ns")).stdout).toBe(
        "pod/free created\n",
      );
      await apply("trusted-class", {
        apiVersion: "node.k8s.io/v1",
        kind: "RuntimeClass",
        metadata: { name: "trusted" },
        handler: "runc",
      });
      expect(
        (
          await apply(
            "trusted-pod",
            pod("trusted", { ...PRIVILEGED, runtimeClassName: "trusted" }),
            "-n",
            "guarded",
          )
        ).stdout,
      ).toBe("pod/trusted created\n");
      const mirror = (node: string) =>
        pod(
          `mirror-${node}`,
          { ...PRIVILEGED, nodeName: node },
          { namespace: "guarded", annotations: { "kubernetes.io/config.mirror": "hash" } },
        );
      const exempt = new Api(s, await nodeCredentials(s, "exempt-node"));
      const other = new Api(s, await nodeCredentials(s, "other-node"));
      try {
        const allowed = await exempt.call("/api/v1/namespaces/guarded/pods", {
          method: "POST",
          body: mirror("exempt-node"),
          token: null,
        });
        expect(allowed.status).toBe(201);
        const refused = await other.call("/api/v1/namespaces/guarded/pods", {
          method: "POST",
          body: mirror("other-node"),
          token: null,
        });
        expect(refused.status).toBe(403);
        expect(refused.json).toMatchObject({
          reason: "Forbidden",
          message: expect.stringMatching(
            /^pods "mirror-other-node" is forbidden: violates PodSecurity "restricted:latest": privileged/,
          ),
        });
      } finally {
        await exempt.close();
        await other.close();
      }
    });
  });
});
