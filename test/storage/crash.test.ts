import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStorage, type Synchronous } from "../../src/apiserver/storage/index.js";

const child = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const hooks = fileURLToPath(new URL("../support/ts-hooks.ts", import.meta.url));

interface Ack {
  readonly key: string;
  readonly revision: number;
}

/** Runs the writer until it acknowledged `atLeast` writes, then SIGKILLs it mid-burst. */
function burstAndKill(
  path: string,
  synchronous: Synchronous,
  start: number,
  atLeast: number,
): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        "--experimental-transform-types",
        "--no-warnings",
        "--import",
        hooks,
        child,
        path,
        synchronous,
        String(start),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const acks: Ack[] = [];
    let pending = "";
    let stderr = "";
    let killed = false;
    proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    proc.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "ready") continue;
        const [key, rev] = line.split(" ");
        acks.push({ key: key as string, revision: Number(rev) });
      }
      if (!killed && acks.length >= atLeast) {
        killed = true;
        proc.kill("SIGKILL");
      }
    });
    proc.on("error", reject);
    proc.on("exit", (_code, signal) => {
      // Lines that arrived before the kill are acknowledgements too; a torn last line is not.
      if (signal !== "SIGKILL") reject(new Error(`writer exited without being killed:\n${stderr}`));
      else resolve(acks);
    });
  });
}

describe.each<Synchronous>(["full", "normal"])("sqlite crash safety (synchronous=%s)", (synchronous) => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every acknowledged write across kill -9, and revisions only grow after restart", async () => {
    dir = mkdtempSync(join(tmpdir(), "berth-crash-"));
    const path = join(dir, "state.db");
    let start = 0;
    let floor = 0;
    for (let round = 0; round < 2; round++) {
      const acks = await burstAndKill(path, synchronous, start, 400);
      expect(acks.length).toBeGreaterThanOrEqual(400);
      const storage = await openSqliteStorage({ path, compactIntervalMs: 0 });
      try {
        const maxAck = Math.max(...acks.map((a) => a.revision));
        expect(Math.min(...acks.map((a) => a.revision))).toBeGreaterThan(floor);
        for (const ack of acks) {
          const got = await storage.get(ack.key);
          expect(got, ack.key).toBeDefined();
          expect(got!.modRevision).toBe(ack.revision);
        }
        const now = await storage.revision();
        expect(now).toBeGreaterThanOrEqual(maxAck);
        const after = await storage.create("/registry/crash/after-restart", new TextEncoder().encode("{}"));
        expect(after).toBeGreaterThan(now);
        await storage.delete("/registry/crash/after-restart");
        floor = await storage.revision();
        start += acks.length + 100;
      } finally {
        await storage.close();
      }
    }
  });
});
