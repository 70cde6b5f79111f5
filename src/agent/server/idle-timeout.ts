/**
 * kubelet: streamingConnectionIdleTimeout. An exec, attach or port-forward connection that carries
 * nothing either way for that long is closed, which ends its session as a client's hang-up would.
 * For SPDY and port-forward connections Node's socket timeout is that measure: every read and
 * every write restarts it. A WebSocket exec or attach counts its data messages instead
 * (IdleTimer): kubectl pings such a session every few seconds, and the kubelet does not count
 * pings as activity.
 */
import type { Duplex } from "node:stream";

/**
 * Closes `socket` once it has been idle for `idleMs`; `onIdle` runs first. The agent server's
 * upgraded connections are TLS sockets; a stream without a socket's timeout is left alone.
 */
export function closeWhenIdle(socket: Duplex, idleMs: number, onIdle: () => void): void {
  const timed = socket as Duplex & { setTimeout?: (ms: number) => unknown };
  if (typeof timed.setTimeout !== "function") return;
  timed.setTimeout(idleMs);
  socket.once("timeout", () => {
    onIdle();
    socket.destroy();
  });
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
