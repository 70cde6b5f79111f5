/**
 * What scripts/runtime-env.sh exports for the integration tests. A missing variable is a failed
 * test, never a skipped one: CI must prove the real daemons work.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(
      `${name} is not set: run the tests through scripts/test.sh, or eval "$(bash scripts/runtime-env.sh up)" first`,
    );
  }
  return value;
}

export const testEnv = {
  containerdEndpoint: () => requireEnv("CONTAINERD_ENDPOINT"),
  dockerEndpoint: () => requireEnv("DOCKER_ENDPOINT"),
  registry: () => requireEnv("REGISTRY"),
  authRegistry: () => requireEnv("AUTH_REGISTRY"),
  authRegistryUser: () => requireEnv("AUTH_REGISTRY_USER"),
  authRegistryPassword: () => requireEnv("AUTH_REGISTRY_PASSWORD"),
  pauseImage: () => requireEnv("PAUSE_IMAGE"),
  testImage: () => requireEnv("TEST_IMAGE"),
  /** The gRPC health server image (src/images/local-images.ts), named under REGISTRY as `up` pushes it. */
  grpcHealthImage: () =>
    process.env["GRPC_HEALTH_IMAGE"] || `${requireEnv("REGISTRY")}/berth/grpc-health:1.0`,
};
