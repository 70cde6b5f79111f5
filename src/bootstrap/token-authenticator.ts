/**
 * Authenticates bearer tokens of kubeadm's form against the bootstrap token Secrets in
 * kube-system (kube-apiserver's --enable-bootstrap-token-auth). It keeps the Secrets from a watch
 * in memory, as the upstream authenticator reads them from an informer's lister, so that checking
 * a request's token needs no storage read.
 */
import { errorMessage, type Clock, type Logger } from "../common/index.js";
import { authenticateToken, parseToken, tokenIdOf, type BootstrapUser, type StoredSecret } from "./token.js";

/** How long a failed watch of the Secrets waits before it starts again. */
export const SECRET_WATCH_RETRY_MS = 1_000;

export interface SecretEvent {
  readonly type: string;
  readonly object: StoredSecret;
}

export interface BootstrapTokenAuthenticatorOptions {
  /** Watches kube-system's Secrets from the current state (ADDED for each first). */
  readonly watchSecrets: (signal: AbortSignal) => AsyncIterable<SecretEvent>;
  readonly clock: Pick<Clock, "now" | "sleep">;
  readonly log: Logger;
}

export class BootstrapTokenAuthenticator {
  readonly #o: BootstrapTokenAuthenticatorOptions;
  readonly #secrets = new Map<string, StoredSecret>();

  constructor(options: BootstrapTokenAuthenticatorOptions) {
    this.#o = options;
  }

  /** Follows the Secrets until the signal aborts; a failed watch starts over. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        // The watch starts with the current state: what it no longer lists is gone.
        this.#secrets.clear();
        for await (const ev of this.#o.watchSecrets(signal)) {
          const id = tokenIdOf(ev.object);
          if (id === undefined) continue;
          if (ev.type === "DELETED") this.#secrets.delete(id);
          else if (ev.type === "ADDED" || ev.type === "MODIFIED") this.#secrets.set(id, ev.object);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.#o.log.warn({ err: errorMessage(err) }, "bootstrap token secret watch failed; restarting");
        await this.#o.clock.sleep(SECRET_WATCH_RETRY_MS, signal).catch(() => undefined);
      }
    }
  }

  /** The user a bearer token stands for, or undefined when it is not a valid bootstrap token. */
  userForToken(text: string): BootstrapUser | undefined {
    const token = parseToken(text);
    if (token === undefined) return undefined;
    const secret = this.#secrets.get(token.id);
    if (secret === undefined) return undefined;
    const result = authenticateToken(token, secret, this.#o.clock.now());
    if ("reason" in result) {
      this.#o.log.debug({ tokenId: token.id, reason: result.reason }, "bootstrap token refused");
      return undefined;
    }
    return result.user;
  }
}
