/**
 * Bootstrap tokens as kubeadm makes them (k8s.io/cluster-bootstrap/token): "<id>.<secret>", kept
 * in kube-system as a Secret of type bootstrap.kubernetes.io/token named bootstrap-token-<id>. The
 * API server reads a presented token as user system:bootstrap:<id> in group system:bootstrappers
 * plus the Secret's auth-extra-groups. This file holds the format and the rules; no I/O.
 */
import { randomInt, timingSafeEqual } from "node:crypto";

/** cluster-bootstrap: BootstrapTokenPattern. */
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** cluster-bootstrap: SecretTypeBootstrapToken. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
/** cluster-bootstrap: BootstrapTokenSecretPrefix; the Secrets live in kube-system. */
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = "bootstrap-token-";
export const BOOTSTRAP_TOKEN_NAMESPACE = "kube-system";
/** cluster-bootstrap: BootstrapUserPrefix and BootstrapDefaultGroup. */
export const BOOTSTRAP_USER_PREFIX = "system:bootstrap:";
export const GROUP_BOOTSTRAPPERS = "system:bootstrappers";
/** kubeadm: NodeBootstrapTokenAuthGroup, the extra group of tokens for joining nodes. */
export const GROUP_DEFAULT_NODE_TOKEN = "system:bootstrappers:kubeadm:default-node-token";
/** kubeadm: DefaultTokenDuration (24 h). */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600 * 1000;

/** Secret data keys (cluster-bootstrap: BootstrapTokenIDKey, ...). */
export const TokenKeys = {
  id: "token-id",
  secret: "token-secret",
  expiration: "expiration",
  description: "description",
  usageAuthentication: "usage-bootstrap-authentication",
  usageSigning: "usage-bootstrap-signing",
  extraGroups: "auth-extra-groups",
} as const;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
}

export interface BootstrapUser {
  readonly name: string;
  readonly groups: readonly string[];
}

/** The id and secret of a token in kubeadm's form, or undefined. */
export function parseToken(text: string): BootstrapToken | undefined {
  const m = BOOTSTRAP_TOKEN_PATTERN.exec(text.trim());
  return m === null ? undefined : { id: m[1] ?? "", secret: m[2] ?? "" };
}

export function formatToken(token: BootstrapToken): string {
  return `${token.id}.${token.secret}`;
}

/** A new random token (crypto-strength, as kubeadm's GenerateBootstrapToken). */
export function generateToken(): BootstrapToken {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return { id: pick(6), secret: pick(16) };
}

export function secretName(id: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

export interface TokenSecretOptions {
  /** ms since the epoch; undefined: never expires (kubeadm --ttl 0). */
  readonly expiresAt?: number;
  readonly description?: string;
  readonly extraGroups?: readonly string[];
}

/** The kube-system Secret that makes `token` valid for authentication (as `kubeadm token create`). */
export function tokenSecret(
  token: BootstrapToken,
  options: TokenSecretOptions = {},
): Record<string, unknown> {
  const stringData: Record<string, string> = {
    [TokenKeys.id]: token.id,
    [TokenKeys.secret]: token.secret,
    [TokenKeys.usageAuthentication]: "true",
    [TokenKeys.usageSigning]: "true",
    [TokenKeys.extraGroups]: (options.extraGroups ?? [GROUP_DEFAULT_NODE_TOKEN]).join(","),
  };
  if (options.expiresAt !== undefined) stringData[TokenKeys.expiration] = rfc3339(options.expiresAt);
  if (options.description !== undefined) stringData[TokenKeys.description] = options.description;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: secretName(token.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    stringData,
  };
}

/** A Secret as stored: data values in base64. */
export interface StoredSecret {
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly deletionTimestamp?: string;
  };
  readonly type?: unknown;
  readonly data?: unknown;
}

function dataValue(secret: StoredSecret, key: string): string | undefined {
  const data = secret.data;
  if (typeof data !== "object" || data === null) return undefined;
  const v = (data as Record<string, unknown>)[key];
  return typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : undefined;
}

/** The token id a Secret describes when it is a bootstrap token Secret, else undefined. */
export function tokenIdOf(secret: StoredSecret): string | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
  if (secret.metadata.namespace !== BOOTSTRAP_TOKEN_NAMESPACE) return undefined;
  const id = dataValue(secret, TokenKeys.id);
  return id !== undefined && secret.metadata.name === secretName(id) ? id : undefined;
}

/** When the Secret's token expires (ms), undefined when it never does, NaN when unreadable. */
export function expirationOf(secret: StoredSecret): number | undefined {
  const text = dataValue(secret, TokenKeys.expiration);
  return text === undefined ? undefined : Date.parse(text);
}

/**
 * The user `token` authenticates as by `secret`, or why not (the bootstrap token authenticator's
 * checks: type, name, not being deleted, secret, expiration, usage, extra groups).
 */
export function authenticateToken(
  token: BootstrapToken,
  secret: StoredSecret,
  now: number,
): { readonly user: BootstrapUser } | { readonly reason: string } {
  if (tokenIdOf(secret) !== token.id) return { reason: "not a bootstrap token secret for this token id" };
  if (secret.metadata.deletionTimestamp !== undefined)
    return { reason: "the token's secret is being deleted" };
  const stored = Buffer.from(dataValue(secret, TokenKeys.secret) ?? "");
  const given = Buffer.from(token.secret);
  if (stored.length !== given.length || !timingSafeEqual(stored, given))
    return { reason: "wrong token secret" };
  const expires = expirationOf(secret);
  if (expires !== undefined && !(expires > now)) return { reason: "the token has expired" };
  if (dataValue(secret, TokenKeys.usageAuthentication) !== "true") {
    return { reason: `${TokenKeys.usageAuthentication} is not "true"` };
  }
  const extra = (dataValue(secret, TokenKeys.extraGroups) ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter((g) => g !== "");
  const bad = extra.find((g) => !EXTRA_GROUP.test(g));
  if (bad !== undefined)
    return { reason: `extra group ${JSON.stringify(bad)} is not under system:bootstrappers:` };
  return {
    user: { name: `${BOOTSTRAP_USER_PREFIX}${token.id}`, groups: [GROUP_BOOTSTRAPPERS, ...new Set(extra)] },
  };
}
