import type { AuthConfig, Image } from "../types.js";
import type { WireImage } from "./wire.js";

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
  };
}

export function authToWire(auth: AuthConfig | undefined): Record<string, unknown> | null {
  if (!auth) return null;
  return {
    username: auth.username ?? "",
    password: auth.password ?? "",
    auth: auth.auth ?? "",
    server_address: auth.serverAddress ?? "",
    identity_token: auth.identityToken ?? "",
    registry_token: auth.registryToken ?? "",
  };
}
