import { describe, expect, it } from "vitest";
import { Evaluator } from "./evaluator.js";
import { LATEST, minorVersion, type Level, type LevelVersion } from "./levels.js";

const evaluator = new Evaluator();
const at = (level: Level, version = LATEST): LevelVersion => ({ level, version });

/** A pod with one container "c"; `container` is merged into it. */
function spec(podSpec: Record<string, unknown> = {}, container: Record<string, unknown> = {}) {
  return { containers: [{ name: "c", image: "busybox", ...container }], ...podSpec };
}

const RESTRICTED_CONTEXT = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

function detail(
  level: Level,
  podSpec: Record<string, unknown>,
  annotations: Record<string, string> = {},
  version = LATEST,
) {
  return evaluator.evaluate(at(level, version), { annotations, spec: podSpec }).detail;
}

function restricted(podSpec: Record<string, unknown>, annotations: Record<string, string> = {}) {
  return detail("restricted", podSpec, annotations);
}

/** A restricted-compliant pod with `securityContext` added to its container. */
function compliant(podSpec: Record<string, unknown> = {}, securityContext: Record<string, unknown> = {}) {
  return spec(podSpec, { securityContext: { ...RESTRICTED_CONTEXT, ...securityContext } });
}

describe("Pod Security Standards checks", () => {
  it("allows everything at privileged and a plain pod at baseline", () => {
    expect(detail("privileged", spec({ hostNetwork: true }, { securityContext: { privileged: true } }))).toBe(
      "",
    );
    expect(evaluator.evaluate(at("baseline"), { annotations: {}, spec: spec() }).allowed).toBe(true);
    expect(evaluator.evaluate(at("restricted"), { annotations: {}, spec: compliant() }).allowed).toBe(true);
  });

  it("lists a plain pod's restricted violations in upstream's order and words", () => {
    expect(restricted(spec())).toBe(
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  describe("baseline", () => {
    it("hostProcess", () => {
      expect(
        detail(
          "baseline",
          spec(
            { securityContext: { windowsOptions: { hostProcess: true } } },
            { securityContext: { windowsOptions: { hostProcess: true } } },
          ),
        ),
      ).toBe(
        'hostProcess (pod and container "c" must not set securityContext.windowsOptions.hostProcess=true)',
      );
      expect(
        detail("baseline", spec({}, { securityContext: { windowsOptions: { hostProcess: false } } })),
      ).toBe("");
    });

    it("host namespaces", () => {
      expect(detail("baseline", spec({ hostNetwork: true, hostPID: true, hostIPC: true }))).toBe(
        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)",
      );
      expect(detail("baseline", spec({ hostNetwork: false }))).toBe("");
    });

    it("privileged", () => {
      const two = {
        containers: [{ name: "a", securityContext: { privileged: true } }],
        initContainers: [{ name: "i", securityContext: { privileged: true } }],
      };
      expect(detail("baseline", two)).toBe(
        'privileged (containers "i", "a" must not set securityContext.privileged=true)',
      );
      expect(detail("baseline", spec({}, { securityContext: { privileged: false } }))).toBe("");
    });

    it("capabilities beyond the default set", () => {
      expect(
        detail(
          "baseline",
          spec({}, { securityContext: { capabilities: { add: ["SYS_ADMIN", "NET_RAW", "CHOWN"] } } }),
        ),
      ).toBe(
        'non-default capabilities (container "c" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
      );
      expect(
        detail("baseline", spec({}, { securityContext: { capabilities: { add: ["CHOWN", "KILL"] } } })),
      ).toBe("");
    });

    it("hostPath volumes", () => {
      const volumes = [
        { name: "root", hostPath: { path: "/" } },
        { name: "run", hostPath: { path: "/run" } },
        { name: "tmp", emptyDir: {} },
      ];
      expect(detail("baseline", spec({ volumes }))).toBe('hostPath volumes (volumes "root", "run")');
      expect(detail("baseline", spec({ volumes: [{ name: "tmp", emptyDir: {} }] }))).toBe("");
    });

    it("host ports", () => {
      expect(
        detail(
          "baseline",
          spec(
            {},
            {
              ports: [
                { containerPort: 80, hostPort: 8080 },
                { containerPort: 81, hostPort: 443 },
              ],
            },
          ),
        ),
      ).toBe('hostPort (container "c" uses hostPorts 443, 8080)');
      expect(detail("baseline", spec({}, { ports: [{ containerPort: 80 }] }))).toBe("");
    });

    it("AppArmor", () => {
      expect(detail("baseline", spec({ securityContext: { appArmorProfile: { type: "Unconfined" } } }))).toBe(
        'forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")',
      );
      expect(
        detail("baseline", spec({}, { securityContext: { appArmorProfile: { type: "Unconfined" } } }), {
          "container.apparmor.security.beta.kubernetes.io/c": "unconfined",
        }),
      ).toBe(
        'forbidden AppArmor profiles (container "c" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/c="unconfined"")',
      );
      expect(
        detail(
          "baseline",
          spec({}, { securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: "p" } } }),
          {
            "container.apparmor.security.beta.kubernetes.io/c": "runtime/default",
          },
        ),
      ).toBe("");
    });

    it("SELinux", () => {
      expect(
        detail("baseline", spec({ securityContext: { seLinuxOptions: { type: "spc_t", user: "root" } } })),
      ).toBe(
        'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
      );
      expect(
        detail("baseline", spec({}, { securityContext: { seLinuxOptions: { type: "container_engine_t" } } })),
      ).toBe("");
      expect(
        detail(
          "baseline",
          spec({}, { securityContext: { seLinuxOptions: { type: "container_engine_t" } } }),
          {},
          minorVersion(30),
        ),
      ).toBe(
        'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "container_engine_t")',
      );
    });

    it("/proc mount", () => {
      expect(detail("baseline", spec({}, { securityContext: { procMount: "Unmasked" } }))).toBe(
        'procMount (container "c" must not set securityContext.procMount to "Unmasked")',
      );
      expect(detail("baseline", spec({}, { securityContext: { procMount: "Default" } }))).toBe("");
    });

    it("seccomp Unconfined, and before v1.19 its annotations", () => {
      expect(detail("baseline", spec({ securityContext: { seccompProfile: { type: "Unconfined" } } }))).toBe(
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
      );
      expect(detail("baseline", spec())).toBe("");
      expect(
        detail(
          "baseline",
          spec(),
          { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" },
          minorVersion(18),
        ),
      ).toBe('seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")');
    });

    it("sysctls outside the safe set of the version", () => {
      const sysctls = [
        { name: "net.ipv4.tcp_rmem", value: "4096" },
        { name: "kernel.msgmax", value: "1" },
      ];
      expect(detail("baseline", spec({ securityContext: { sysctls } }))).toBe(
        "forbidden sysctls (kernel.msgmax)",
      );
      expect(detail("baseline", spec({ securityContext: { sysctls } }), {}, minorVersion(31))).toBe(
        "forbidden sysctls (net.ipv4.tcp_rmem, kernel.msgmax)",
      );
    });
  });

  describe("restricted", () => {
    it("volume types", () => {
      const volumes = [
        { name: "root", hostPath: { path: "/" } },
        { name: "share", nfs: { server: "x", path: "/" } },
        { name: "cm", configMap: { name: "x" } },
      ];
      expect(restricted(compliant({ volumes }))).toBe(
        'restricted volume types (volumes "root", "share" use restricted volume types "hostPath", "nfs")',
      );
      expect(restricted(compliant({ volumes: [volumes[2]] }))).toBe("");
    });

    it("allowPrivilegeEscalation", () => {
      expect(restricted(compliant({}, { allowPrivilegeEscalation: true }))).toBe(
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
      );
    });

    it("runAsNonRoot, explicit and implied", () => {
      expect(restricted(compliant({}, { runAsNonRoot: false }))).toBe(
        'runAsNonRoot != true (container "c" must not set securityContext.runAsNonRoot=false)',
      );
      const podLevel = spec(
        { securityContext: { runAsNonRoot: true } },
        { securityContext: { ...RESTRICTED_CONTEXT, runAsNonRoot: undefined } },
      );
      expect(restricted(podLevel)).toBe("");
    });

    it("runAsUser 0", () => {
      expect(restricted(compliant({ securityContext: { runAsUser: 0 } }, { runAsUser: 0 }))).toBe(
        'runAsUser=0 (pod and container "c" must not set runAsUser=0)',
      );
      expect(restricted(compliant({}, { runAsUser: 1000 }))).toBe("");
    });

    it("seccomp required", () => {
      expect(restricted(compliant({}, { seccompProfile: { type: "Unconfined" } }))).toBe(
        'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
      );
      expect(
        restricted(
          compliant(
            { securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "p" } } },
            { seccompProfile: undefined },
          ),
        ),
      ).toBe("");
    });

    it("capabilities: drop ALL, add only NET_BIND_SERVICE", () => {
      expect(
        restricted(
          compliant({}, { capabilities: { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE", "CHOWN"] } }),
        ),
      ).toBe(
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; container "c" must not include "CHOWN" in securityContext.capabilities.add)',
      );
      expect(restricted(compliant({}, { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } }))).toBe(
        "",
      );
    });

    it("skips the Linux-only checks for a Windows pod from v1.25", () => {
      const windows = spec({ os: { name: "windows" }, securityContext: { runAsNonRoot: true } });
      expect(restricted(windows)).toBe("");
      expect(detail("restricted", windows, {}, minorVersion(24))).toMatch(
        /^allowPrivilegeEscalation != false/,
      );
    });

    it("applies runAsUser only from v1.23 and capabilities only from v1.22", () => {
      const root = compliant({}, { runAsUser: 0, capabilities: undefined });
      expect(detail("restricted", root, {}, minorVersion(21))).toBe("");
      expect(detail("restricted", root, {}, minorVersion(22))).toBe(
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"])',
      );
    });
  });
});
