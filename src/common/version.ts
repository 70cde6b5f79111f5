import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** berth's own version, from package.json. */
export const BERTH_VERSION: string = pkg.version;

/**
 * The Kubernetes minor berth speaks and reports (kubeletVersion, /version). kubectl's dispatcher
 * picks its own binary from this.
 */
export const KUBERNETES_MAJOR = "1";
export const KUBERNETES_MINOR = "32";
export const KUBERNETES_GIT_VERSION = `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0-berth.${BERTH_VERSION}`;
