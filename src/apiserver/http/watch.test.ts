import { createServer, get, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import type { ResourceStore } from "../registry/index.js";
import { serveWatch } from "./watch.js";

/** A store whose watch yields nothing and lasts until its signal aborts; it counts the watches. */
function foreverStore(): { store: ResourceStore; watches: () => number } {
  let watches = 0;
  const store = {
    watch(_ns: string | undefined, _after: number, signal: AbortSignal) {
      watches++;
      const ended = new Promise<IteratorResult<never>>((resolve) =>
        signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), { once: true }),
      );
      return { [Symbol.asyncIterator]: () => ({ next: () => ended }) };
    },
  } as unknown as ResourceStore;
  return { store, watches: () => watches };
}

function watchOf(store: ResourceStore, shutdown: AbortSignal) {
  return {
    store,
    afterRevision: 0,
    bookmarks: false,
    bookmarkIntervalMs: 1_000,
    timeoutMs: 300_000,
    shutdown,
    log: silentLogger(),
  };
}

describe("serveWatch", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  /**
   * Runs `serve` for one request once `when` calls `go` (`leave` ends the client's side first);
   * resolves when serveWatch has returned.
   */
  async function serveOne(
    when: (res: ServerResponse, go: () => void, leave: () => void) => void,
    serve: (res: ServerResponse) => Promise<void>,
  ): Promise<void> {
    let leave = (): void => {};
    const served = new Promise<void>((resolve) => {
      server = createServer((_req, res) => when(res, () => void serve(res).then(resolve), leave));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server?.address() as AddressInfo;
    const client = get({ host: "127.0.0.1", port, path: "/" });
    client.on("error", () => {});
    leave = () => client.destroy();
    await served;
    client.destroy();
  }

  it("ends at once, without watching, when its client left before the watch began", async () => {
    const { store, watches } = foreverStore();
    await serveOne(
      (res, go, leave) => {
        res.once("close", go);
        leave();
      },
      (res) => serveWatch(res, watchOf(store, new AbortController().signal)),
    );
    expect(watches()).toBe(0);
  });

  it("ends at once, without watching, when the server is already stopping", async () => {
    const { store, watches } = foreverStore();
    const shutdown = new AbortController();
    shutdown.abort();
    await serveOne(
      (_res, go) => go(),
      (res) => serveWatch(res, watchOf(store, shutdown.signal)),
    );
    expect(watches()).toBe(0);
  });

  it("ends when the server stops during the watch", async () => {
    const { store, watches } = foreverStore();
    const shutdown = new AbortController();
    await serveOne(
      (_res, go) => {
        go();
        setImmediate(() => shutdown.abort());
      },
      (res) => serveWatch(res, watchOf(store, shutdown.signal)),
    );
    expect(watches()).toBe(1);
  });
});
