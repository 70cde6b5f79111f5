import { BerthError, ErrorCode } from "../../common/errors.js";
import type { AuthConfig, Image, ImageFsInfo } from "../types.js";
import type { WireFilesystemUsage, WireImage } from "./wire.js";

/**
 * An Image from runtime.v1. CRI splits the image's configured user into a numeric `uid` or a
 * `username`; berth keeps both the string and the uid.
 */
export function imageFromWire(i: WireImage): Image {
  const uid = i.uid ? Number(i.uid.value) : undefined;
  return {
    id: i.id,
    repoTags: [...(i.repo_tags ?? [])],
    repoDigests: [...(i.repo_digests ?? [])],
    size: Number(i.size ?? 0),
    user: uid !== undefined ? String(uid) : (i.username ?? ""),
    ...(uid !== undefined ? { uid } : {}),
    ...(i.pinned === true ? { pinned: true } : {}),
  };
}

/**
 * The registry in AuthConfig.server_address as a URL. Docker configs key credentials by bare
 * "host:port"; containerd 1.6 parses the field as a URL and fails on that ("first path segment
 * in URL cannot contain colon") or, for a bare host, silently drops the credentials.
 */
export function serverAddressUrl(address: string): string {
  if (address === "" || /^[a-z][a-z0-9+.-]*:\/\//i.test(address)) return address;
  return `https://${address}`;
}

export function authToWire(auth: AuthConfig | undefined): Record<string, unknown> | null {
  if (!auth) return null;
  return {
    username: auth.username ?? "",
    password: auth.password ?? "",
    auth: auth.auth ?? "",
    server_address: serverAddressUrl(auth.serverAddress ?? ""),
    identity_token: auth.identityToken ?? "",
    registry_token: auth.registryToken ?? "",
  };
}

/**
 * The sandbox image from a verbose Status answer: containerd puts its CRI configuration, as JSON,
 * under info "config" (`sandboxImage`). Absent or unreadable: undefined.
 */
export function sandboxImageFromInfo(info: Readonly<Record<string, string>> | undefined): string | undefined {
  const text = info?.["config"];
  if (text === undefined) return undefined;
  try {
    const image = (JSON.parse(text) as { sandboxImage?: unknown }).sandboxImage;
    return typeof image === "string" && image !== "" ? image : undefined;
  } catch {
    return undefined;
  }
}

/** ImageFsInfo's first image filesystem (containerd reports its snapshotter's directory). */
export function imageFsFromWire(filesystems: readonly WireFilesystemUsage[] | undefined): ImageFsInfo {
  const fs = filesystems?.[0];
  const mountpoint = fs?.fs_id?.mountpoint ?? "";
  if (mountpoint === "") {
    throw new BerthError(ErrorCode.Internal, "ImageFsInfo: the runtime reported no image filesystem");
  }
  return {
    mountpoint,
    usedBytes: Number(fs?.used_bytes?.value ?? 0),
    ...(fs?.inodes_used ? { inodesUsed: Number(fs.inodes_used.value) } : {}),
  };
}
