/** The API server's configuration, resolved once with every default filled and checked. */
import { isIP } from "node:net";
import { BerthError, ErrorCode } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { loadAdmissionConfiguration, type AdmissionConfiguration } from "./admission/index.js";
import { MAX_REQUEST_BODY_BYTES } from "./http/body.js";

/** kube-apiserver's secure port. */
export const DEFAULT_LISTEN = "127.0.0.1:6443";
/** How often an idle watch that asked for bookmarks hears the newest revision it has passed. */
export const WATCH_BOOKMARK_INTERVAL_MS = 5_000;
/** How long stop() lets requests finish before cutting connections. */
export const SHUTDOWN_GRACE_MS = 5_000;
/**
 * kube-apiserver's secure serving: IdleTimeout 90 s (as Go's default transport keeps idle
 * connections), so that a client never reuses a connection the server has just closed.
 */
export const IDLE_TIMEOUT_MS = 90_000;
/** kube-apiserver's secure serving: ReadHeaderTimeout 32 s. */
export const READ_HEADER_TIMEOUT_MS = 32_000;
/**
 * How long a client may take to send a whole request (headers and body; watches and exec are not
 * affected once their request is in): kube-apiserver's --request-timeout default, 1 minute.
 */
export const REQUEST_TIMEOUT_MS = 60_000;
/** kube-apiserver's secure serving: MaxHeaderBytes 1 MiB (Node's default is 16 KiB). */
export const MAX_HEADER_BYTES = 1024 * 1024;

export type StorageKind = "sqlite" | "etcd";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ApiServerOptions {
  readonly dataDir: string;
  readonly listen?: string;
  readonly advertiseAddress?: string;
  readonly storage?: StorageKind;
  readonly etcdEndpoints?: readonly string[];
  /** Plain HTTP for local debugging only; never authenticated beyond anonymous. */
  readonly insecureListen?: string;
  /** kube-apiserver's --admission-control-config-file: an AdmissionConfiguration (PodSecurity's). */
  readonly admissionControlConfigFile?: string;
  readonly logger: Logger;
  readonly bookmarkIntervalMs?: number;
  readonly maxBodyBytes?: number;
  readonly now?: () => Date;
}

export interface ResolvedOptions {
  readonly dataDir: string;
  readonly listen: HostPort;
  readonly advertiseAddress?: string;
  readonly storage: StorageKind;
  readonly etcdEndpoints: readonly string[];
  readonly insecureListen?: HostPort;
  readonly admission: AdmissionConfiguration;
  readonly logger: Logger;
  readonly bookmarkIntervalMs: number;
  readonly maxBodyBytes: number;
  readonly now: () => Date;
}

function configError(message: string): BerthError {
  return new BerthError(ErrorCode.Config, message);
}

export function parseHostPort(text: string, flag: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  if (m === null) throw configError(`${flag} must be HOST:PORT, not ${JSON.stringify(text)}`);
  const host = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  if (port > 65535) throw configError(`${flag}: port ${port} is out of range`);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

export function resolveOptions(options: ApiServerOptions): ResolvedOptions {
  if (!options.dataDir) throw configError("--data-dir is required");
  const storage = options.storage ?? "sqlite";
  if (storage !== "sqlite" && storage !== "etcd") {
    throw configError(`--storage must be sqlite or etcd, not ${JSON.stringify(storage)}`);
  }
  const etcdEndpoints = options.etcdEndpoints ?? [];
  if (storage === "etcd" && etcdEndpoints.length === 0)
    throw configError("--storage etcd needs --etcd-endpoints");
  for (const e of etcdEndpoints) {
    if (!/^https?:\/\/[^/]+/.test(e))
      throw configError(`--etcd-endpoints: ${JSON.stringify(e)} is not a URL`);
  }
  if (options.advertiseAddress !== undefined && isIP(options.advertiseAddress) === 0) {
    throw configError(
      `--advertise-address must be an IP address, not ${JSON.stringify(options.advertiseAddress)}`,
    );
  }
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? WATCH_BOOKMARK_INTERVAL_MS;
  if (!Number.isInteger(bookmarkIntervalMs) || bookmarkIntervalMs <= 0) {
    throw configError("the bookmark interval must be a positive integer");
  }
  return {
    dataDir: options.dataDir,
    listen: parseHostPort(options.listen ?? DEFAULT_LISTEN, "--listen"),
    ...(options.advertiseAddress !== undefined ? { advertiseAddress: options.advertiseAddress } : {}),
    storage,
    etcdEndpoints,
    ...(options.insecureListen !== undefined
      ? { insecureListen: parseHostPort(options.insecureListen, "--insecure-listen") }
      : {}),
    admission: loadAdmissionConfiguration(options.admissionControlConfigFile),
    logger: options.logger,
    bookmarkIntervalMs,
    maxBodyBytes: options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES,
    now: options.now ?? (() => new Date()),
  };
}
