/**
 * The host side of a pod's volumes and files (kubelet: volume manager for emptyDir and hostPath,
 * plus the per-container termination message file and the managed /etc/hosts), under
 * <podsDir>/<uid>: volumes/kubernetes.io~empty-dir/<name>, containers/<name>/<restartCount>,
 * etc-hosts. Other volume kinds come with a later issue: a mount of one is a
 * CreateContainerConfigError naming the volume.
 */
import { mkdir, open, stat, writeFile, chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { IPod, IVolume } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";

export const EMPTY_DIR_PLUGIN = "kubernetes.io~empty-dir"; // kubelet: emptyDir plugin name, escaped

/** <podsDir>/<uid>. */
export function podDirectory(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}

function configError(message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message, { details: { reason: "CreateContainerConfigError" } });
}

async function kindOf(
  path: string,
): Promise<"dir" | "file" | "socket" | "char" | "block" | "missing" | "other"> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) return "dir";
    if (s.isFile()) return "file";
    if (s.isSocket()) return "socket";
    if (s.isCharacterDevice()) return "char";
    if (s.isBlockDevice()) return "block";
    return "other";
  } catch {
    return "missing";
  }
}

/** kubelet: hostPath type checks (pkg/volume/hostpath checkType). */
async function prepareHostPath(volume: IVolume): Promise<string> {
  const path = volume.hostPath?.path ?? "";
  const type = volume.hostPath?.type ?? "";
  const have = await kindOf(path);
  const expect = (want: string, ok: boolean): void => {
    if (!ok) throw configError(`hostPath type check failed: ${path} is not a ${want}`);
  };
  switch (type) {
    case "":
      return path;
    case "DirectoryOrCreate":
      if (have === "missing") await mkdir(path, { recursive: true, mode: 0o755 });
      else expect("directory", have === "dir");
      return path;
    case "Directory":
      expect("directory", have === "dir");
      return path;
    case "FileOrCreate":
      if (have === "missing") {
        await mkdir(dirname(path), { recursive: true });
        await (await open(path, "a", 0o644)).close();
      } else expect("file", have === "file");
      return path;
    case "File":
      expect("file", have === "file");
      return path;
    case "Socket":
      expect("socket", have === "socket");
      return path;
    case "CharDevice":
      expect("character device", have === "char");
      return path;
    case "BlockDevice":
      expect("block device", have === "block");
      return path;
    default:
      throw configError(`hostPath ${path}: unknown type ${type}`);
  }
}

/** Creates the pod's emptyDir directories and checks its hostPaths; volume name -> host path. */
export async function preparePodVolumes(pod: IPod, podsDir: string): Promise<Map<string, string>> {
  const uid = pod.metadata?.uid ?? "";
  const paths = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.emptyDir !== undefined) {
      const dir = join(podDirectory(podsDir, uid), "volumes", EMPTY_DIR_PLUGIN, volume.name);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777); // kubelet: emptyDir is world-writable
      paths.set(volume.name, dir);
    } else if (volume.hostPath !== undefined) {
      paths.set(volume.name, await prepareHostPath(volume));
    }
  }
  return paths;
}

/** An empty, world-writable host file for one container run's termination message. */
export async function prepareTerminationMessageFile(
  podsDir: string,
  uid: string,
  containerName: string,
  restartCount: number,
): Promise<string> {
  const path = join(podDirectory(podsDir, uid), "containers", containerName, String(restartCount));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, "");
  await chmod(path, 0o666);
  return path;
}

/** The pod's /etc/hosts (kubelet: managedHostsFileContent). */
export async function prepareEtcHosts(
  podsDir: string,
  uid: string,
  podIPs: readonly string[],
  hostname: string,
): Promise<string> {
  const path = join(podDirectory(podsDir, uid), "etc-hosts");
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    ...podIPs.map((ip) => `${ip}\t${hostname}`),
  ];
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}
