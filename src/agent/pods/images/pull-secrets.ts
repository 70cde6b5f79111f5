/**
 * imagePullSecrets: credentials from kubernetes.io/dockerconfigjson (and legacy dockercfg)
 * secrets, matched to an image's registry the way the kubelet's credential keyring does: a key
 * matches when its host equals the image's host (a leading "*." matches one DNS label) and its
 * path, if any, is a prefix of the image's repository path. More specific keys come first.
 */
import type { ISecret } from "kubernetes-models/v1";
import { BerthError, DEFAULT_REGISTRY, ErrorCode, parseImageReference } from "../../../common/index.js";
import type { AuthConfig } from "../../../runtime/index.js";

/** The names docker configs use for Docker Hub. */
const DOCKER_HUB_ALIASES = new Set(["index.docker.io", "registry-1.docker.io", DEFAULT_REGISTRY]);

export const DOCKER_CONFIG_JSON_KEY = ".dockerconfigjson"; // core/v1: DockerConfigJsonKey
export const DOCKER_CONFIG_KEY = ".dockercfg"; // core/v1: DockerConfigKey

interface Located {
  readonly host: string;
  readonly path: string;
}

export interface RegistryCredential {
  /** The key as written in the secret. */
  readonly key: string;
  readonly auth: AuthConfig;
}

/** Registry host and repository path of an image, normalised ("docker.io", "library/busybox"). */
export function imageLocation(image: string): Located {
  const ref = parseImageReference(image);
  return { host: normalizeHost(ref.domain), path: ref.path };
}

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DEFAULT_REGISTRY : lower;
}

/** A keyring key ("https://reg:5000/v1/", "reg:5000/team", "*.example.com") as host and path. */
function keyLocation(key: string): Located {
  let rest = key.trim().replace(/^[a-z]+:\/\//i, "");
  rest = rest.replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  const host = slash < 0 ? rest : rest.slice(0, slash);
  let path = slash < 0 ? "" : rest.slice(slash + 1);
  // Docker Hub keys carry an API version path ("https://index.docker.io/v1/").
  if (/^v[12]$/.test(path)) path = "";
  return { host: normalizeHost(host), path };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith("*.")) return false;
  const suffix = pattern.slice(1);
  const label = host.slice(0, host.length - suffix.length);
  return host.endsWith(suffix) && label.length > 0 && !label.includes(".");
}

function pathMatches(prefix: string, path: string): boolean {
  return prefix === "" || path === prefix || path.startsWith(`${prefix}/`);
}

function decodeAuth(entry: Record<string, unknown>, key: string, secretName: string): AuthConfig {
  const str = (name: string): string | undefined =>
    typeof entry[name] === "string" && entry[name] !== "" ? (entry[name] as string) : undefined;
  let username = str("username");
  let password = str("password");
  const auth = str("auth");
  if (auth !== undefined && username === undefined) {
    const decoded = Buffer.from(auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) {
      throw new BerthError(
        ErrorCode.Invalid,
        `secret ${secretName}: the auth of registry ${key} is not base64 of "user:password"`,
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken = str("identitytoken");
  const registryToken = str("registrytoken");
  return {
    serverAddress: key,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(auth === undefined ? {} : { auth }),
    ...(identityToken === undefined ? {} : { identityToken }),
    ...(registryToken === undefined ? {} : { registryToken }),
  };
}

/** The registry entries of one pull secret; a secret of another type, or malformed, is an Invalid error. */
export function parsePullSecret(secret: ISecret): RegistryCredential[] {
  const name = `${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`;
  const data = secret.data ?? {};
  const raw = data[DOCKER_CONFIG_JSON_KEY] ?? data[DOCKER_CONFIG_KEY];
  if (raw === undefined) {
    throw new BerthError(
      ErrorCode.Invalid,
      `secret ${name} has neither ${DOCKER_CONFIG_JSON_KEY} nor ${DOCKER_CONFIG_KEY}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8"));
  } catch (err) {
    throw new BerthError(ErrorCode.Invalid, `secret ${name}: the docker config is not JSON`, { cause: err });
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(parsed))
    throw new BerthError(ErrorCode.Invalid, `secret ${name}: the docker config is not an object`);
  const auths = data[DOCKER_CONFIG_JSON_KEY] !== undefined ? parsed["auths"] : parsed;
  if (!isObject(auths))
    throw new BerthError(ErrorCode.Invalid, `secret ${name}: the docker config has no auths`);
  const out: RegistryCredential[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    if (!isObject(entry)) {
      throw new BerthError(
        ErrorCode.Invalid,
        `secret ${name}: the entry for registry ${key} is not an object`,
      );
    }
    out.push({ key, auth: decodeAuth(entry, key, name) });
  }
  return out;
}

/** Credentials that apply to image, most specific key first (longest path, then exact host). */
export function credentialsFor(image: string, credentials: readonly RegistryCredential[]): AuthConfig[] {
  const target = imageLocation(image);
  const matches = credentials
    .map((c) => ({ c, at: keyLocation(c.key) }))
    .filter(({ at }) => hostMatches(at.host, target.host) && pathMatches(at.path, target.path));
  matches.sort(
    (a, b) =>
      b.at.path.length - a.at.path.length ||
      Number(b.at.host === target.host) - Number(a.at.host === target.host),
  );
  return matches.map(({ c }) => c.auth);
}
