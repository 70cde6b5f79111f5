/**
 * The in-process API server fixture: a fresh `ApiServer` on 127.0.0.1 with its data in a temp
 * directory (or a given one), an admin client, and stop/halt. Every test that needs an API server
 * in its own process starts it here; tests that run `berth apiserver` as a program use cluster.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "../../src/api/index.js";
import { ApiServer } from "../../src/apiserver/index.js";
import { silentLogger, type Logger } from "../../src/common/index.js";

export interface TestServer {
  readonly server: ApiServer;
  /** The server's data directory (the temp directory, or the one given). */
  readonly dir: string;
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  /** An admin kubeconfig for the server. */
  readonly kubeconfig: string;
  /** An admin client, closed by stop() and halt(). */
  readonly client: ApiClient;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data directory (for a restart). */
  halt(): Promise<void>;
}

export interface StartOptions {
  readonly bookmarkIntervalMs?: number;
  /** Data directory; a new temp directory when not given. */
  readonly dir?: string;
  /** host:port; 127.0.0.1:0 (any free port) when not given. */
  readonly listen?: string;
  readonly etcdEndpoint?: string;
  readonly logger?: Logger;
  /** --admission-control-config-file. */
  readonly admissionControlConfigFile?: string;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "berth-apiserver-")));
  const server = new ApiServer({
    dataDir: dir,
    listen: options.listen ?? "127.0.0.1:0",
    logger: options.logger ?? silentLogger(),
    ...(options.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
    ...(options.etcdEndpoint !== undefined
      ? { storage: "etcd" as const, etcdEndpoints: [options.etcdEndpoint] }
      : {}),
    ...(options.admissionControlConfigFile !== undefined
      ? { admissionControlConfigFile: options.admissionControlConfigFile }
      : {}),
  });
  await server.start(new AbortController().signal);
  await server.ready;
  const creds = server.credentials;
  if (creds === undefined) throw new Error("the API server has no credentials after start");
  const client = await ApiClient.fromKubeconfig(server.kubeconfigPath);
  const halt = async (): Promise<void> => {
    await client.close();
    await server.stop();
  };
  return {
    server,
    dir,
    url: server.url,
    token: creds.adminToken,
    caPem: creds.ca.certPem,
    kubeconfig: server.kubeconfigPath,
    client,
    halt,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
