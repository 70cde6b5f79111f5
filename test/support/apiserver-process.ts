/**
 * `berth apiserver` as a child process (SQLite in a temp dir, a free loopback port), for tests that
 * need the server in its own process: under load its event loop is not the test's, and what the
 * client sees is what a remote client sees.
 */
import { access, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ApiClient } from "../../src/api/index.js";
import { BerthProcess, berthMain } from "./cluster-process.js";

const API_READY_TIMEOUT_MS = 30_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the API server wrote its admin kubeconfig and answers /version. */
export async function waitApiReady(apiserver: BerthProcess, kubeconfig: string): Promise<void> {
  const deadline = Date.now() + API_READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!apiserver.running) {
      throw new Error(
        `berth apiserver exited (${String(await apiserver.exited())}):\n${await apiserver.tail()}`,
      );
    }
    try {
      await access(kubeconfig);
      const client = await ApiClient.fromKubeconfig(kubeconfig);
      try {
        await client.get("/version");
        return;
      } finally {
        await client.close();
      }
    } catch (err) {
      lastError = err;
    }
    // Start-up has nothing to watch yet: a short poll is the only way to see the port open.
    await sleep(100);
  }
  throw new Error(`berth apiserver not ready after ${API_READY_TIMEOUT_MS} ms: ${String(lastError)}`);
}

export interface ApiServerProcess {
  readonly process: BerthProcess;
  readonly dir: string;
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  readonly kubeconfig: string;
  stop(): Promise<void>;
}

/** Starts `berth apiserver` in a fresh temp dir and waits until it answers. */
export async function startApiServerProcess(): Promise<ApiServerProcess> {
  await access(berthMain()).catch(() => {
    throw new Error(`${berthMain()} is missing: run npm run build (scripts/test.sh does)`);
  });
  const dir = await mkdtemp(join(tmpdir(), "berth-apiserver-"));
  const dataDir = join(dir, "data");
  await mkdir(dataDir);
  const port = await freePort();
  const apiserver = new BerthProcess(
    "apiserver",
    ["apiserver", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`],
    join(dir, "apiserver.log"),
  );
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  await apiserver.start();
  try {
    await waitApiReady(apiserver, kubeconfig);
  } catch (err) {
    await apiserver.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const doc = parse(await readFile(kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = doc.clusters[0]?.cluster;
  const token = doc.users[0]?.user.token;
  if (cluster === undefined || token === undefined) throw new Error(`${kubeconfig} has no cluster or token`);
  return {
    process: apiserver,
    dir,
    url: cluster.server,
    token,
    caPem: Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8"),
    kubeconfig,
    async stop() {
      await apiserver.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
