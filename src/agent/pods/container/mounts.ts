/**
 * A container's mounts (kubelet: makeMounts): one per volumeMount, from the host directory the
 * caller prepared for the volume (emptyDir under the pod directory, hostPath as given), with subPath
 * or subPathExpr joined under it; then /etc/hosts (when the caller manages one) and the termination
 * message file. The caller creates directories and files; this only computes paths.
 */
import { posix } from "node:path";
import type { IContainer, IVolumeMount } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../../common/index.js";
import type { Mount, MountPropagation } from "../../../runtime/index.js";
import { expandVariables } from "./expansion.js";
import { CREATE_CONTAINER_CONFIG_ERROR } from "./env.js";

/** kubelet: etcHostsPath. */
export const ETC_HOSTS_PATH = "/etc/hosts";

export interface MountContext {
  /** Volume name -> host path of the prepared volume. */
  readonly volumeHostPaths: ReadonlyMap<string, string>;
  /** Host file backing the container's terminationMessagePath (created by the caller). */
  readonly terminationMessageHostPath?: string;
  /** Host file the agent manages as the pod's /etc/hosts; mounted unless the container mounts its own. */
  readonly etcHostsHostPath?: string;
}

function configError(message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message, { details: { reason: CREATE_CONTAINER_CONFIG_ERROR } });
}

/** kubelet: translateMountPropagation. */
export function mountPropagation(mount: IVolumeMount, privileged: boolean): MountPropagation {
  switch (mount.mountPropagation) {
    case undefined:
    case "None":
      return "private";
    case "HostToContainer":
      return "host-to-container";
    case "Bidirectional":
      if (!privileged) {
        throw configError(
          `mount propagation Bidirectional on ${mount.mountPath} requires a privileged container`,
        );
      }
      return "bidirectional";
    default:
      throw configError(`invalid mount propagation ${JSON.stringify(mount.mountPropagation)}`);
  }
}

/** subPathExpr expanded with the container's environment; every reference must resolve to a non-empty value. */
function expandSubPathExpr(expr: string, env: ReadonlyMap<string, string>): string {
  const missing = new Set<string>();
  const expanded = expandVariables(expr, (name) => {
    const value = env.get(name);
    if (value === undefined || value === "") missing.add(name);
    return value ?? "";
  });
  if (missing.size > 0) throw configError(`missing value for ${[...missing].sort().join(", ")}`);
  return expanded;
}

function checkSubPath(subPath: string): void {
  if (posix.isAbsolute(subPath))
    throw configError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split("/").includes("..")) {
    throw configError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  }
}

export function containerMounts(
  container: IContainer,
  env: ReadonlyMap<string, string>,
  privileged: boolean,
  ctx: MountContext,
): Mount[] {
  const mounts: Mount[] = [];
  let ownEtcHosts = false;
  for (const mount of container.volumeMounts ?? []) {
    const volumePath = ctx.volumeHostPaths.get(mount.name);
    if (volumePath === undefined) {
      throw configError(`cannot find volume "${mount.name}" to mount into container "${container.name}"`);
    }
    let subPath = mount.subPath ?? "";
    if (mount.subPathExpr) subPath = expandSubPathExpr(mount.subPathExpr, env);
    if (subPath !== "") checkSubPath(subPath);
    if (mount.mountPath === ETC_HOSTS_PATH) ownEtcHosts = true;
    mounts.push({
      containerPath: mount.mountPath,
      hostPath: subPath === "" ? volumePath : posix.join(volumePath, subPath),
      readonly: mount.readOnly === true,
      propagation: mountPropagation(mount, privileged),
    });
  }
  if (ctx.etcHostsHostPath !== undefined && !ownEtcHosts) {
    mounts.push({
      containerPath: ETC_HOSTS_PATH,
      hostPath: ctx.etcHostsHostPath,
      readonly: false,
      propagation: "private",
    });
  }
  if (ctx.terminationMessageHostPath !== undefined && container.terminationMessagePath) {
    mounts.push({
      containerPath: container.terminationMessagePath,
      hostPath: ctx.terminationMessageHostPath,
      readonly: false,
      propagation: "private",
    });
  }
  return mounts;
}
