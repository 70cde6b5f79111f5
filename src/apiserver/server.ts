/**
 * The mini API server: storage, registry and the HTTPS endpoint, with the common lifecycle
 * start(signal) / ready / stop(). On start it prepares the data directory (CA, certificates, admin
 * token, admin.kubeconfig), makes sure the built-in namespaces exist and listens.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BootstrapTokenAuthenticator, BOOTSTRAP_TOKEN_NAMESPACE } from "../bootstrap/index.js";
import { systemClock } from "../common/clock.js";
import { isAlreadyExists } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { AdmissionChain, PodSecurityAdmission, RuntimeClassAdmission } from "./admission/index.js";
import { CsrSigner } from "./certificates/index.js";
import { AgentProxy } from "./http/agent-proxy.js";
import { Authenticator, GROUP_MASTERS, type UserInfo } from "./http/authn.js";
import { Authorizer, NODE_LEASE_NAMESPACE } from "./http/authz.js";
import type { ApiContext } from "./http/context.js";
import { RequestHandler } from "./http/handler.js";
import { ApiServerMetrics } from "./http/request-metrics.js";
import { loadOrCreateCredentials, writeAdminKubeconfig, type Credentials } from "./credentials.js";
import {
  IDLE_TIMEOUT_MS,
  MAX_HEADER_BYTES,
  READ_HEADER_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  resolveOptions,
  SHUTDOWN_GRACE_MS,
  type ApiServerOptions,
  type HostPort,
  type ResolvedOptions,
} from "./options.js";
import { RESOURCES, ResourceStore, forbidden, stringAt, type KubeObject } from "./registry/index.js";
import { openEtcdStorage, openSqliteStorage, openWatchCache, type Storage } from "./storage/index.js";

/** Namespaces that exist from the start (kube-apiserver's system namespaces). */
export const BUILTIN_NAMESPACES = ["default", "kube-system", "kube-public", NODE_LEASE_NAMESPACE];
export const SQLITE_FILE = "state.db";

export class ApiServer {
  private readonly options: ResolvedOptions;
  private readonly log: Logger;
  private readonly shutdown = new AbortController();
  private readonly servers: HttpServer[] = [];
  private storage: Storage | undefined;
  private stopping: Promise<void> | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;
  /** Resolves once the server listens; rejects if start fails. */
  readonly ready: Promise<void>;
  /** https://host:port as clients reach it, once ready. */
  url = "";
  /** http://host:port of --insecure-listen, once ready. */
  insecureUrl = "";
  kubeconfigPath = "";
  credentials: Credentials | undefined;

  constructor(options: ApiServerOptions) {
    this.options = resolveOptions(options);
    this.log = this.options.logger;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => void this.stop(), { once: true });
    try {
      await this.startInner();
      this.resolveReady();
    } catch (err) {
      this.rejectReady(err);
      await this.stop();
      throw err;
    }
  }

  private async openStorage(): Promise<Storage> {
    const o = this.options;
    const backend =
      o.storage === "etcd"
        ? await openEtcdStorage({ endpoints: o.etcdEndpoints, logger: this.log.child({ storage: "etcd" }) })
        : await openSqliteStorage({
            path: join(o.dataDir, SQLITE_FILE),
            logger: this.log.child({ storage: "sqlite" }),
          });
    return openWatchCache(backend, {
      logger: this.log.child({ storage: "watch-cache" }),
      bookmarkIntervalMs: o.bookmarkIntervalMs,
    });
  }

  private async startInner(): Promise<void> {
    const o = this.options;
    const creds = await loadOrCreateCredentials(o.dataDir, o.advertiseAddress);
    this.credentials = creds;
    const storage = await this.openStorage();
    this.storage = storage;
    const stores = new Map<string, ResourceStore>();
    const storeCtx = {
      storage,
      now: o.now,
      // NamespaceLifecycle admission: no new content in a namespace being terminated
      requireNamespace: async (ns: string) => {
        const found = await nsStore().get(undefined, ns);
        if (found.metadata.deletionTimestamp !== undefined) {
          throw forbidden(`unable to create new content in namespace ${ns} because it is being terminated`);
        }
      },
    };
    for (const def of RESOURCES) stores.set(`${def.group}/${def.plural}`, new ResourceStore(def, storeCtx));
    const nsStore = () => stores.get("/namespaces") as ResourceStore;
    for (const name of BUILTIN_NAMESPACES) {
      await nsStore()
        .create(undefined, { metadata: { name } })
        .catch((err: unknown) => {
          if (!isAlreadyExists(err)) throw err;
        });
    }
    void new CsrSigner({
      csrs: stores.get("certificates.k8s.io/certificatesigningrequests") as ResourceStore,
      nodes: stores.get("/nodes") as ResourceStore,
      ca: creds.ca,
      now: o.now,
      log: this.log.child({ component: "csr-signer" }),
    }).start(this.shutdown.signal);
    const tokens = new Map<string, UserInfo>([
      [creds.adminToken, { name: "admin", groups: [GROUP_MASTERS] }],
    ]);
    const secretStore = stores.get("/secrets") as ResourceStore;
    const bootstrapTokens = new BootstrapTokenAuthenticator({
      watchSecrets: (signal) => secretStore.watch(BOOTSTRAP_TOKEN_NAMESPACE, 0, signal),
      clock: { now: () => o.now().getTime(), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
      log: this.log.child({ component: "bootstrap-token-authenticator" }),
    });
    void bootstrapTokens.start(this.shutdown.signal);
    const podStore = stores.get("/pods") as ResourceStore;
    const authorizer = new Authorizer({
      get: async (resource, namespace, name) => {
        const store = [...stores.values()].find((s) => s.def.plural === resource);
        return store?.get(namespace, name).catch(() => undefined);
      },
      podsOnNode: async (node, namespace) =>
        (
          await podStore.list(namespace, {
            filter: (p: KubeObject) => stringAt(p, "spec", "nodeName") === node,
          })
        ).items,
    });
    const advertise =
      o.advertiseAddress ??
      (o.listen.host === "0.0.0.0" || o.listen.host === "::" ? "127.0.0.1" : o.listen.host);
    const runtimeClasses = stores.get("node.k8s.io/runtimeclasses") as ResourceStore;
    const runtimeClass = new RuntimeClassAdmission({
      getRuntimeClass: (name) => runtimeClasses.get(undefined, name),
    });
    const podSecurity = new PodSecurityAdmission({
      config: o.admission.podSecurity,
      getNamespace: (name) => nsStore().get(undefined, name),
      listPods: async (namespace) => (await podStore.list(namespace)).items,
      clock: { now: () => o.now().getTime() },
    });
    const admission = new AdmissionChain({
      mutating: [runtimeClass],
      validating: [runtimeClass, podSecurity],
      log: this.log.child({ component: "admission" }),
    });
    const ctx: ApiContext = {
      defs: RESOURCES,
      store: (group, plural) => stores.get(`${group}/${plural}`),
      authenticator: new Authenticator(tokens, [bootstrapTokens]),
      authorizer,
      admission,
      log: this.log.child({ component: "apiserver" }),
      now: o.now,
      maxBodyBytes: o.maxBodyBytes,
      bookmarkIntervalMs: o.bookmarkIntervalMs,
      shutdown: this.shutdown.signal,
      serverAddress: `${advertise}:${o.listen.port}`,
      proxy: new AgentProxy(
        { caPem: creds.ca.certPem, certPem: creds.agentClient.certPem, keyPem: creds.agentClient.keyPem },
        this.log.child({ component: "agent-proxy" }),
      ),
      metrics: new ApiServerMetrics(),
    };
    const handler = new RequestHandler(ctx);
    const secure = createHttpsServer(
      {
        key: creds.serving.keyPem,
        // The chain ends with the CA, so that a joining node can discover it (and pin its hash).
        cert: `${creds.serving.certPem.trimEnd()}\n${creds.ca.certPem}`,
        ca: creds.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
        maxHeaderSize: MAX_HEADER_BYTES,
      },
      handler.handle,
    );
    secure.on("upgrade", handler.handleUpgrade);
    const port = await this.listen(secure, o.listen);
    const host = advertise.includes(":") ? `[${advertise}]` : advertise;
    this.url = `https://${host}:${port}`;
    this.kubeconfigPath = await writeAdminKubeconfig(o.dataDir, this.url, creds);
    if (o.insecureListen !== undefined) {
      const plain = createHttpServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler.handle);
      plain.on("upgrade", handler.handleUpgrade);
      const p = await this.listen(plain, o.insecureListen);
      this.insecureUrl = `http://${o.insecureListen.host}:${p}`;
      this.log.warn(
        { url: this.insecureUrl },
        "plain HTTP listener for local debugging: no credentials are accepted on it",
      );
    }
    this.log.info(
      { url: this.url, storage: o.storage, kubeconfig: this.kubeconfigPath },
      "apiserver listening",
    );
  }

  private listen(server: HttpServer, at: HostPort): Promise<number> {
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = READ_HEADER_TIMEOUT_MS;
    server.keepAliveTimeout = IDLE_TIMEOUT_MS;
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(at.port, at.host, () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** Ends watches, stops accepting, lets requests finish (briefly), closes storage. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.shutdown.abort();
      await Promise.all(
        this.servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (!s.listening) return resolve();
              const timer = setTimeout(() => s.closeAllConnections(), SHUTDOWN_GRACE_MS);
              s.close(() => {
                clearTimeout(timer);
                resolve();
              });
              s.closeIdleConnections();
            }),
        ),
      );
      await this.storage?.close();
      this.log.info("apiserver stopped");
    })();
    return this.stopping;
  }
}
