import { EventEmitter, once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeWhenIdle, IdleTimer } from "./idle-timeout.js";
import { Duplex } from "node:stream";

describe("closeWhenIdle", () => {
  it("arms the socket's idle timer and destroys the socket when it fires", () => {
    const socket = Object.assign(new EventEmitter(), {
      timeouts: [] as number[],
      destroyed: false,
      setTimeout(ms: number) {
        this.timeouts.push(ms);
      },
      destroy() {
        this.destroyed = true;
        return this as never;
      },
    });
    const idle: string[] = [];
    closeWhenIdle(socket as never, 4 * 60 * 60_000, () => idle.push("idle"));
    expect(socket.timeouts).toEqual([4 * 60 * 60_000]);
    expect(socket.destroyed).toBe(false);
    socket.emit("timeout");
    expect(idle).toEqual(["idle"]);
    expect(socket.destroyed).toBe(true);
  });

  it("closes a real connection on which nothing moves, and the peer sees the end", async () => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("no address");
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const client = connect(address.port, "127.0.0.1");
    const [serverSide] = await accepted;
    let idle = 0;
    closeWhenIdle(serverSide, 20, () => idle++);
    await once(client, "close");
    expect(idle).toBe(1);
    expect(serverSide.destroyed).toBe(true);
    server.close();
  });

  it("leaves a stream that is not a socket alone", () => {
    const stream = new Duplex();
    closeWhenIdle(stream, 20, () => undefined);
    expect(stream.listenerCount("timeout")).toBe(0);
  });
});

describe("IdleTimer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once nothing has touched it for the idle time, and not after a stop", () => {
    vi.useFakeTimers();
    let idle = 0;
    const timer = new IdleTimer(1000, () => idle++);
    vi.advanceTimersByTime(900);
    timer.touch();
    vi.advanceTimersByTime(900);
    expect(idle).toBe(0);
    vi.advanceTimersByTime(100);
    expect(idle).toBe(1);

    const stopped = new IdleTimer(1000, () => idle++);
    stopped.stop();
    vi.advanceTimersByTime(5000);
    expect(idle).toBe(1);
  });
});
