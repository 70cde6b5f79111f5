/** The mini API server's public surface. */
export { ApiServer, BUILTIN_NAMESPACES } from "./server.js";
export {
  DEFAULT_LISTEN,
  WATCH_BOOKMARK_INTERVAL_MS,
  parseHostPort,
  type ApiServerOptions,
  type StorageKind,
} from "./options.js";
export { DataFiles, nodeKubeconfig, type Credentials } from "./credentials.js";
export { KUBERNETES_VERSION } from "./http/handler.js";
