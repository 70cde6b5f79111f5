/**
 * The effective Linux security settings of a container: the container's securityContext over the
 * pod's (kubelet: determineEffectiveSecurityContext / convertToRuntimeSecurityContext).
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import type { LinuxContainerSecurity } from "../../../runtime/index.js";
import { appArmorProfile, procPaths, seccompProfile, type SeccompOptions } from "../../security/index.js";

/** Without the agent's settings: the kubelet's defaults (seccompDefault off) under its root dir. */
export const DEFAULT_SECCOMP_OPTIONS: SeccompOptions = {
  root: "/var/lib/kubelet/seccomp",
  seccompDefault: false,
};

export function containerSecurity(
  pod: IPod,
  container: IContainer,
  seccomp: SeccompOptions = DEFAULT_SECCOMP_OPTIONS,
): LinuxContainerSecurity {
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const privileged = sc.privileged === true;
  // fsGroup joins the supplemental groups, ahead of the listed ones (kubelet does the same).
  const groups: number[] = [];
  for (const group of [podSc.fsGroup, ...(podSc.supplementalGroups ?? [])]) {
    if (group !== undefined && !groups.includes(group)) groups.push(group);
  }
  const security: {
    -readonly [K in keyof LinuxContainerSecurity]: LinuxContainerSecurity[K];
  } = {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  if (runAsUser !== undefined) security.runAsUser = runAsUser;
  if (runAsGroup !== undefined) security.runAsGroup = runAsGroup;
  if (sc.readOnlyRootFilesystem !== undefined) security.readOnlyRootFilesystem = sc.readOnlyRootFilesystem;
  if (privileged) security.privileged = true;
  if (sc.capabilities) {
    security.capabilities = {
      add: [...(sc.capabilities.add ?? [])],
      drop: [...(sc.capabilities.drop ?? [])],
    };
  }
  // A privileged container may always escalate (kubelet: AddNoNewPrivileges).
  if (!privileged && sc.allowPrivilegeEscalation !== undefined) {
    security.allowPrivilegeEscalation = sc.allowPrivilegeEscalation;
  }
  if (groups.length > 0) security.supplementalGroups = groups;
  security.seccomp = seccompProfile(pod, container, seccomp);
  const apparmor = appArmorProfile(pod, container);
  if (apparmor !== undefined) security.apparmor = apparmor;
  // kubelet sends them to privileged containers too; runtimes unmask those, so berth leaves them out.
  if (!privileged) security.procPaths = procPaths(sc.procMount);
  return security;
}
