/**
 * Makes a container's image present per its imagePullPolicy (kubelet: images.imageManager),
 * with imagePullSecrets and a per-(pod, image) backoff: a failed pull is ErrImagePull, and until
 * the backoff ends further attempts are ImagePullBackOff without touching the registry.
 */
import type { IContainer, IPod, ISecret } from "kubernetes-models/v1";
import {
  defaultPullPolicy,
  errorMessage,
  hasCode,
  isNotFound,
  type Clock,
  type Logger,
} from "../../../common/index.js";
import type { AuthConfig, ContainerRuntime, PodSandboxConfig } from "../../../runtime/index.js";
import type { EventRecorder, InvolvedObject } from "../../events/recorder.js";
import type { ImagePullMetrics } from "../../metrics/index.js";
import type { WaitingReason } from "../status/index.js";
import type { KeyedBackoff } from "../workers/index.js";
import { credentialsFor, parsePullSecret, type RegistryCredential } from "./pull-secrets.js";

export const REASON_ERR_IMAGE_PULL = "ErrImagePull"; // kubelet: images.ErrImagePull
export const REASON_IMAGE_PULL_BACKOFF = "ImagePullBackOff"; // kubelet: images.ErrImagePullBackOff
export const REASON_ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"; // kubelet: images.ErrImageNeverPull
export const REASON_INVALID_IMAGE_NAME = "InvalidImageName"; // kubelet: images.ErrInvalidImageName

export interface ImagePullerOptions {
  readonly runtime: ContainerRuntime;
  readonly recorder: EventRecorder;
  readonly backoff: KeyedBackoff;
  readonly clock: Clock;
  readonly log: Logger;
  /** Reads a secret of the pod's namespace; NotFound when missing. */
  readonly getSecret: (namespace: string, name: string) => Promise<ISecret>;
  /** The pod's pulls, which pod_start_sli_duration_seconds leaves out. */
  readonly metrics?: ImagePullMetrics;
}

export type PullOutcome =
  { readonly ok: true } | ({ readonly ok: false; readonly retryAfterMs?: number } & WaitingReason);

/** The pod's policy, else the one the API server defaults to. */
export function effectivePullPolicy(container: IContainer): "Always" | "IfNotPresent" | "Never" {
  return container.imagePullPolicy || defaultPullPolicy(container.image ?? "");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
}

export class ImagePuller {
  readonly #o: ImagePullerOptions;

  constructor(options: ImagePullerOptions) {
    this.#o = options;
  }

  async ensure(
    pod: IPod,
    container: IContainer,
    ref: InvolvedObject,
    sandboxConfig: PodSandboxConfig | undefined,
  ): Promise<PullOutcome> {
    const { runtime, recorder, backoff, clock } = this.#o;
    const image = container.image ?? "";
    if (image === "") {
      return { ok: false, reason: REASON_INVALID_IMAGE_NAME, message: "the container has no image" };
    }
    const policy = effectivePullPolicy(container);
    let present: boolean;
    try {
      present = (await runtime.imageStatus(image)) !== undefined;
    } catch (err) {
      if (hasCode(err, "InvalidImageName")) return this.#invalid(ref, image, err);
      throw err;
    }
    if (policy === "Never" || (policy === "IfNotPresent" && present)) {
      if (present) {
        recorder.event(ref, "Normal", "Pulled", `Container image "${image}" already present on machine`);
        return { ok: true };
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      recorder.event(ref, "Warning", REASON_ERR_IMAGE_NEVER_PULL, message);
      return { ok: false, reason: REASON_ERR_IMAGE_NEVER_PULL, message };
    }
    const key = `${pod.metadata?.uid ?? ""}/${image}`;
    const remaining = backoff.remainingSinceUpdate(key);
    if (remaining > 0) {
      const message = `Back-off pulling image "${image}"`;
      recorder.event(ref, "Normal", "BackOff", message);
      return { ok: false, reason: REASON_IMAGE_PULL_BACKOFF, message, retryAfterMs: remaining };
    }
    recorder.event(ref, "Normal", "Pulling", `Pulling image "${image}"`);
    const started = clock.now();
    const uid = pod.metadata?.uid ?? "";
    this.#o.metrics?.imagePullStarted(uid, started);
    try {
      const auths = await this.#credentials(pod, image);
      await this.#pull(image, auths, sandboxConfig);
    } catch (err) {
      if (hasCode(err, "InvalidImageName")) return this.#invalid(ref, image, err);
      const delay = backoff.next(key, clock.now());
      const message = errorMessage(err);
      recorder.event(ref, "Warning", "Failed", `Failed to pull image "${image}": ${message}`);
      recorder.event(ref, "Warning", "Failed", `Error: ${REASON_ERR_IMAGE_PULL}`);
      return { ok: false, reason: REASON_ERR_IMAGE_PULL, message, retryAfterMs: delay };
    }
    backoff.reset(key);
    this.#o.metrics?.imagePullFinished(uid, clock.now());
    const took = clock.now() - started;
    const size = (await runtime.imageStatus(image).catch(() => undefined))?.size ?? 0;
    recorder.event(
      ref,
      "Normal",
      "Pulled",
      `Successfully pulled image "${image}" in ${seconds(took)} (${seconds(took)} including waiting). Image size: ${size} bytes.`,
    );
    return { ok: true };
  }

  #invalid(ref: InvolvedObject, image: string, err: unknown): PullOutcome {
    const message = `Failed to apply default image tag "${image}": ${errorMessage(err)}`;
    this.#o.recorder.event(ref, "Warning", REASON_INVALID_IMAGE_NAME, message);
    return { ok: false, reason: REASON_INVALID_IMAGE_NAME, message };
  }

  /** Tries each matching credential, most specific first, then an anonymous pull. */
  async #pull(
    image: string,
    auths: readonly AuthConfig[],
    sandboxConfig: PodSandboxConfig | undefined,
  ): Promise<void> {
    let lastError: unknown;
    for (const auth of [...auths, undefined]) {
      try {
        await this.#o.runtime.pullImage(image, auth, sandboxConfig);
        return;
      } catch (err) {
        lastError = err;
        if (!hasCode(err, "Unauthorized") && !hasCode(err, "Forbidden")) throw err;
      }
    }
    throw lastError;
  }

  async #credentials(pod: IPod, image: string): Promise<AuthConfig[]> {
    const namespace = pod.metadata?.namespace ?? "default";
    const all: RegistryCredential[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      try {
        all.push(...parsePullSecret(await this.#o.getSecret(namespace, ref.name)));
      } catch (err) {
        // kubelet: a missing or unreadable pull secret is logged and the pull goes on without it.
        const level = isNotFound(err) ? "info" : "warn";
        this.#o.log[level](
          { pod: `${namespace}/${pod.metadata?.name ?? ""}`, secret: ref.name, err: errorMessage(err) },
          "pull secret unusable",
        );
      }
    }
    return credentialsFor(image, all);
  }
}
