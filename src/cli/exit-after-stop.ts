/**
 * A server that has stopped should leave nothing open, and its process then ends when the event
 * loop drains. When something still holds the loop (a socket or a timer nothing closed), a
 * stopped process would wait for the supervisor's SIGKILL instead of exiting with its code, as
 * kube-apiserver exits once its shutdown is done. This ends it after a short grace and names
 * what was still open, so that the leak can be found.
 */
import type { Logger } from "../common/index.js";

/** How long a stopped process may take to drain before it is ended. */
export const EXIT_AFTER_STOP_MS = 1_000;

export function exitAfterStop(log: Logger, graceMs = EXIT_AFTER_STOP_MS): void {
  const timer = setTimeout(() => {
    log.warn({ open: process.getActiveResourcesInfo() }, "still open after stop; exiting");
    process.exit();
  }, graceMs);
  timer.unref();
}
