/**
 * berth's Kubernetes API client: kubeconfig read/write, ApiClient (typed JSON requests and watch
 * streams over keep-alive HTTPS connections), error mapping from Status to BerthError, and the list-watch
 * Reflector that keeps a local store in step with the server, and leader election through a Lease.
 */
export {
  ApiClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  PATCH_CONTENT_TYPES,
  type ApiClientOptions,
  type DeleteRequestOptions,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  type Query,
  type QueryValue,
  type RequestOptions,
  type WatchOptions,
  type WriteOptions,
} from "./client.js";
export {
  buildKubeconfig,
  loadKubeconfig,
  resolveKubeconfig,
  type BuildKubeconfigOptions,
  type ClusterConnection,
  type ResolveKubeconfigOptions,
} from "./kubeconfig.js";
export {
  LeaderElector,
  LEADER_ELECTION_JITTER_FACTOR,
  LEADER_ELECTION_LEASE_DURATION_MS,
  LEADER_ELECTION_NAMESPACE,
  LEADER_ELECTION_RENEW_DEADLINE_MS,
  LEADER_ELECTION_RETRY_PERIOD_MS,
  type LeaderElectionEnd,
  type LeaderElectionOptions,
} from "./leader-election.js";
export { microTime } from "./micro-time.js";
export { objectKey } from "./object-key.js";
export { resourcePath, type ResourcePathOptions } from "./paths.js";
export {
  Reflector,
  REFLECTOR_BACKOFF_INITIAL_MS,
  REFLECTOR_BACKOFF_JITTER,
  REFLECTOR_BACKOFF_MAX_MS,
  REFLECTOR_BACKOFF_RESET_MS,
  REFLECTOR_PAGE_SIZE,
  REFLECTOR_WATCH_TIMEOUT_SECONDS,
  type ReflectorHandler,
  type ReflectorOptions,
} from "./reflector.js";
export { isStatus, statusError } from "./status-error.js";
export type * from "./types.js";
