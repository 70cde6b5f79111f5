/**
 * A watch response: 200, chunked, one JSON event per line. Table rows when Table was negotiated;
 * BOOKMARKs (only when asked for) at most every bookmark interval, carrying the newest revision
 * this watcher has passed; a too-old revision is one ERROR event with a 410 Status, then the end.
 */
import type { ServerResponse } from "node:http";
import { errorMessage, isExpired } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { bookmarkOf, type ObjectFilter, type ResourceStore, type WatchEvent } from "../registry/index.js";
import { statusFromError } from "./status.js";
import { toTable, type IncludeObject } from "./table.js";

export interface WatchRequest {
  readonly store: ResourceStore;
  readonly namespace?: string;
  readonly afterRevision: number;
  readonly filter?: ObjectFilter;
  readonly bookmarks: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutMs?: number;
  readonly table?: { include: IncludeObject; now: () => Date };
  /** Server shutdown. */
  readonly shutdown: AbortSignal;
  readonly log: Logger;
}

export async function serveWatch(res: ServerResponse, req: WatchRequest): Promise<void> {
  // A watch reached as the server stops, or after its client left while it was being authorised,
  // ends here: neither the shutdown's abort nor the response's close would fire again, and its
  // timeout would keep a stopped server's process alive.
  if (req.shutdown.aborted || res.closed) {
    res.end();
    return;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  req.shutdown.addEventListener("abort", stop, { once: true });
  res.on("close", stop);
  const timer = req.timeoutMs !== undefined ? setTimeout(stop, req.timeoutMs) : undefined;
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();
  let firstTable = true;
  let revision = req.afterRevision;
  let sentRevision = req.afterRevision;
  const render = (ev: WatchEvent): unknown => {
    if (req.table === undefined || ev.type === "BOOKMARK") return ev.object;
    const table = toTable(req.store.def, [ev.object], {
      include: req.table.include,
      now: req.table.now(),
      withColumns: firstTable,
    });
    firstTable = false;
    return table;
  };
  /** False when the client is not reading fast enough: wait for drained() before the next. */
  const write = (type: string, object: unknown): boolean =>
    res.write(`${JSON.stringify({ type, object })}\n`);
  const bookmarkTimer = req.bookmarks
    ? setInterval(() => {
        if (revision > sentRevision && !res.writableNeedDrain) {
          sentRevision = revision;
          write("BOOKMARK", bookmarkOf(req.store.def, revision).object);
        }
      }, req.bookmarkIntervalMs)
    : undefined;
  try {
    for await (const ev of req.store.watch(req.namespace, req.afterRevision, controller.signal, req.filter)) {
      revision = Math.max(revision, ev.revision);
      if (ev.type === "BOOKMARK") continue;
      sentRevision = revision;
      // A client that does not read holds the rest of its events in the watch cache, whose
      // per-watcher limit ends the watch, instead of in this socket's unbounded write buffer.
      if (!write(ev.type, render(ev))) await drained(res, controller.signal);
    }
  } catch (err) {
    if (!controller.signal.aborted) {
      const status = statusFromError(err);
      if (!isExpired(err)) req.log.warn({ err: errorMessage(err), status }, "watch failed");
      write("ERROR", status);
    }
  } finally {
    if (timer) clearTimeout(timer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    req.shutdown.removeEventListener("abort", stop);
    res.end();
  }
}

/** Resolves when the response can take more, the connection closed, or the watch ended. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
