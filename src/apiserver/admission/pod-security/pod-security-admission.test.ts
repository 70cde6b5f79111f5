import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode, isInvalid } from "../../../common/errors.js";
import type { KubeObject } from "../../registry/index.js";
import { deployments, namespaces, pods } from "../../registry/index.js";
import type { AdmissionAttributes } from "../admission.js";
import { parsePodSecurityConfig } from "./config.js";
import { PodSecurityAdmission } from "./pod-security-admission.js";

const PRIVILEGED_SPEC = {
  containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
};

function pod(name: string, spec: Record<string, unknown> = PRIVILEGED_SPEC): KubeObject {
  return { metadata: { name, namespace: "ns" }, spec };
}

function setup(labels: Record<string, string>, existing: KubeObject[] = [], msPerRead = 0) {
  const config = parsePodSecurityConfig(
    {
      apiVersion: "pod-security.admission.config.k8s.io/v1",
      kind: "PodSecurityConfiguration",
      exemptions: { usernames: ["ci"], namespaces: ["kube-system"], runtimeClasses: ["trusted"] },
    },
    "test",
  );
  let time = 0;
  const plugin = new PodSecurityAdmission({
    config,
    getNamespace: async (name) => ({ metadata: { name, labels } }),
    listPods: async () => existing,
    clock: { now: () => (time += msPerRead) },
  });
  const warnings: string[] = [];
  const annotations: Record<string, string> = {};
  const recorder = {
    warn: (t: string) => warnings.push(t),
    annotate: (k: string, v: string) => (annotations[k] = v),
  };
  const attrs = (
    over: Partial<AdmissionAttributes> & Pick<AdmissionAttributes, "def" | "object">,
  ): AdmissionAttributes => ({
    operation: "CREATE",
    namespace: "ns",
    name: over.object.metadata.name ?? "",
    user: { name: "admin", groups: [] },
    dryRun: false,
    oldObject: undefined,
    ...over,
  });
  return { plugin, warnings, annotations, recorder, attrs };
}

describe("PodSecurity admission", () => {
  it("refuses a violating pod under enforce with a 403 and annotates the audit record", async () => {
    const t = setup({
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/audit": "restricted",
    });
    const err = await t.plugin
      .validate(t.attrs({ def: pods, object: pod("p") }), t.recorder)
      .catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Forbidden)).toBe(true);
    expect((err as Error).message).toBe(
      'pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    expect(t.annotations["pod-security.kubernetes.io/enforce-policy"]).toBe("baseline:latest");
    expect(t.annotations["pod-security.kubernetes.io/audit-violations"]).toMatch(
      /^would violate PodSecurity "restricted:latest": privileged \(/,
    );
    expect(t.warnings).toEqual([]);
  });

  it("warns without refusing under warn, and on workloads even under enforce", async () => {
    const t = setup({ "pod-security.kubernetes.io/warn": "baseline" });
    await t.plugin.validate(t.attrs({ def: pods, object: pod("p") }), t.recorder);
    expect(t.warnings).toEqual([
      'would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    ]);
    const e = setup({ "pod-security.kubernetes.io/enforce": "baseline" });
    const deployment: KubeObject = {
      metadata: { name: "d", namespace: "ns" },
      spec: { template: { spec: PRIVILEGED_SPEC } },
    };
    await e.plugin.validate(e.attrs({ def: deployments, object: deployment }), e.recorder);
    expect(e.warnings).toHaveLength(1);
  });

  it("exempts users, namespaces and runtime classes and says why in the audit annotation", async () => {
    const t = setup({ "pod-security.kubernetes.io/enforce": "restricted" });
    await t.plugin.validate(
      t.attrs({ def: pods, object: pod("p"), user: { name: "ci", groups: [] } }),
      t.recorder,
    );
    expect(t.annotations["pod-security.kubernetes.io/exempt"]).toBe("user");
    await t.plugin.validate(t.attrs({ def: pods, object: pod("p"), namespace: "kube-system" }), t.recorder);
    expect(t.annotations["pod-security.kubernetes.io/exempt"]).toBe("namespace");
    const trusted = pod("p", { ...PRIVILEGED_SPEC, runtimeClassName: "trusted" });
    await t.plugin.validate(t.attrs({ def: pods, object: trusted }), t.recorder);
    expect(t.annotations["pod-security.kubernetes.io/exempt"]).toBe("runtimeClass");
  });

  it("lets an update through unless it changes an image", async () => {
    const t = setup({ "pod-security.kubernetes.io/enforce": "baseline" });
    const old = pod("p");
    const relabelled: KubeObject = { ...pod("p"), metadata: { ...old.metadata, labels: { a: "b" } } };
    await t.plugin.validate(
      t.attrs({ def: pods, object: relabelled, operation: "UPDATE", oldObject: old }),
      t.recorder,
    );
    const newImage = pod("p", {
      containers: [{ name: "c", image: "busybox:2", securityContext: { privileged: true } }],
    });
    const err = await t.plugin
      .validate(t.attrs({ def: pods, object: newImage, operation: "UPDATE", oldObject: old }), t.recorder)
      .catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Forbidden)).toBe(true);
  });

  it("refuses bad namespace labels and warns about existing pods when enforce tightens", async () => {
    const existing = [pod("b"), pod("a"), pod("ok", { containers: [{ name: "c", image: "busybox" }] })];
    const t = setup({}, existing);
    const ns = (labels: Record<string, string>): KubeObject => ({ metadata: { name: "ns", labels } });
    const err = await t.plugin
      .validate(
        t.attrs({ def: namespaces, object: ns({ "pod-security.kubernetes.io/enforce": "strict" }) }),
        t.recorder,
      )
      .catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toBe(
      'Namespace "ns" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    );
    await t.plugin.validate(
      t.attrs({
        def: namespaces,
        operation: "UPDATE",
        object: ns({ "pod-security.kubernetes.io/enforce": "baseline" }),
        oldObject: ns({}),
      }),
      t.recorder,
    );
    expect(t.warnings).toEqual([
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      "a (and 1 other pod): privileged",
    ]);
  });

  it("stops checking a namespace's pods after namespacePodCheckTimeout and says how many it checked", async () => {
    const existing = Array.from({ length: 10 }, (_, i) => pod(`p${i}`));
    const t = setup({}, existing, 300);
    const ns = (labels: Record<string, string>): KubeObject => ({ metadata: { name: "ns", labels } });
    await t.plugin.validate(
      t.attrs({
        def: namespaces,
        operation: "UPDATE",
        object: ns({ "pod-security.kubernetes.io/enforce": "baseline" }),
        oldObject: ns({}),
      }),
      t.recorder,
    );
    expect(t.warnings).toEqual([
      "new PodSecurity enforce level only checked against the first 4 of 10 existing pods",
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      "p0 (and 3 other pods): privileged",
    ]);
  });
});
