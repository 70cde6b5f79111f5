/**
 * Bootstrap tokens (kubeadm's): their format and Secret, the API server's authenticator for them,
 * and a joining node's discovery of the cluster CA.
 */
export {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_PATTERN,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  BOOTSTRAP_USER_PREFIX,
  DEFAULT_TOKEN_TTL_MS,
  GROUP_BOOTSTRAPPERS,
  GROUP_DEFAULT_NODE_TOKEN,
  TokenKeys,
  authenticateToken,
  expirationOf,
  formatToken,
  generateToken,
  parseToken,
  secretName,
  tokenIdOf,
  tokenSecret,
  type BootstrapToken,
  type BootstrapUser,
  type StoredSecret,
  type TokenSecretOptions,
} from "./token.js";
export {
  BootstrapTokenAuthenticator,
  SECRET_WATCH_RETRY_MS,
  type BootstrapTokenAuthenticatorOptions,
  type SecretEvent,
} from "./token-authenticator.js";
export { DISCOVERY_TIMEOUT_MS, caCertHash, checkCaCertHashes, discoverClusterCa } from "./discovery.js";
