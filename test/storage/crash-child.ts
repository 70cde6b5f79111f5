import { writeSync } from "node:fs";
import { openSqliteStorage, type Synchronous } from "../../src/apiserver/storage/index.js";

/**
 * Child process of crash.test.ts: writes until killed and prints one line per acknowledged write
 * ("<key> <revision>"), with a synchronous write to fd 1 so that no acknowledgement sits in a
 * buffer when SIGKILL lands. Usage: crash-child.ts <db path> <full|normal> <start index>
 */
const [path, synchronous, first] = process.argv.slice(2);
if (path === undefined || (synchronous !== "full" && synchronous !== "normal")) {
  throw new Error("usage: crash-child.ts <db path> <full|normal> <start index>");
}
const storage = await openSqliteStorage({
  path,
  synchronous: synchronous as Synchronous,
  compactIntervalMs: 0,
});
const padding = "x".repeat(2_000);
let next = Number(first ?? "0");
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes a whole line to fd 1 before returning. The pipe is non-blocking: when the parent reads
 * slowly (a loaded machine) a write fails with EAGAIN or lands in part, so wait a millisecond and
 * go on with the rest. A line cut short by SIGKILL is a torn line, which the parent ignores.
 */
function ack(line: string): void {
  const bytes = Buffer.from(line);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

ack("ready\n");

async function writer(): Promise<void> {
  for (;;) {
    const i = next++;
    const key = `/registry/crash/${String(i).padStart(8, "0")}`;
    const revision = await storage.create(key, new TextEncoder().encode(JSON.stringify({ i, padding })));
    ack(`${key} ${revision}\n`);
  }
}

await Promise.all([writer(), writer(), writer(), writer()]);
