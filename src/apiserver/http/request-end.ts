/**
 * Ending a request that is refused before its body was read to the end. Before the Status is
 * written, the rest of the body is read and dropped, up to DRAIN_LIMIT_BYTES and DRAIN_TIMEOUT_MS:
 * when it ends, the connection serves the next request as usual. When it does not (an oversized
 * body, a client that sends slowly), the answer carries `Connection: close` and the connection is
 * closed cleanly: the server stops writing but keeps reading (and dropping) what the client still
 * sends until the client closes too, as Go's net/http does (closeWriteAndWait). Closing the socket
 * outright while body bytes are in flight makes the kernel answer them with a reset, which can
 * reach the client before it has read the Status (`socket hang up`, ECONNRESET).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** net/http: maxPostHandlerReadBytes, what is read of a refused body to keep its connection. */
export const DRAIN_LIMIT_BYTES = 256 * 1024;
/** How long a refusal waits for the rest of the body before it closes the connection instead. */
export const DRAIN_TIMEOUT_MS = 2_000;
/** How long a closing connection keeps reading before it is cut (Apache: MAX_SECS_TO_LINGER). */
export const LINGER_TIMEOUT_MS = 30_000;

/** Reads and drops the rest of the body; true when it ended within the limits. */
function drain(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let read = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      // Whatever still comes is dropped: flowing with no "data" listener.
      req.resume();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_LIMIT_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), DRAIN_TIMEOUT_MS);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("close", onClose);
    req.resume();
  });
}

/** End the writing side, read until the client closes, cut it after LINGER_TIMEOUT_MS. */
function lingeringClose(socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_TIMEOUT_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.end();
  socket.resume();
}

/**
 * Call before writing a refusal. Drains what is left of the body; when that is too much, marks
 * the answer `Connection: close` and has the connection close cleanly once it is written.
 */
export async function endRefusedRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.complete || req.destroyed || res.headersSent) return;
  if (await drain(req)) return;
  const socket = req.socket;
  if (socket.destroyed || res.headersSent) return;
  res.setHeader("Connection", "close");
  // The HTTP server ends a `Connection: close` exchange with socket.destroySoon(), which destroys
  // the socket as soon as its last byte is written: this connection lingers instead.
  socket.destroySoon = () => lingeringClose(socket);
}
