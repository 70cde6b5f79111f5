/**
 * Who may call the agent's server (kubelet's webhook authentication and authorization):
 * a client certificate signed by the cluster CA names the user (CN) and groups (O); a bearer token
 * is checked with a TokenReview; anything else is anonymous and refused (401). Every
 * authenticated request is authorized with a SubjectAccessReview for nodes/{subresource}
 * (403 when denied). Answers are cached as the kubelet's defaults say.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { ApiClient } from "../../api/index.js";
import { BerthError, ErrorCode, type Clock } from "../../common/index.js";
import { subjectOf } from "../../pki/index.js";
import type { NodeRequestAttributes } from "./request-attributes.js";

export interface CallerIdentity {
  readonly name: string;
  readonly groups: readonly string[];
}

/** kubelet: authentication.webhook.cacheTTL default (2m). */
export const AUTHENTICATION_CACHE_TTL_MS = 2 * 60_000;
/** kubelet: authorization.webhook.cacheAuthorizedTTL (5m) and cacheUnauthorizedTTL (30s). */
export const AUTHORIZED_CACHE_TTL_MS = 5 * 60_000;
export const UNAUTHORIZED_CACHE_TTL_MS = 30_000;
/** Entries kept per cache; the oldest go first. */
const CACHE_SIZE = 1024;

class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly clock: Clock) {}
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.until <= this.clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, ttlMs: number): void {
    if (this.#entries.size >= CACHE_SIZE) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { value, until: this.clock.now() + ttlMs });
  }
}

export type ReviewClient = Pick<ApiClient, "create">;

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string; groups?: string[] }; error?: string };
}
interface AccessReview {
  status?: { allowed?: boolean; reason?: string };
}

export class AgentAuth {
  readonly #tokens: TtlCache<CallerIdentity | null>;
  readonly #decisions: TtlCache<{ allowed: boolean; reason: string }>;

  constructor(
    private readonly client: ReviewClient,
    clock: Clock,
  ) {
    this.#tokens = new TtlCache(clock);
    this.#decisions = new TtlCache(clock);
  }

  /** The caller, or Unauthorized. The TLS server must have checked the certificate against the CA. */
  async authenticate(req: IncomingMessage): Promise<CallerIdentity> {
    const header = req.headers.authorization;
    if (header !== undefined && header !== "") {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (m?.[1] === undefined) throw unauthorized();
      const user = await this.#reviewToken(m[1]);
      if (user === null) throw unauthorized();
      return user;
    }
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.authorized === true && typeof socket.getPeerCertificate === "function") {
      const subject = subjectOf(socket.getPeerCertificate(false));
      if (subject !== undefined && subject.commonName !== "") {
        return { name: subject.commonName, groups: [...subject.organizations, "system:authenticated"] };
      }
    }
    throw unauthorized();
  }

  /** Resolves when the caller may; Forbidden with the kubelet's message otherwise. */
  async authorize(user: CallerIdentity, attrs: NodeRequestAttributes): Promise<void> {
    const key = JSON.stringify([user.name, user.groups, attrs.verb, attrs.subresource, attrs.name]);
    let decision = this.#decisions.get(key);
    if (decision === undefined) {
      const review = await this.client.create<AccessReview & Record<string, unknown>>(
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: user.name,
            groups: [...user.groups],
            resourceAttributes: {
              verb: attrs.verb,
              group: "",
              version: "v1",
              resource: attrs.resource,
              subresource: attrs.subresource,
              name: attrs.name,
            },
          },
        },
      );
      decision = { allowed: review.status?.allowed === true, reason: review.status?.reason ?? "" };
      this.#decisions.set(
        key,
        decision,
        decision.allowed ? AUTHORIZED_CACHE_TTL_MS : UNAUTHORIZED_CACHE_TTL_MS,
      );
    }
    if (!decision.allowed) {
      throw new BerthError(
        ErrorCode.Forbidden,
        `Forbidden (user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`,
      );
    }
  }

  async #reviewToken(token: string): Promise<CallerIdentity | null> {
    const cached = this.#tokens.get(token);
    if (cached !== undefined) return cached;
    const review = await this.client.create<TokenReview & Record<string, unknown>>(
      "/apis/authentication.k8s.io/v1/tokenreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    );
    const u = review.status?.user;
    const user =
      review.status?.authenticated === true && typeof u?.username === "string"
        ? { name: u.username, groups: u.groups ?? [] }
        : null;
    this.#tokens.set(token, user, AUTHENTICATION_CACHE_TTL_MS);
    return user;
  }
}

function unauthorized(): BerthError {
  return new BerthError(ErrorCode.Unauthorized, "Unauthorized");
}
