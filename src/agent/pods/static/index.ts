/**
 * Static pods (kubelet: pkg/kubelet/config file and http sources, pkg/kubelet/pod mirror client):
 * pods from manifests on the node or at a URL, run by the same workers as the API's pods, and
 * their mirror pods in the API server.
 */
export { StaticPodSources, type StaticPodSourcesOptions } from "./static-sources.js";
export { MirrorPods, mirrorPodOf, type MirrorPodsOptions } from "./mirror-pods.js";
export {
  ANNOTATION_CONFIG_HASH,
  ANNOTATION_CONFIG_MIRROR,
  ANNOTATION_CONFIG_SEEN,
  ANNOTATION_CONFIG_SOURCE,
  ManifestError,
  decodeManifest,
  fullName,
  isMirrorPod,
  isMirrorPodOf,
  podsOf,
  staticPod,
  type ConfigSource,
  type StaticPodOptions,
} from "./static-pod.js";
