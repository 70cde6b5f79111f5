/**
 * Authentication: bearer tokens from the data directory or from other token sources (bootstrap
 * tokens in kube-system Secrets), and client certificates signed by the
 * server's CA (CN is the user, O the groups, as kube-apiserver reads them). No credential is the
 * anonymous user, which authorization admits only to health and version endpoints.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { BerthError, ErrorCode } from "../../common/errors.js";
import { subjectOf } from "../../pki/index.js";

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

/** Kubernetes' well-known identities. */
export const ANONYMOUS_USER = "system:anonymous";
export const GROUP_MASTERS = "system:masters";
export const GROUP_NODES = "system:nodes";
export const GROUP_AUTHENTICATED = "system:authenticated";
export const NODE_USER_PREFIX = "system:node:";

export const ANONYMOUS: UserInfo = { name: ANONYMOUS_USER, groups: ["system:unauthenticated"] };

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Another kind of bearer token, such as bootstrap tokens: the user it stands for, if any. */
export interface TokenSource {
  userForToken(token: string): UserInfo | undefined;
}

export class Authenticator {
  private readonly tokens: { digest: Buffer; user: UserInfo }[];

  constructor(
    tokens: ReadonlyMap<string, UserInfo>,
    private readonly sources: readonly TokenSource[] = [],
  ) {
    this.tokens = [...tokens].map(([token, user]) => ({ digest: digest(token), user }));
  }

  /** The user a bearer token stands for, or undefined (what a TokenReview answers). */
  userForToken(token: string): UserInfo | undefined {
    const d = digest(token);
    const found = this.tokens.find((t) => timingSafeEqual(t.digest, d))?.user;
    const user = found ?? this.sources.map((s) => s.userForToken(token)).find((u) => u !== undefined);
    return user === undefined ? undefined : withAuthenticated(user);
  }

  /** The request's user; Unauthorized for a bearer token that is not known. */
  authenticate(req: IncomingMessage): UserInfo {
    const header = req.headers.authorization;
    if (header !== undefined && header !== "") {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (m === null) throw new BerthError(ErrorCode.Unauthorized, "Unauthorized");
      const user = this.userForToken(m[1] ?? "");
      if (user === undefined) throw new BerthError(ErrorCode.Unauthorized, "Unauthorized");
      return user;
    }
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.authorized === true && typeof socket.getPeerCertificate === "function") {
      const cert = socket.getPeerCertificate(false);
      const subject = cert?.raw ? subjectOf(cert.raw) : undefined;
      if (subject !== undefined && subject.commonName !== "") {
        return withAuthenticated({ name: subject.commonName, groups: subject.organizations });
      }
    }
    return ANONYMOUS;
  }
}

function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes(GROUP_AUTHENTICATED)
    ? user
    : { name: user.name, groups: [...user.groups, GROUP_AUTHENTICATED] };
}

/** The node a user speaks for (system:node:NAME in group system:nodes), if any. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(GROUP_NODES) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = user.name.slice(NODE_USER_PREFIX.length);
  return name === "" ? undefined : name;
}
