import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { loadAdmissionConfiguration } from "./admission-config.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-admission-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const POD_SECURITY = [
  "apiVersion: pod-security.admission.config.k8s.io/v1",
  "kind: PodSecurityConfiguration",
  "defaults: {enforce: baseline, enforce-version: v1.30, warn: restricted}",
  "exemptions: {usernames: [ci], namespaces: [kube-system]}",
].join("\n");

function admissionConfig(plugin: string): string {
  return ["apiVersion: apiserver.config.k8s.io/v1", "kind: AdmissionConfiguration", "plugins:", plugin].join(
    "\n",
  );
}

describe("admission configuration file", () => {
  it("defaults to privileged everywhere without a file", () => {
    const { podSecurity } = loadAdmissionConfiguration(undefined);
    expect(podSecurity.defaults.enforce.level).toBe("privileged");
  });

  it("reads PodSecurity's configuration embedded or from a path beside the file", async () => {
    await writeFile(join(dir, "pod-security.yaml"), POD_SECURITY);
    await writeFile(
      join(dir, "by-path.yaml"),
      admissionConfig("- name: PodSecurity\n  path: pod-security.yaml"),
    );
    const { podSecurity } = loadAdmissionConfiguration(join(dir, "by-path.yaml"));
    expect(podSecurity.defaults.enforce).toEqual({
      level: "baseline",
      version: { latest: false, minor: 30 },
    });
    expect(podSecurity.defaults.warn.level).toBe("restricted");
    expect([...podSecurity.exemptions.usernames]).toEqual(["ci"]);
    const embedded = POD_SECURITY.split("\n")
      .map((l) => `    ${l}`)
      .join("\n");
    await writeFile(
      join(dir, "embedded.yaml"),
      admissionConfig(`- name: PodSecurity\n  configuration:\n${embedded}`),
    );
    expect(
      loadAdmissionConfiguration(join(dir, "embedded.yaml")).podSecurity.exemptions.namespaces.has(
        "kube-system",
      ),
    ).toBe(true);
  });

  it("refuses bad levels, versions and duplicate exemptions with the field named", async () => {
    const bad = [
      "    apiVersion: pod-security.admission.config.k8s.io/v1",
      "    kind: PodSecurityConfiguration",
      "    defaults: {enforce: strict, audit-version: '1.2'}",
      "    exemptions: {namespaces: [a, a]}",
    ].join("\n");
    await writeFile(join(dir, "bad.yaml"), admissionConfig(`- name: PodSecurity\n  configuration:\n${bad}`));
    let err: unknown;
    try {
      loadAdmissionConfiguration(join(dir, "bad.yaml"));
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, ErrorCode.Config)).toBe(true);
    expect((err as Error).message).toContain(
      'defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted',
    );
    expect((err as Error).message).toContain(
      'defaults.audit-version: Invalid value: "1.2": must be "latest" or "v1.x"',
    );
    expect((err as Error).message).toContain('exemptions.namespaces[1]: Duplicate value: "a"');
  });
});
