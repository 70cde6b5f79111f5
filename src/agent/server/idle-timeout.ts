/**
 * kubelet: streamingConnectionIdleTimeout. An exec, attach or port-forward connection that carries
 * nothing either way for that long is closed, which ends its session as a client's hang-up would.
 * For SPDY and port-forward connections Node's socket timeout is that measure: every read and
 * every write restarts it. A WebSocket exec or attach counts its data messages instead
 * (IdleTimer): kubectl pings such a session every few seconds, and the kubelet does not count
 * pings as activity.
 */
import type { Duplex } from "node:stream";

/** What closeWhenIdle needs of the upgraded connection (a TLS socket in the agent server). */
export type IdleTimedSocket = Pick<Duplex, "destroy" | "once"> & {
  setTimeout(ms: number): unknown;
};

/** Closes `socket` once it has been idle for `idleMs`; `onIdle` runs first. */
export function closeWhenIdle(socket: IdleTimedSocket, idleMs: number, onIdle: () => void): void {
  socket.setTimeout(idleMs);
  socket.once("timeout", () => {
    onIdle();
    socket.destroy();
  });
}

/** The upgraded connection when it can time out (a net or TLS socket), undefined for other streams. */
export function idleTimedSocket(socket: Duplex): IdleTimedSocket | undefined {
  const candidate = socket as Duplex & Partial<Pick<IdleTimedSocket, "setTimeout">>;
  return typeof candidate.setTimeout === "function" ? (candidate as IdleTimedSocket) : undefined;
}

/** Runs `onIdle` once `touch` has not been called for `idleMs`. */
export class IdleTimer {
  readonly #timer: NodeJS.Timeout;

  constructor(idleMs: number, onIdle: () => void) {
    this.#timer = setTimeout(onIdle, idleMs);
    this.#timer.unref();
  }

  /** Something moved: the idle time starts again. */
  touch(): void {
    this.#timer.refresh();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
