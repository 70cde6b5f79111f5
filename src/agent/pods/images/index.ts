/** Image pulls for pod containers (kubelet: pkg/kubelet/images): pull policy, backoff, pull secrets. */
export {
  ImagePuller,
  REASON_ERR_IMAGE_NEVER_PULL,
  REASON_ERR_IMAGE_PULL,
  REASON_IMAGE_PULL_BACKOFF,
  REASON_INVALID_IMAGE_NAME,
  effectivePullPolicy,
  type ImagePullerOptions,
  type PullOutcome,
} from "./puller.js";
