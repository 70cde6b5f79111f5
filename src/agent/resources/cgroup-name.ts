/**
 * Cgroup names as the kubelet builds them (pkg/kubelet/cm/cgroup_manager_linux.go): a list of
 * components such as ["kubepods", "burstable", "pod<uid>"] under the configured cgroupRoot, turned
 * into a path per driver. cgroupfs: "/kubepods/burstable/pod<uid>". systemd: each prefix becomes a
 * slice with "-" in a component escaped to "_":
 * "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice".
 */
import { BerthError, ErrorCode } from "../../common/index.js";

export type CgroupDriver = "cgroupfs" | "systemd";
export type CgroupName = readonly string[];

/** kubelet: defaultNodeAllocatableCgroupName */
export const KUBEPODS = "kubepods";
/** kubelet: podCgroupNamePrefix */
export const POD_CGROUP_PREFIX = "pod";
export const SYSTEMD_SLICE_SUFFIX = ".slice";

const COMPONENT = /^[A-Za-z0-9_.:@+-]+$/;
const POD_UID = /^[A-Za-z0-9-]+$/;

/** Refuses a pod uid that could not be a single path component (it ends up in rmdir calls). */
export function checkPodUid(uid: string | undefined): string {
  if (uid === undefined || !POD_UID.test(uid)) {
    throw new BerthError(ErrorCode.Invalid, `pod uid ${JSON.stringify(uid)} is not usable in a cgroup name`);
  }
  return uid;
}

function escapeSystemd(part: string): string {
  return part.replaceAll("-", "_");
}

function unescapeSystemd(part: string): string {
  return part.replaceAll("_", "-");
}

/**
 * The components of a cgroupRoot: "/" is none, "/a/b" is ["a", "b"]; with the systemd driver a
 * slice path such as "/system.slice" or "berth-test.slice" is read back into its components
 * (ParseSystemdToCgroupName).
 */
export function parseCgroupRoot(cgroupRoot: string, driver: CgroupDriver): CgroupName {
  if (!cgroupRoot.startsWith("/") && !(driver === "systemd" && cgroupRoot.endsWith(SYSTEMD_SLICE_SUFFIX))) {
    throw new BerthError(
      ErrorCode.Config,
      `cgroupRoot must be an absolute path, got ${JSON.stringify(cgroupRoot)}`,
    );
  }
  const parts = cgroupRoot.split("/").filter((p) => p !== "");
  for (const part of parts) {
    if (part === "." || part === ".." || !COMPONENT.test(part)) {
      throw new BerthError(
        ErrorCode.Config,
        `cgroupRoot ${JSON.stringify(cgroupRoot)} has a bad component ${JSON.stringify(part)}`,
      );
    }
  }
  const last = parts.at(-1);
  if (driver === "systemd" && last !== undefined && last.endsWith(SYSTEMD_SLICE_SUFFIX)) {
    const base = last.slice(0, -SYSTEMD_SLICE_SUFFIX.length);
    if (base === "" || base === "-") return [];
    return base.split("-").map(unescapeSystemd);
  }
  return parts;
}

/** The file-system path of a cgroup relative to a hierarchy's mount, for the given driver. */
export function cgroupPath(name: CgroupName, driver: CgroupDriver): string {
  if (name.length === 0) return "/";
  if (driver === "cgroupfs") return `/${name.join("/")}`;
  const slices: string[] = [];
  for (let i = 1; i <= name.length; i++) {
    slices.push(name.slice(0, i).map(escapeSystemd).join("-") + SYSTEMD_SLICE_SUFFIX);
  }
  return `/${slices.join("/")}`;
}

/**
 * The cgroup parent handed to the runtime for a pod's sandbox: the cgroupfs path, or with the
 * systemd driver the pod's slice name (the runtime's systemd driver expands it).
 */
export function runtimeCgroupParent(name: CgroupName, driver: CgroupDriver): string {
  if (driver === "cgroupfs") return cgroupPath(name, driver);
  return name.map(escapeSystemd).join("-") + SYSTEMD_SLICE_SUFFIX;
}

/**
 * The pod uid a directory under `parent` stands for, or undefined when it is not a pod cgroup:
 * "pod<uid>" (cgroupfs) or "<parent slice>-pod<uid_>.slice" (systemd).
 */
export function podUidFromDir(dirName: string, parent: CgroupName, driver: CgroupDriver): string | undefined {
  let uid: string | undefined;
  if (driver === "cgroupfs") {
    if (dirName.startsWith(POD_CGROUP_PREFIX)) uid = dirName.slice(POD_CGROUP_PREFIX.length);
  } else {
    const prefix = [...parent.map(escapeSystemd), POD_CGROUP_PREFIX].join("-");
    if (dirName.startsWith(prefix) && dirName.endsWith(SYSTEMD_SLICE_SUFFIX)) {
      uid = unescapeSystemd(dirName.slice(prefix.length, -SYSTEMD_SLICE_SUFFIX.length));
    }
  }
  return uid !== undefined && POD_UID.test(uid) ? uid : undefined;
}
