import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's etcd-server package; scripts/runtime-env.sh installs it on a fresh machine. */
export const ETCD_BINARY = process.env["ETCD_BINARY"] ?? "/usr/bin/etcd";

export interface EtcdServer {
  /** The client URL, e.g. http://127.0.0.1:40123. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

async function waitHealthy(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${endpoint}/health`);
      const body = (await res.json()) as { health?: string };
      if (body.health === "true") return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd at ${endpoint} not healthy after ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts a single-member etcd on loopback with free ports and a throw-away data directory, and
 * waits until it reports healthy. A missing binary is an error: the test fails, it does not skip.
 */
export async function startEtcd(timeoutMs = 30_000): Promise<EtcdServer> {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`${ETCD_BINARY} not found: install Debian's etcd-server (scripts/runtime-env.sh does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "berth-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    ETCD_BINARY,
    [
      "--name=berth-test",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=berth-test=${peer}`,
      "--initial-cluster-state=new",
      "--log-level=warn",
      "--logger=zap",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(endpoint, child, () => output, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}
