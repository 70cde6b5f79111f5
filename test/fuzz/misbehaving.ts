/**
 * Clients that misbehave beside the fuzz: watches that never read a byte, uploads that trickle and
 * are abandoned, requests cut off half-way through their head, clients gone before their answer.
 * The server must keep serving everyone else; none of these may cost it unbounded memory.
 */
import type { TLSSocket } from "node:tls";
import type { FuzzClient } from "./client.js";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Opens `count` watches on `path` whose responses are never read. */
export async function stalledWatches(client: FuzzClient, path: string, count: number): Promise<TLSSocket[]> {
  const sockets: TLSSocket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = await client.rawSocket();
    socket.on("error", () => undefined);
    socket.write(client.head("GET", `${path}?watch=true`, { Accept: "application/json" }));
    // Read nothing, ever: the server's writes pile up against a full window.
    socket.pause();
    sockets.push(socket);
  }
  return sockets;
}

/** Trickles part of a body, then abandons the connection; repeats until `signal` aborts. */
export async function trickleAndAbandon(
  client: FuzzClient,
  path: string,
  signal: AbortSignal,
): Promise<number> {
  let sessions = 0;
  while (!signal.aborted) {
    const socket = await client.rawSocket();
    socket.on("error", () => undefined);
    socket.resume();
    socket.write(
      client.head("POST", path, { "Content-Type": "application/json", "Content-Length": 100_000 }),
    );
    for (let i = 0; i < 5 && !signal.aborted; i++) {
      socket.write('{"metadata":');
      await sleep(200);
    }
    socket.destroy();
    sessions++;
  }
  return sessions;
}

/** Sends half a request head and leaves; then a full request and leaves before the answer. */
export async function cutOffClients(client: FuzzClient, path: string, signal: AbortSignal): Promise<number> {
  let sessions = 0;
  while (!signal.aborted) {
    const half = await client.rawSocket();
    half.on("error", () => undefined);
    half.write(client.head("GET", path, {}).slice(0, 30));
    await sleep(100);
    half.destroy();
    const gone = await client.rawSocket();
    gone.on("error", () => undefined);
    gone.write(client.head("GET", `${path}?limit=500`, { Accept: "application/json" }));
    gone.destroy();
    sessions += 2;
    await sleep(100);
  }
  return sessions;
}
