/** hostPath volumes: the type checks and the *OrCreate kinds (kubelet: pkg/volume/hostpath). */
import { mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { IVolume } from "kubernetes-models/v1";
import { configError } from "./errors.js";

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
export async function prepareHostPath(volume: IVolume): Promise<string> {
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
